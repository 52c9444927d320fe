"""A tracking server of the installed MLflow on a free loopback port, for tests: started in its own session,
waited for until ``/health`` answers, and stopped as a whole process group (its workers too) at the end, also
on failure."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

START_SECONDS = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def mlflow_server(args: list[str], *, env: Mapping[str, str] | None = None,
                  cwd: Path | None = None) -> Iterator[str]:
    """``mlflow server --host 127.0.0.1 --port <free> <args> --workers 1``; yields its URL once healthy.

    Without MLflow's job-execution runner (a huey consumer and periodic services, more processes importing MLflow
    while the server starts): no test here runs a server-side job."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port), *args,
         "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**(os.environ if env is None else env), "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}, cwd=cwd,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the server's workers too (own session)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _wait_healthy(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"mlflow server exited with {proc.returncode}")
            time.sleep(0.5)
    pytest.fail(f"mlflow server did not start within {START_SECONDS} s")
