"""Resumable and incremental: a migration killed with SIGKILL at any point and started again finishes without
duplicate or missing rows; --incremental brings over what was added to the file store since."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from mlflow_upgrade.filestore import migrate_filestore
from tests.cli_helpers import run_cli
from tests.support.bench_store import generate_store

TABLES = ("experiments", "experiment_tags", "runs", "params", "tags", "metrics", "latest_metrics")


def _generate(base: Path, runs: int = 30) -> Path:
    return generate_store(base, runs=runs)


def _summary(uri: str) -> dict[str, object]:
    engine = sa.create_engine(uri)
    try:
        with engine.connect() as conn:
            out: dict[str, object] = {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in TABLES}
            out["metric_sum"] = round(conn.execute(sa.text("SELECT SUM(value) FROM metrics")).scalar(), 6)
            metrics = sa.table("metrics", sa.column("run_uuid"), sa.column("key"), sa.column("step"))
            distinct = sa.select(metrics.c.run_uuid, metrics.c.key, metrics.c.step).distinct().subquery()
            out["metric_keys"] = conn.execute(sa.select(sa.func.count()).select_from(distinct)).scalar()
            out["runs_by_name"] = sorted(r[0] for r in conn.execute(sa.text("SELECT name FROM runs")))
        return out
    finally:
        engine.dispose()


def _done_runs(uri: str) -> int:
    engine = sa.create_engine(uri)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("mlflow_upgrade_fs_done"):
                return 0
            return conn.execute(sa.text("SELECT COUNT(*) FROM mlflow_upgrade_fs_done WHERE kind = 'run'")).scalar()
    except sa.exc.OperationalError:
        return 0
    finally:
        engine.dispose()


def _kill_after(src: Path, uri: str, runs_done: int) -> None:
    env = {**os.environ, "MLFLOW_UPGRADE_FS_COMMIT_ROWS": "1500"}
    proc = subprocess.Popen([sys.executable, "-m", "mlflow_upgrade", "migrate-filestore", str(src), uri, "--json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 120
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if _done_runs(uri) >= runs_done:
                break
            time.sleep(0.02)
    finally:
        children = _children(proc.pid)  # the reader process, once runs are being loaded
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the migration finished before it could be killed"
    # The reader process dies with the migration (PR_SET_PDEATHSIG), it is not left behind.
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()], "reader process left behind"


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:  # not Linux
        return []


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    base = tmp_path_factory.mktemp("resume")
    src = _generate(base / "store")
    clean = f"sqlite:///{base / 'clean.db'}"
    migrate_filestore(src, clean)
    return src, _summary(clean)


# The server dialects spend most of their time creating MLflow's schema in two subprocesses: marked slow.
@pytest.mark.parametrize(("dialect", "kill_at"), [
    ("sqlite", 3), ("sqlite", 70),
    pytest.param("postgresql", 20, marks=pytest.mark.slow), pytest.param("mysql", 10, marks=pytest.mark.slow),
])
def test_killed_migration_resumes_exactly(dialect: str, kill_at: int, store: tuple[Path, dict],
                                          request: pytest.FixtureRequest) -> None:
    src, want = store
    uri = request.getfixturevalue({"sqlite": "sqlite_uri", "postgresql": "pg_uri", "mysql": "mysql_uri"}[dialect])
    _kill_after(src, uri, kill_at)
    partial = _done_runs(uri)
    assert partial < 120
    result = run_cli("migrate-filestore", str(src), uri, "--json")
    assert result.returncode == 0, result.stderr
    assert '"mode": "resume"' in result.stdout
    assert _summary(uri) == want
    engine = sa.create_engine(uri)
    try:  # the secondary indexes dropped for the load are back
        names = {i["name"] for i in sa.inspect(engine).get_indexes("metrics")}
    finally:
        engine.dispose()
    assert {"index_metrics_run_uuid", "index_metrics_run_uuid_key_step"} <= names
    again = run_cli("migrate-filestore", str(src), uri)
    assert again.returncode == 9 and "--incremental" in again.stderr


def test_incremental_brings_new_runs(tmp_path: Path, sqlite_uri: str) -> None:
    src = _generate(tmp_path / "store", runs=3)
    first = migrate_filestore(src, sqlite_uri)
    assert first.units["runs"] == 12
    exp_dir = next(p for p in src.iterdir() if p.name.isdigit() and p.name != "0")
    old = next(p for p in exp_dir.iterdir() if p.is_dir() and p.name != "tags")
    new_id = "f" * 32
    shutil.copytree(old, exp_dir / new_id)
    meta = exp_dir / new_id / "meta.yaml"
    meta.write_text(re.sub(r"run_id: \w+", f"run_id: {new_id}", meta.read_text()))
    refused = run_cli("migrate-filestore", str(src), sqlite_uri)
    assert refused.returncode == 9
    report = migrate_filestore(src, sqlite_uri, incremental=True)
    assert report.mode == "incremental"
    assert report.units == {"runs": 1}
    assert report.skipped_done["runs"] == 12
    assert report.rows["metrics"] == 600
    summary = _summary(sqlite_uri)
    assert summary["runs"] == 13 and summary["metrics"] == 13 * 600


def test_incremental_with_nothing_new_writes_nothing(tmp_path: Path, sqlite_uri: str) -> None:
    from tests.support.fixture_stores import copy_filestore_fixture

    root = copy_filestore_fixture("3.17.2", tmp_path)
    first = migrate_filestore(root, sqlite_uri)
    assert {"runs", "traces", "logged_models", "registered_models", "datasets"} <= first.units.keys()
    again = migrate_filestore(root, sqlite_uri, incremental=True)
    assert again.units == {} and again.rows == {}
    assert again.skipped_done.keys() == first.units.keys()
