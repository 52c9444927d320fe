"""Crash safety: SIGKILL ``mlflow-upgrade upgrade`` between revisions and inside a revision, run it again.

The runner's test-only hook ``MLFLOW_UPGRADE_TEST_PAUSE_AT`` (see ``alembic_driver.pause_point``) makes the
subprocess print ``MLFLOW_UPGRADE_PAUSED`` and sleep at a chosen point: ``<rev>`` just before ``<rev>`` starts (the
previous revision committed), ``<rev>@1`` inside ``<rev>`` right after its first statement (``spans`` created,
its indexes not yet). After the kill, a plain ``upgrade`` must leave the store at MLflow's head with every
original row (its verify compares against the fingerprint taken before the first run; we also compare counts).

Expected per dialect for the kill inside the revision: PostgreSQL and SQLite roll the open transaction back
(SQLite through its hot journal) and the rerun resumes; MariaDB has already committed ``CREATE TABLE spans``, so
the rerun finds the revision half applied, restores the recorded backup and upgrades again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlflow_upgrade.upgrade import alembic_driver
from mlflow_upgrade.upgrade.runner import upgrade
from tests.support.fixture_stores import copy_sqlite_fixture, load_fixture_into, table_counts
from tests.upgrade.runner_support import current_revision

RELEASE = "3.0.1"  # 37 pending revisions: enough to stop in the middle, short enough to rerun
BETWEEN = "770bee3ae1dd"  # killed before it starts: cbc13b556ace committed
INSIDE = "a1b2c3d4e5f6@1"  # killed inside "add spans table", after CREATE TABLE spans
HEAD = alembic_driver.head("tracking")


# Tables no pending migration rewrites (trace_tags is: 3.x moves some trace tags; verify's expected changes
# cover that, and the fingerprint comparison checks every table).
CORE = ("experiments", "experiment_tags", "runs", "params", "metrics", "latest_metrics", "tags",
        "registered_models", "model_versions", "model_version_tags", "datasets", "inputs", "logged_models")


def _counts(uri: str) -> dict[str, int]:
    return {t: n for t, n in table_counts(uri).items() if t in CORE}


def _kill_at(uri: str, pause: str, tmp_path: Path, timeout: float = 240) -> None:
    env = {**os.environ, "MLFLOW_UPGRADE_TEST_PAUSE_AT": pause, "NO_COLOR": "1", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow_upgrade", "upgrade", uri, "--backup-dir", str(tmp_path / "bk"),
         "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    deadline = time.monotonic() + timeout
    lines = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("MLFLOW_UPGRADE_PAUSED"):
                break
            if time.monotonic() > deadline:
                break
        else:
            pytest.fail(f"upgrade ended before pausing at {pause}: {''.join(lines)[-2000:]}")
        assert lines and lines[-1].startswith("MLFLOW_UPGRADE_PAUSED"), "".join(lines)[-2000:]
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def _store(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if dialect == "sqlite":
        return copy_sqlite_fixture(RELEASE, tmp_path)
    uri = request.getfixturevalue("pg_uri" if dialect == "postgresql" else "mysql_uri")
    load_fixture_into(RELEASE, uri)
    return uri


@pytest.mark.parametrize("pause", [BETWEEN, INSIDE], ids=["between", "inside"])
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_kill_and_rerun(dialect: str, pause: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    uri = _store(dialect, request, tmp_path)
    before = _counts(uri)
    _kill_at(uri, pause, tmp_path)
    killed_at = current_revision(uri)
    assert killed_at != HEAD
    _rerun_and_check(uri, dialect, pause, before, tmp_path)


def test_kill_before_verify_then_rerun_verifies(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture(RELEASE, tmp_path)
    before = _counts(uri)
    _kill_at(uri, "verify", tmp_path)
    assert current_revision(uri) == HEAD  # every revision committed, verification still owed
    _rerun_and_check(uri, "sqlite", "verify", before, tmp_path)


def _rerun_and_check(uri: str, dialect: str, pause: str, before: dict[str, int], tmp_path: Path) -> None:
    # The rerun in-process (the killed run was a real CLI process): saves importing MLflow once more.
    report = upgrade(uri, backup_dir=tmp_path / "bk").tracking
    assert report.status == "upgraded", report.message
    assert current_revision(uri) == HEAD
    after = _counts(uri)
    for table, rows in before.items():
        assert after.get(table) == rows, f"{table}: {rows} rows before, {after.get(table)} after"
    assert report.resumed is True
    assert report.verify["difference_count"] == 0, report.verify
    assert report.restored_before_resume is (dialect == "mysql" and pause == INSIDE)


def test_kill_during_a_restore_restores_again(tmp_path: Path) -> None:
    """A run that died while restoring (marker phase 'restoring') must not resume on a half-restored store."""
    import socket

    from mlflow_upgrade.backup import backup
    from mlflow_upgrade.store.uri import open_engine, parse_store_uri
    from mlflow_upgrade.upgrade.runner import marker_path, write_marker
    from mlflow_upgrade.upgrade.verify.fingerprint import take_fingerprint

    uri = copy_sqlite_fixture(RELEASE, tmp_path)
    before = _counts(uri)
    ref = parse_store_uri(uri)
    manifest = backup(uri, tmp_path / "bk" / "original")
    engine = open_engine(ref, read_only=False)
    fp = take_fingerprint(engine)
    fp.save(manifest.directory / "fingerprint-before-tracking.json")
    with engine.begin() as conn:  # what a restore killed half way leaves: rows missing
        conn.exec_driver_sql("DELETE FROM metrics")
    engine.dispose()
    write_marker(marker_path(ref, "tracking"), {
        "status": "running", "phase": "restoring", "db": "tracking", "from_revision": current_revision(uri),
        "to_revision": HEAD, "backup": str(manifest.directory), "pid": 1, "host": socket.gethostname() + "-x",
        "fingerprint": str(manifest.directory / "fingerprint-before-tracking.json"), "started": "earlier",
    })
    report = upgrade(uri, backup_dir=tmp_path / "bk").tracking
    assert report.status == "upgraded" and report.restored_before_resume, report.message
    assert current_revision(uri) == HEAD
    assert _counts(uri) == before
    assert report.verify["difference_count"] == 0
