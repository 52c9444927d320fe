"""One MLflow tracking server for ``diffcheck``: loopback, a free port, its own process group, always stopped.

The server is started with ``python -m mlflow server`` of a given interpreter (an old release's venv, or the
installed MLflow's), waits for ``/health``, and on leaving the ``with`` block (normally, on an exception or on
Ctrl-C) its whole process group gets SIGTERM, then SIGKILL after a grace period: gunicorn/uvicorn workers go
with it. Its log is kept in a file so a failure to start can say why.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from mlflow_upgrade import errors
from mlflow_upgrade.store.masking import mask_uri

STOP_GRACE_SECONDS = 10.0


def free_port() -> int:
    """A port the kernel just handed out on loopback (bind 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env() -> dict[str, str]:
    """The environment of a server: no tracking URI of the caller's, no telemetry, no job runner.

    MLflow 3.x servers on a database also start a job-execution runner (a huey consumer and periodic services,
    more processes importing MLflow) unless told not to: diffcheck only replays reads, and no background job
    may touch the copy while its answers are recorded (older releases ignore the variable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_") and k != "PYTHONPATH"}
    env.update(MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true", PYTHONWARNINGS="ignore",
               MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    return env


@contextlib.contextmanager
def running_server(python: str | Path, store_uri: str, workdir: Path, *, label: str, timeout: float,
                   extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the base URL of an MLflow server of ``python`` serving ``store_uri``; stop it afterwards."""
    port = free_port()
    artifacts = workdir / f"{label}-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{label}-server.log"
    # mlflow.cli rather than ``-m mlflow`` (1.x has no __main__); the venv's bin first on PATH (1.x/2.x exec
    # gunicorn by name)
    cmd = [str(python), "-c", "import sys; from mlflow.cli import cli; sys.argv[0] = 'mlflow'; cli()", "server",
           "--default-artifact-root", str(artifacts), "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    env = {**server_env(), **(extra_env or {})}
    env["PATH"] = os.pathsep.join([str(Path(python).parent), env.get("PATH", "")])
    # the store URI (it may hold a password) goes by environment, not argv, which `ps` shows to every user
    env["MLFLOW_BACKEND_STORE_URI"] = store_uri
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(proc, url, timeout, label, log_path)
        yield url
    finally:
        stop(proc)


def _wait_healthy(proc: subprocess.Popen, url: str, timeout: float, label: str, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise errors.OperationFailed(f"the {label} MLflow server exited at start (code {proc.returncode}): "
                                         f"{_last_line(log_path)}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise errors.OperationFailed(f"the {label} MLflow server did not answer /health within {timeout:.0f} s "
                                 f"(--timeout); its log: {log_path} (kept with --keep)")


def _last_line(log_path: Path) -> str:
    lines = [ln for ln in log_path.read_text(errors="replace").splitlines() if ln.strip()]
    errors_seen = [ln for ln in lines if "Error" in ln]
    return mask_uri((errors_seen or lines or ["no output"])[-1].strip())[:200]


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, SIGKILL after the grace period; reap it."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    # workers that outlived the parent
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
