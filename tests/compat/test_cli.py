"""`mlflow-upgrade compat` as users run it: outputs, exit codes, and bad input (one line, non-zero exit)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlflow_upgrade.errors import ExitCode
from tests.cli_helpers import run_cli
from tests.compat.servers import free_port


def _one_line_error(result, code: int, *needles: str) -> None:
    assert result.returncode == code, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("mlflow-upgrade: error:"), result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_breaking_exit_code_and_json():
    result = run_cli("compat", "--server-version", "2.9.2", "--target", "2.16.2", "--client", "3.17.2", "--json")
    assert result.returncode == ExitCode.BREAKING, result.output
    data = json.loads(result.stdout)
    [client] = data["clients"]
    assert client["before"]["verdict"] == client["after"]["verdict"] == "BREAKING"
    assert {r["feature"] for r in client["after"]["reasons"] if r["level"] == "BREAKING"} == {
        "log_model", "register_model"}
    assert data["exit_code"] == ExitCode.BREAKING


def test_safe_and_caution_exit_codes():
    assert run_cli("compat", "--server-version", "2.9.2", "--target", "3.17.2", "--client", "2.16.2").returncode == 0
    caution = run_cli("compat", "--server-version", "2.16.2", "--target", "3.17.2", "--client", "3.17.2",
                      "--client", "2.9.2")  # 3.17.2 against 3.17.2 is SAFE after; before it breaks
    assert caution.returncode == 0, caution.output
    assert "BREAKING" in caution.stdout and "verdict: SAFE" in caution.stdout
    old_server = run_cli("compat", "--server-version", "2.9.2", "--target", "2.9.2", "--client", "2.16.2")
    assert old_server.returncode == ExitCode.FINDINGS, old_server.output


def test_pins_text_sarif_and_fix(tmp_path: Path):
    req = tmp_path / "svc" / "requirements.txt"
    req.parent.mkdir()
    req.write_text("pandas\nmlflow<3  # platform pin\n")
    text = run_cli("compat", str(tmp_path), "--server-version", "2.9.2", "--target", "3.17.2")
    assert text.returncode == ExitCode.FINDINGS, text.output
    assert f"{req}:2: `mlflow<3` blocks MLflow 3.17.2: change it to `mlflow<4`" in text.stdout
    sarif = json.loads(run_cli("compat", str(tmp_path), "--target", "3.17.2", "--sarif").stdout)
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "MLC003"
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 7}
    fixed = run_cli("compat", str(tmp_path), "--target", "3.17.2", "--fix")
    assert fixed.returncode == 0, fixed.output
    assert req.read_text() == "pandas\nmlflow<4  # platform pin\n"


class _Handler(http.server.BaseHTTPRequestHandler):
    status = 404
    body = b"<html>not here</html>"

    def do_GET(self) -> None:
        self.send_response(self.status)
        if self.status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="mlflow"')
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_server(request) -> Iterator[str]:
    handler = type("H", (_Handler,), {"status": request.param})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("fake_server", [404], indirect=True)
def test_not_an_mlflow_server(fake_server):
    _one_line_error(run_cli("compat", "--server", fake_server, "--client", "2.9.2"), ExitCode.NOT_MLFLOW,
                    "is not an MLflow tracking server")


@pytest.mark.parametrize("fake_server", [401], indirect=True)
def test_unauthorized_server(fake_server):
    result = run_cli("compat", "--server", fake_server, "--client", "2.9.2",
                     env={"MLFLOW_TRACKING_USERNAME": "alice", "MLFLOW_TRACKING_PASSWORD": "s3cret-pw"})
    _one_line_error(result, ExitCode.CONNECTION, "401", "to the credentials given", "check them")
    assert "s3cret-pw" not in result.output
    anonymous = run_cli("compat", "--server", fake_server, "--client", "2.9.2")
    _one_line_error(anonymous, ExitCode.CONNECTION, "401 Unauthorized (basic auth)", "MLFLOW_TRACKING_USERNAME")


def test_unreachable_server():
    port = free_port()  # nothing listens there
    _one_line_error(run_cli("compat", "--server", f"http://127.0.0.1:{port}", "--client", "2.9.2"),
                    ExitCode.CONNECTION, "cannot reach")


@pytest.mark.parametrize(("args", "needle"), [
    (["--server-version", "2.99.0", "--client", "2.9.2"], "--server-version 2.99.0 is not an MLflow release"),
    (["--server-version", "2.9.2", "--client", "banana"], "is not a version number"),
    (["--server-version", "2.9.2", "--client", "2.9.2", "--target", "9.9.9"], "--target 9.9.9"),
    (["--server-version", "2.9.2"], "nothing to judge"),
    (["--server-version", "2.9.2", "--server", "http://127.0.0.1:1", "--client", "2.9.2"], "not both"),
    (["/nonexistent/dir", "--server-version", "2.9.2"], "no such file or directory"),
])
def test_bad_arguments(args, needle):
    _one_line_error(run_cli("compat", *args), ExitCode.USAGE, needle)


def test_unparseable_requirements(tmp_path: Path):
    (tmp_path / "requirements.txt").write_text("mlflow==2.9.x.1\n")
    result = run_cli("compat", str(tmp_path), "--server-version", "2.9.2")
    _one_line_error(result, ExitCode.USAGE, "requirements.txt:1", "cannot parse")
