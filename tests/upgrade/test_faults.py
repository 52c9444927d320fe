"""Faults beyond a SIGKILL of the tool: the connection dropped, the database server killed (and restarted, or
not), the disk full while writing the backup, the server gone during the read-back. Each ends with the store at
MLflow's head or where it started, one line naming what happened and what to run, and nothing lost.

Servers are killed only when private to the test (``faults.private_postgres`` / ``private_mariadb``); the shared
servers only see a session terminated from another session.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy

from mlflow_upgrade import errors
from mlflow_upgrade.store.uri import parse_store_uri
from mlflow_upgrade.upgrade import alembic_driver
from mlflow_upgrade.upgrade.runner import marker_path
from tests.cli_helpers import run_cli
from tests.support.fixture_stores import copy_sqlite_fixture, load_fixture_into, table_counts
from tests.upgrade.faults import PrivateServer, execute, private_mariadb, private_postgres, run_paused
from tests.upgrade.runner_support import current_revision

HEAD = alembic_driver.head("tracking")
RELEASE = "3.0.1"
INSIDE = "a1b2c3d4e5f6@1"  # inside "add spans table", its first statement done
CORE = ("experiments", "runs", "params", "metrics", "latest_metrics", "tags", "registered_models",
        "model_versions", "datasets", "inputs", "logged_models")


def _counts(uri: str) -> dict[str, int]:
    return {t: n for t, n in table_counts(uri).items() if t in CORE}


def _args(uri: str, tmp_path: Path, *extra: str) -> list[str]:
    return ["upgrade", uri, "--backup-dir", str(tmp_path / "bk"), "--no-progress", *extra]


def _server_store(dialect: str, request: pytest.FixtureRequest) -> str:
    uri = request.getfixturevalue("pg_uri" if dialect == "postgresql" else "mysql_uri")
    load_fixture_into(RELEASE, uri)
    return uri


@contextlib.contextmanager
def _private(dialect: str, tmp_path: Path) -> Iterator[PrivateServer]:
    with (private_postgres if dialect == "postgresql" else private_mariadb)(tmp_path / "server") as server:
        load_fixture_into(RELEASE, server.uri)
        yield server


# --- the connection dropped (shared servers: only a session is terminated) --------------------------------------


def _drop_migration_session(uri: str) -> None:
    url = sqlalchemy.make_url(uri)
    if url.get_backend_name() == "postgresql":
        execute(uri, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND pid <> pg_backend_pid() AND application_name NOT LIKE 'mlflow-upgrade%%'")
        return
    engine = sqlalchemy.create_engine(uri, poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as conn:
        ids = sorted(int(r[0]) for r in conn.exec_driver_sql(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"))
        for session in ids[1:]:  # the oldest is the run's lock; the migration's connection came later
            conn.exec_driver_sql(f"KILL {session}")
    engine.dispose()


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_a_dropped_connection_restores_the_start(dialect: str, request: pytest.FixtureRequest,
                                                 tmp_path: Path) -> None:
    uri = _server_store(dialect, request)
    start, before = current_revision(uri), _counts(uri)
    res = run_paused(_args(uri, tmp_path), INSIDE, lambda proc: _drop_migration_session(uri))
    assert res.returncode == errors.ExitCode.FAILED, res.output[-3000:]
    assert "lost the connection to the database during revision" in res.stderr, res.stderr[-2000:]
    assert "restored from the backup" in res.stderr
    assert current_revision(uri) == start and _counts(uri) == before


# --- the server killed mid-revision -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_server_killed_and_restarted_mid_revision_restores_the_start(dialect: str, tmp_path: Path) -> None:
    with _private(dialect, tmp_path) as server:
        start, before = current_revision(server.uri), _counts(server.uri)

        def crash_and_restart(proc: subprocess.Popen) -> None:
            server.kill()
            server.start()

        res = run_paused(_args(server.uri, tmp_path), INSIDE, crash_and_restart)
        assert res.returncode == errors.ExitCode.FAILED, res.output[-3000:]
        assert "lost the connection to the database during revision" in res.stderr, res.stderr[-2000:]
        assert "restored from the backup" in res.stderr
        assert current_revision(server.uri) == start and _counts(server.uri) == before


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_server_that_stays_down_is_finished_by_the_next_run(dialect: str, tmp_path: Path) -> None:
    with _private(dialect, tmp_path) as server:
        before = _counts(server.uri)
        res = run_paused(_args(server.uri, tmp_path), INSIDE, lambda proc: server.kill(),
                         env={"MLFLOW_UPGRADE_RECONNECT_SECONDS": "2"})
        assert res.returncode == errors.ExitCode.FAILED, res.output[-3000:]
        assert "did not come back" in res.stderr and "run `mlflow-upgrade upgrade` again" in res.stderr
        assert str(tmp_path / "bk") in res.stderr  # where the backup of the original is
        server.start()
        again = run_cli(*_args(server.uri, tmp_path))
        assert again.returncode == 0, again.output[-3000:]
        assert "resum" in again.output
        assert current_revision(server.uri) == HEAD and _counts(server.uri) == before


# --- the disk full while writing the backup -----------------------------------------------------------------------


@contextlib.contextmanager
def _small_disk(tmp_path: Path, size: str) -> Iterator[Path]:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    where = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(disk: Path) -> None:
    """Write until the disk is full (what another process logging or dumping does to a shared disk)."""
    with open(disk / "filler", "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * (1 << 16))
        except OSError:
            pass
        try:
            while True:
                fh.write(b"\0")
        except OSError:
            pass


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_disk_full_while_writing_the_backup_changes_nothing(dialect: str, request: pytest.FixtureRequest,
                                                            tmp_path: Path) -> None:
    uri = copy_sqlite_fixture(RELEASE, tmp_path) if dialect == "sqlite" else _server_store(dialect, request)
    start, before = current_revision(uri), _counts(uri)
    with _small_disk(tmp_path, "64m") as disk:
        res = run_paused(["upgrade", uri, "--backup-dir", str(disk / "bk"), "--no-progress"], "backup",
                         lambda proc: _fill(disk))
        assert res.returncode == errors.ExitCode.FAILED, res.output[-3000:]
        assert "disk full" in res.stderr and "nothing was changed" in res.stderr, res.stderr[-2000:]
        assert "--backup-dir" in res.stderr
        leftovers = [p for p in disk.rglob("*") if p.is_file() and p.name != "filler"]
        assert leftovers == []  # the partial backup is removed
    assert current_revision(uri) == start and _counts(uri) == before
    assert not marker_path(parse_store_uri(uri), "tracking").exists()


# --- the server gone after the migrations ---------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_server_gone_during_the_read_back_says_upgraded_and_exits_11(dialect: str, tmp_path: Path) -> None:
    with _private(dialect, tmp_path) as server:
        res = run_paused(_args(server.uri, tmp_path), "read_back", lambda proc: server.kill())
        assert res.returncode == errors.ExitCode.READ_BACK_NOT_DONE, res.output[-3000:]
        assert "upgraded" in res.stdout and f"is upgraded to {HEAD}" in res.stderr
        assert "read-back was not done" in res.stderr and "mlflow-upgrade verify" in res.stderr
        assert "could not be created" not in res.output  # MLflow's engine-retry warnings stay out
        assert "disagrees" not in res.output
        server.start()
        assert current_revision(server.uri) == HEAD


@pytest.mark.slow
def test_server_gone_before_the_comparison_is_verified_by_the_next_run(tmp_path: Path) -> None:
    with _private("postgresql", tmp_path) as server:
        before = _counts(server.uri)
        res = run_paused(_args(server.uri, tmp_path), "verify", lambda proc: server.kill())
        assert res.returncode == errors.ExitCode.READ_BACK_NOT_DONE, res.output[-3000:]
        assert "comparison with the data as it was before was not done" in res.stderr
        server.start()
        again = run_cli(*_args(server.uri, tmp_path))
        assert again.returncode == 0, again.output[-3000:]
        assert "0 difference(s)" in again.stdout
        assert current_revision(server.uri) == HEAD and _counts(server.uri) == before
