"""``inspect --server``: probe a real MLflow tracking server started from the installed release."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.errors import ExitCode
from mlflow_upgrade.inspect.server import probe_server
from tests.cli_helpers import run_cli
from tests.support.fixture_stores import copy_sqlite_fixture
from tests.support.mlflow_server import free_port
from tests.support.mlflow_server import mlflow_server as start_mlflow_server


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("server")
    with start_mlflow_server(["--backend-store-uri", f"sqlite:///{tmp / 'mlflow.db'}", "--default-artifact-root",
                              str(tmp / "art")]) as url:
        yield url


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
    result = run_cli("inspect", uri, "--server", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == ExitCode.CONNECTION
    assert "cannot reach the MLflow server" in result.stderr and "Traceback" not in result.output


@pytest.fixture
def slow_server() -> Iterator[tuple[str, threading.Event]]:
    """A loopback server answering /health only once the test sets its event (a server too busy to answer)."""
    answer = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answer.wait(30)
            body = b"OK" if self.path == "/health" else b"3.17.2" if self.path == "/version" else b"{}"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", answer
    finally:
        answer.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_a_server_slower_than_the_timeout_is_unreachable_and_says_so(
        slow_server: tuple[str, threading.Event]) -> None:
    url, _ = slow_server
    with pytest.raises(errors.ConnectionFailed, match=r"no answer within 0\.3 s: .* larger --timeout"):
        probe_server(url, timeout=0.3)


def test_the_timeout_is_the_callers(slow_server: tuple[str, threading.Event]) -> None:
    url, answer = slow_server
    threading.Timer(0.5, answer.set).start()  # answers after the 0.3 s above would have given up
    info = probe_server(url, timeout=20)
    assert info.healthy and info.version == "3.17.2"


def test_timeout_option_is_checked_and_passed(slow_server: tuple[str, threading.Event],
                                              tmp_path: Path) -> None:
    url, _ = slow_server
    uri = copy_sqlite_fixture("3.17.2", tmp_path)
    refused = run_cli("inspect", uri, "--server", url, "--timeout", "0")
    assert refused.returncode == ExitCode.USAGE and "--timeout" in refused.stderr
    slow = run_cli("inspect", uri, "--server", url, "--timeout", "0.3")
    assert slow.returncode == ExitCode.CONNECTION and "no answer within 0.3 s" in slow.stderr
