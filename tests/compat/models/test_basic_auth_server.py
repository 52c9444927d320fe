"""Wrong and right credentials against a real basic-auth tracking server of the installed MLflow."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli
from tests.support.mlflow_server import mlflow_server


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("auth-server")
    (tmp / "auth.ini").write_text("[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///basic_auth.db\n"
                                  "admin_username = admin\nadmin_password = Adm1n-pw-for-tests\n"
                                  "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n")
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "MLFLOW_AUTH_CONFIG_PATH": str(tmp / "auth.ini"),
           "MLFLOW_FLASK_SERVER_SECRET_KEY": "test-secret"}
    with mlflow_server(["--app-name", "basic-auth", "--backend-store-uri", f"sqlite:///{tmp / 'mlflow.db'}",
                        "--artifacts-destination", str(tmp / "art")], env=env, cwd=tmp) as url:
        yield url


def test_wrong_credentials_are_one_line(auth_server: str, tmp_path: Path) -> None:
    wrong = run_cli("models", auth_server, env={"MLFLOW_TRACKING_USERNAME": "admin",
                                                "MLFLOW_TRACKING_PASSWORD": "not-the-password"}, cwd=str(tmp_path))
    assert wrong.returncode == 6, wrong.output
    assert len(wrong.stderr.strip().splitlines()) == 1 and "refused the credentials" in wrong.stderr
    assert "not-the-password" not in wrong.output and wrong.stdout == ""
    in_url = run_cli("models", auth_server.replace("http://", "http://admin:not-the-password@"), cwd=str(tmp_path))
    assert in_url.returncode == 6 and "not-the-password" not in in_url.output
    right = run_cli("models", auth_server, "--json", env={"MLFLOW_TRACKING_USERNAME": "admin",
                                                          "MLFLOW_TRACKING_PASSWORD": "Adm1n-pw-for-tests"})
    assert right.returncode == 0, right.output
    assert json.loads(right.stdout)["models"] == []
    assert list(tmp_path.iterdir()) == []
