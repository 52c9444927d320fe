"""``inspect --server``: probe a real MLflow tracking server started from the installed release."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlflow_upgrade.errors import ExitCode
from tests.cli_helpers import run_cli
from tests.support.fixture_stores import copy_sqlite_fixture


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("server")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{tmp / 'mlflow.db'}", "--default-artifact-root", str(tmp / "art"),
         "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("mlflow server did not start within 240 s")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server's workers too (own session)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_probe_reports_installed_version(mlflow_server: str, tmp_path: Path) -> None:
    from importlib.metadata import version

    uri = copy_sqlite_fixture("3.17.2", tmp_path)
    result = run_cli("inspect", uri, "--server", mlflow_server, "--json")
    assert result.returncode == 0, result.output
    server = json.loads(result.stdout)["server"]
    assert server["healthy"] is True
    assert server["version"] == version("mlflow")
    assert server["endpoints"]["/version"] == 200


def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("3.17.2", tmp_path)
    result = run_cli("inspect", uri, "--server", f"http://127.0.0.1:{_free_port()}")
    assert result.returncode == ExitCode.CONNECTION
    assert "cannot reach the MLflow server" in result.stderr and "Traceback" not in result.output
