"""Real MLflow servers and clients from released MLflow's own venvs (catalog.venvs, shared with diffcheck).

Each server runs on a free loopback port in its own process group (killed as a group at the end, also on failure),
with SQLite and proxied artifacts, as the research's runtime matrix did.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import cache
from pathlib import Path

from mlflow_upgrade.catalog import venvs
from tests.support.mlflow_server import free_port

PROBE = Path(__file__).with_name("client_probe.py")
MATRIX = ("1.30.1", "2.9.2", "2.16.2", "3.0.1", "3.17.2")
QUIET_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true", "PYTHONWARNINGS": "ignore",
             "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "20",
             "MLFLOW_ENABLE_ASYNC_TRACE_LOGGING": "false", "MLFLOW_ASYNC_TRACE_LOGGING_RETRY_TIMEOUT": "1",
             "GIT_PYTHON_REFRESH": "quiet",
             # 3.x servers: no job-execution runner (more processes importing MLflow at start); the probe runs no job
             "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}


@cache
def venv_python(release: str) -> Path:
    """The release's venv python (``catalog.venvs``: created once, under its own per-release lock)."""
    return venvs.venv_python(release)


def _env(python: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    # 1.x execs a bare `gunicorn`: the venv's bin first on PATH
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **QUIET_ENV}


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass


AUTH = "+basic-auth"  # a key suffix: that release's server with `--app-name basic-auth` (admin / password)


@contextmanager
def servers(releases: tuple[str, ...], workdir: Path, timeout: float = 240) -> Iterator[dict[str, str]]:
    """Start one server per release (all at once), wait until each answers /health; yield {release: url}.
    A release written "2.9.2+basic-auth" runs MLflow's basic-auth app."""
    with ExitStack() as stack:
        urls, procs = {}, {}
        for key in releases:
            release = key.removesuffix(AUTH)
            python = venv_python(release)
            home = workdir / f"server-{key}"
            home.mkdir(parents=True, exist_ok=True)
            port = free_port()
            log = stack.enter_context(open(home / "server.log", "w"))
            procs[key] = proc = subprocess.Popen(
                [str(python.parent / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
                 "--backend-store-uri", f"sqlite:///{home / 'mlflow.db'}", "--serve-artifacts",
                 "--artifacts-destination", str(home / "artifacts"), "--workers", "1",
                 *(["--app-name", "basic-auth"] if key.endswith(AUTH) else [])],
                cwd=home, env=_env(python), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            stack.callback(_stop, proc)
            urls[key] = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        for release, url in urls.items():
            while not _healthy(url):
                if procs[release].poll() is not None or time.monotonic() > deadline:
                    tail = (workdir / f"server-{release}" / "server.log").read_text()[-1500:]
                    raise RuntimeError(f"MLflow {release} server did not start: {tail}")
                time.sleep(0.5)
        yield urls


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def run_client(release: str, urls: list[str], workdir: Path, timeout: float = 600) -> subprocess.Popen:
    """Start `client_probe.py` in the release's venv against `urls` (returns the process; see `client_results`)."""
    python = venv_python(release)
    home = workdir / f"client-{release}"
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([str(python), str(PROBE), *urls], cwd=home, env=_env(python), stdout=subprocess.PIPE,
                            stderr=open(home / "client.log", "w"), text=True, start_new_session=True)


def client_results(proc: subprocess.Popen, timeout: float = 600) -> dict[str, dict[str, str]]:
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        _stop(proc)
    if proc.returncode != 0:
        raise RuntimeError(f"client probe failed with exit {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1])
