"""Run inside a real MLflow release's venv: exercise each client feature against each server, print JSON.

    python client_probe.py URL [URL ...]   ->  {"URL": {"tracking": "ok", "log_model": "error: ...", ...}}

An outcome is "ok", "n/a" (the client release has no such API), "skipped: <why>" (a precondition failed) or
"error: <first line>". Tracing counts as "ok" only when the trace can be found on the server afterwards.
"""

import json
import sys
import time
import uuid

import mlflow
from mlflow.tracking import MlflowClient
from packaging.version import Version

CLIENT = Version(mlflow.__version__)


class Model(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input


def outcome(fn):
    try:
        result = fn()
        return "ok" if result is None else result
    except Exception as exc:
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"error: {type(exc).__name__}: {text[:300]}"


def probe(url):
    mlflow.set_tracking_uri(url)
    client = MlflowClient(url)
    suffix = uuid.uuid4().hex[:8]
    results, state = {}, {}

    def tracking():
        exp = mlflow.create_experiment(f"compat-{suffix}")
        state["exp"] = exp
        mlflow.set_experiment(experiment_id=exp)
        with mlflow.start_run() as run:
            mlflow.log_param("p", 1)
            mlflow.log_metric("m", 1.0)
            state["run"] = run.info.run_id

    def log_model():
        with mlflow.start_run(run_id=state["run"]):
            mlflow.pyfunc.log_model("model", python_model=Model(), pip_requirements=["mlflow"])

    def register_model():
        version = mlflow.register_model(f"runs:/{state['run']}/model", f"reg-{suffix}")
        assert version.version, "no version"

    def model_aliases():
        if Version("2.3.0") > CLIENT:
            return "n/a"
        name = f"alias-{suffix}"
        client.create_registered_model(name)
        try:
            client.create_model_version(name, f"mlflow-artifacts:/{state['exp']}/x", run_id=None)
        except Exception as exc:
            return f"skipped: no model version ({type(exc).__name__})"
        client.set_registered_model_alias(name, "champion", "1")
        assert client.get_model_version_by_alias(name, "champion").version == "1"

    def log_input():
        if Version("2.4.0") > CLIENT:
            return "n/a"
        import pandas as pd

        with mlflow.start_run(run_id=state["run"]):
            mlflow.log_input(mlflow.data.from_pandas(pd.DataFrame({"a": [1, 2]}), name="d"), context="training")

    def tracing():
        if Version("2.14.0") > CLIENT:
            return "n/a"

        @mlflow.trace
        def traced(x):
            return x + 1

        traced(1)
        if hasattr(mlflow, "flush_trace_async_logging"):
            mlflow.flush_trace_async_logging()
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                found = mlflow.search_traces(experiment_ids=[state["exp"]])
            except Exception as exc:
                return f"error: trace not found on the server (search failed: {type(exc).__name__})"
            if len(found):
                return None
            time.sleep(0.5)
        return "error: trace not found on the server"

    def search_traces():
        if Version("2.14.0") > CLIENT:
            return "n/a"
        mlflow.search_traces(experiment_ids=[state["exp"]])

    def search_logged_models():
        if Version("3.0.0") > CLIENT:
            return "n/a"
        mlflow.search_logged_models(experiment_ids=[state["exp"]])

    def list_experiments():
        if Version("2.0.0") <= CLIENT:
            return "n/a"
        mlflow.list_experiments()

    for name, fn in [("tracking", tracking), ("log_model", log_model), ("register_model", register_model),
                     ("model_aliases", model_aliases), ("log_input", log_input), ("tracing", tracing),
                     ("search_traces", search_traces), ("search_logged_models", search_logged_models),
                     ("list_experiments", list_experiments)]:
        if name != "tracking" and results.get("tracking") != "ok":
            results[name] = "skipped: tracking failed"
            continue
        if name == "register_model" and results.get("log_model") != "ok" and Version("3.0.0") > CLIENT:
            results[name] = "skipped: log_model failed"
            continue
        results[name] = outcome(fn)
    return results


if __name__ == "__main__":
    print(json.dumps({url: probe(url) for url in sys.argv[1:]}))
