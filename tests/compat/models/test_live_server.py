"""The inventory against a live tracking server of the installed MLflow that proxies its artifacts
(``mlflow-artifacts:``): through the server (http URI) and through its database with ``--server``. Models: one
logged by the installed MLflow (an MLflow 3 logged model, registered) and the 2.22.5 diviner fixture uploaded as
a run's artifacts and registered. The verdicts are checked against loading each model from the server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlflow_upgrade import api
from mlflow_upgrade.compat.models import Status
from tests.compat.models.test_fixture_models import assert_verdicts_match_loading
from tests.support import model_fixtures
from tests.support.mlflow_server import mlflow_server

# Runs in a fresh interpreter with the installed MLflow against the server.
LOG_MODELS = r"""
import sys
import mlflow
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression

mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_experiment("live")
model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
with mlflow.start_run() as run:
    mlflow.sklearn.log_model(model, name="model", registered_model_name="live-sklearn")
with mlflow.start_run() as run:
    mlflow.log_artifacts(sys.argv[2], "old-model")
client = MlflowClient()
client.create_registered_model("old-diviner")
client.create_model_version("old-diviner", run.info.artifact_uri + "/old-model", run_id=run.info.run_id)
"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("models-server")
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    with mlflow_server(["--backend-store-uri", f"sqlite:///{tmp / 'mlflow.db'}", "--artifacts-destination",
                        str(tmp / "art")], env=env, cwd=tmp) as url:
        old = model_fixtures.committed("2.22.5") / "artifacts"
        diviner = next(p.parent for p in old.rglob("model.div"))
        subprocess.run([sys.executable, "-c", LOG_MODELS, url, str(diviner)], check=True, env=env, cwd=tmp,
                       capture_output=True, timeout=600)
        yield url, tmp / "mlflow.db"


def _check(inventory, url: str) -> None:
    rows = {(row.kind, row.name): row for row in inventory.rows}
    assert set(rows) == {("version", "live-sklearn"), ("version", "old-diviner"), ("logged", "model")}
    assert all(row.location.startswith("mlflow-artifacts:/") for row in rows.values())
    assert rows["version", "old-diviner"].status is Status.FAILS
    assert "mlflow.diviner" in rows["version", "old-diviner"].reasons[0]
    logged = rows["logged", "model"]
    assert logged.status is Status.LOADS, logged.reasons
    assert logged.model_id and logged.model_id.startswith("m-")
    assert logged.runs_uri == f"runs:/{logged.run_id}/model"  # what 2.x clients cannot resolve
    assert inventory.exit_code == 12
    assert_verdicts_match_loading(list(rows.values()), env={"MLFLOW_TRACKING_URI": url})


def test_through_the_server(live_server: tuple[str, Path]) -> None:
    url, _db = live_server
    _check(api.models(url, workers=4), url)


def test_database_with_server_for_artifacts(live_server: tuple[str, Path]) -> None:
    url, db = live_server
    inventory = api.models(f"sqlite:///{db}", server=url)
    _check(inventory, url)
    without = api.models(f"sqlite:///{db}")
    assert {row.status for row in without.rows} == {Status.UNREADABLE}
    assert all("pass --server URL" in row.reasons[0] for row in without.rows)
