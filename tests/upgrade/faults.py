"""Fault injection for ``upgrade``: run the CLI, stop it at a chosen point, break something, let it go on.

The runner's test-only hook ``MLFLOW_UPGRADE_TEST_PAUSE_AT`` makes the process print ``MLFLOW_UPGRADE_PAUSED`` and
wait for SIGUSR1 (see ``alembic_driver.pause_point``). Private database servers (a PostgreSQL cluster made by
``initdb``, a ``mariadbd`` with its own datadir) are started here for the faults that kill a server: the shared
servers are never stopped.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy

from tests.cli_helpers import CliResult


def run_paused(args: list[str], pause: str, action: Callable[[subprocess.Popen], None] | None = None, *,
               signum: int = signal.SIGUSR1, env: dict[str, str] | None = None, timeout: float = 300) -> CliResult:
    """Run ``mlflow-upgrade ARGS`` until it pauses at ``pause``, call ``action(proc)``, send ``signum`` (SIGUSR1:
    go on), and return how it ended."""
    full_env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "MLFLOW_UPGRADE_TEST_PAUSE_AT": pause,
                **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "mlflow_upgrade", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=full_env)
    assert proc.stderr is not None and proc.stdout is not None
    seen: list[str] = []
    try:
        for line in proc.stderr:
            seen.append(line)
            if line.startswith("MLFLOW_UPGRADE_PAUSED"):
                break
        else:
            out = proc.stdout.read()
            proc.wait()
            pytest.fail(f"upgrade ended (rc {proc.returncode}) before pausing at {pause}: {''.join(seen)}{out}")
        if action is not None:
            action(proc)
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return CliResult(proc.returncode, stdout, "".join(seen) + stderr)


def execute(uri: str, *statements: str) -> None:
    engine = sqlalchemy.create_engine(uri, poolclass=sqlalchemy.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- a private PostgreSQL cluster ---------------------------------------------------------------------------


@dataclass
class PrivateServer:
    kind: str
    uri: str
    start: Callable[[], None]
    kill: Callable[[], None]  # immediate shutdown / SIGKILL: no clean stop


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def private_postgres(_tmp: Path) -> Iterator[PrivateServer]:
    initdb = shutil.which("initdb")
    pg_ctl = shutil.which("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("initdb/pg_ctl not installed")
    # pytest's temporary directories are private to root: the cluster lives where its owner can reach it.
    tmp = Path(tempfile.mkdtemp(prefix="mlu-private-pg-"))
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
    data = tmp / "pgdata"
    port = free_port()
    subprocess.run(_as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"]),
                   check=True, capture_output=True)
    log = tmp / "pg.log"

    def start() -> None:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-l", str(log), "-w", "-o",
                                     f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]),
                       check=True, capture_output=True)

    def kill() -> None:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]), check=True,
                       capture_output=True)

    start()
    try:
        execute(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", "CREATE DATABASE mlflow")
        yield PrivateServer("postgresql", f"postgresql+psycopg://postgres@127.0.0.1:{port}/mlflow", start, kill)
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


# --- a private MariaDB server -------------------------------------------------------------------------------


@contextmanager
def private_mariadb(tmp: Path) -> Iterator[PrivateServer]:
    install = shutil.which("mariadb-install-db")
    mariadbd = shutil.which("mariadbd") or ("/usr/sbin/mariadbd" if Path("/usr/sbin/mariadbd").exists() else None)
    if not install or not mariadbd:
        pytest.skip("mariadb-install-db/mariadbd not installed")
    data, sock = tmp / "mariadb-data", tmp / "mariadb.sock"
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    user = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run([install, "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal",
                    "--skip-test-db", *user], check=True, capture_output=True)
    procs: list[subprocess.Popen] = []
    url = f"mysql+pymysql://root@127.0.0.1:{port}/mlflow"

    def start() -> None:
        proc = subprocess.Popen([mariadbd, "--no-defaults", f"--datadir={data}", f"--socket={sock}",
                                 f"--port={port}", "--bind-address=127.0.0.1",
                                 "--innodb-flush-log-at-trx-commit=2", f"--pid-file={tmp / 'mariadb.pid'}",
                                 *user], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        admin = f"mysql+pymysql://root@127.0.0.1:{port}/"
        for _ in range(300):
            try:
                execute(admin, "SELECT 1")
                return
            except Exception:
                if proc.poll() is not None:
                    raise RuntimeError(f"private mariadbd exited with {proc.returncode}") from None
                time.sleep(0.1)
        raise RuntimeError("private mariadbd did not start")

    def kill() -> None:
        proc = procs[-1]
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    start()
    try:
        execute(f"mysql+pymysql://root@127.0.0.1:{port}/",
                "CREATE DATABASE mlflow CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
        yield PrivateServer("mysql", url, start, kill)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
