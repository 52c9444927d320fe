"""Log and register real models with the MLflow release installed in the *running* interpreter.

Run by ``scripts/make_fixtures.py --models`` inside an old release's own venv (with scikit-learn and diviner
installed next to it); it only uses that release's public API, so every ``MLmodel``, ``requirements.txt``,
``conda.yaml`` and pickle is exactly what the release writes:

    python model_fixture_writer.py --out BUILD_DIR   # BUILD_DIR/mlflow.db + BUILD_DIR/artifacts/

Three models, each logged in its own run and registered as version 1 of a registered model of the same name:

* ``sklearn-model``: ``mlflow.sklearn.log_model`` of a LogisticRegression;
* ``pyfunc-model``: ``mlflow.pyfunc.log_model`` of a ``PythonModel`` defined in this script (``__main__``, so
  cloudpickle stores its code by value, as a notebook's model is);
* ``diviner-model``: ``mlflow.diviner.log_model`` of a diviner ``GroupedPmdarima`` (a flavor MLflow 3.7 removed).

It writes ``BUILD_DIR/writer-models.json`` (release, Python, what was logged with run ids and model URIs).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.tracking import MlflowClient


class AddOne(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input + 1


def log_sklearn() -> None:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], [0, 0, 1, 1])
    mlflow.sklearn.log_model(model, "model", registered_model_name="sklearn-model")


def log_pyfunc() -> None:
    mlflow.pyfunc.log_model("model", python_model=AddOne(), registered_model_name="pyfunc-model")


def log_diviner() -> None:
    import mlflow.diviner
    from diviner import GroupedPmdarima
    from pmdarima.arima import ARIMA

    days = pd.date_range("2023-01-01", periods=40, freq="D")
    frame = pd.concat(
        pd.DataFrame({"region": region, "ds": days, "y": [float(i % 7 + k) for i in range(len(days))]})
        for k, region in enumerate(["north", "south"])
    )
    model = GroupedPmdarima(model_template=ARIMA(order=(1, 0, 0))).fit(
        frame, group_key_columns=("region",), y_col="y", datetime_col="ds", silence_warnings=True
    )
    mlflow.diviner.log_model(model, "model", registered_model_name="diviner-model")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    out = parser.parse_args().out.resolve()
    uri = f"sqlite:///{out / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(uri, uri)
    experiment = client.create_experiment("models", artifact_location=(out / "artifacts").as_uri())
    logged = {}
    for name, log in (("sklearn-model", log_sklearn), ("pyfunc-model", log_pyfunc), ("diviner-model", log_diviner)):
        with mlflow.start_run(experiment_id=experiment, run_name=name) as run:
            log()
        logged[name] = {"run_id": run.info.run_id, "model_uri": f"models:/{name}/1",
                        "runs_uri": f"runs:/{run.info.run_id}/model"}
    result = {"mlflow": mlflow.__version__, "python": sys.version.split()[0], "logged": logged,
              "cwd": os.getcwd()}
    (out / "writer-models.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
