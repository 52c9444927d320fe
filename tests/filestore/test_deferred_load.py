"""The fast load's moving parts: staged metric points (SQLite), deferred indexes and constraints (SQLite,
PostgreSQL). After a migration the destination's schema is exactly what MLflow's migrations create, the
staging files are gone, and a staging file that lost points stops the migration instead of finishing it."""

from __future__ import annotations

import shutil
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import mlflow_upgrade.filestore as fs
from mlflow_upgrade import errors
from mlflow_upgrade.filestore import indexes, migrate_filestore, staging
from mlflow_upgrade.filestore import schema as dbschema
from tests.conftest import MYSQL_ADMIN, PG_ADMIN, _server_database, _unique_name
from tests.support.bench_store import generate_store
from tests.support.fixture_stores import copy_filestore_fixture, manifest

RUN_TABLES = ("metrics", "latest_metrics", "params", "tags", "runs")


def _schema(uri: str) -> dict[str, object]:
    engine = sa.create_engine(uri)
    try:
        insp = sa.inspect(engine)
        out: dict[str, object] = {}
        for table in RUN_TABLES:
            out[table] = {
                "pk": insp.get_pk_constraint(table),
                "fks": sorted((fk["name"] or "", tuple(fk["constrained_columns"]), fk["referred_table"])
                              for fk in insp.get_foreign_keys(table)),
                "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                                  for i in insp.get_indexes(table)),
            }
        return out
    finally:
        engine.dispose()


def _mlflow_schema(dialect: str, tmp_path: Path) -> tuple[dict[str, object], object]:
    """The schema of a database created by MLflow's own migrations (and the cleanup of its database)."""
    if dialect == "sqlite":
        path = tmp_path / "reference.db"
        dbschema.create_sqlite_file(path)
        return _schema(f"sqlite:///{path}"), None
    uri, gen = mlflow_database(PG_ADMIN if dialect == "postgresql" else MYSQL_ADMIN)
    return _schema(uri), gen


def mlflow_database(admin: str) -> tuple[str, Iterator[str]]:
    """A new server database whose schema MLflow's own migrations created: its URI, and the generator whose
    next step drops it."""
    gen = _server_database(admin, _unique_name("ref"))
    uri = next(gen)
    engine = sa.create_engine(uri)
    try:
        dbschema.initialize(engine)
    finally:
        engine.dispose()
    return uri, gen


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_schema_after_migration_is_mlflows(dialect: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    uri = request.getfixturevalue({"sqlite": "sqlite_uri", "postgresql": "pg_uri", "mysql": "mysql_uri"}[dialect])
    root = copy_filestore_fixture("2.9.2", tmp_path)
    report = migrate_filestore(root, uri)
    assert report.status == "complete" and report.rows["metrics"] > 0
    want, cleanup = _mlflow_schema(dialect, tmp_path)
    try:
        assert _schema(uri) == want
    finally:
        if cleanup is not None:
            next(cleanup, None)


def _stop_before_final_step(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stop(Exception):
        pass

    def stop(engine: sa.Engine, on_step: object = None) -> int:
        raise Stop

    monkeypatch.setattr(fs.indexes, "restore", stop)
    return Stop


def test_staging_files_are_private_and_removed(tmp_path: Path, sqlite_uri: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_filestore_fixture("2.22.5", tmp_path)
    dest = Path(sqlite_uri.removeprefix("sqlite:///"))
    clean = migrate_filestore(root, f"sqlite:///{tmp_path / 'clean.db'}")
    with monkeypatch.context() as patch:
        stop = _stop_before_final_step(patch)
        with pytest.raises(stop):
            migrate_filestore(root, sqlite_uri)
    staged = staging.files(staging.prefix_for(dest.resolve()))
    assert staged, "the readers staged metric points next to the destination"
    for path in staged:
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600
    resumed = migrate_filestore(root, sqlite_uri)
    assert resumed.mode == "resume" and resumed.status == "complete"
    assert resumed.rows["metrics"] == clean.rows["metrics"]
    assert not staging.files(staging.prefix_for(dest.resolve()))
    with sqlite3.connect(dest) as conn:
        assert conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0] == clean.rows["metrics"]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert staging.STAGED_RUNS not in tables


def test_lost_staged_points_stop_the_migration(tmp_path: Path, sqlite_uri: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_filestore_fixture("2.22.5", tmp_path)
    dest = Path(sqlite_uri.removeprefix("sqlite:///"))
    with monkeypatch.context() as patch:
        stop = _stop_before_final_step(patch)
        with pytest.raises(stop):
            migrate_filestore(root, sqlite_uri)
    path = next(p for p in staging.files(staging.prefix_for(dest.resolve()))
                if sqlite3.connect(p).execute("SELECT COUNT(*) FROM points").fetchone()[0])
    with sqlite3.connect(path) as conn:  # as a power cut might: committed points gone
        conn.execute("DELETE FROM points WHERE rowid IN (SELECT rowid FROM points LIMIT 3)")
    with pytest.raises(errors.OperationFailed, match="staged metric points"):
        migrate_filestore(root, sqlite_uri)
    with sqlite3.connect(dest) as conn:  # nothing half-done: metrics still empty, the record still there
        assert conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0] == 0


def test_final_step_refuses_to_start_without_disk_room_then_resumes(tmp_path: Path, sqlite_uri: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_filestore_fixture("2.22.5", tmp_path)
    dest = Path(sqlite_uri.removeprefix("sqlite:///"))
    clean = migrate_filestore(root, f"sqlite:///{tmp_path / 'clean.db'}")
    with monkeypatch.context() as patch:  # a disk with 1000 bytes left
        patch.setattr(indexes.shutil, "disk_usage", lambda _path: shutil._ntuple_diskusage(10**9, 10**9, 1000))
        with pytest.raises(errors.OperationFailed, match=r"final step needs about .* GB free .* resume"):
            migrate_filestore(root, sqlite_uri)
    assert staging.files(staging.prefix_for(dest.resolve())), "the staged points are kept"
    with sqlite3.connect(dest) as conn:
        assert conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0] == 0
    resumed = migrate_filestore(root, sqlite_uri)
    assert resumed.mode == "resume" and resumed.status == "complete"
    assert resumed.rows["metrics"] == clean.rows["metrics"] > 0


@pytest.mark.parametrize("reader", ["process", "inline"])
def test_run_folder_copied_into_another_experiment_is_staged_once(
        reader: str, tmp_path: Path, sqlite_uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_UPGRADE_FS_READER", reader)
    root = copy_filestore_fixture("2.9.2", tmp_path)
    run_id = manifest("2.9.2")["ids"]["file"]["runs"]["train"]  # 200 steps of several metrics
    src_exp = next(p for p in root.iterdir() if (p / run_id).is_dir())
    other = next(p for p in root.iterdir() if p.name.isdigit() and p != src_exp and (p / "meta.yaml").is_file())
    shutil.copytree(src_exp / run_id, other / run_id)
    clean = migrate_filestore(copy_filestore_fixture("2.9.2", tmp_path / "clean"),
                              f"sqlite:///{tmp_path / 'clean.db'}")
    report = migrate_filestore(root, sqlite_uri)
    assert report.problems.counts["duplicate_run"] == 1
    assert report.rows["metrics"] == clean.rows["metrics"] > 200


KILL_INSIDE_FINAL_STEP = """
import os, signal, sys
from mlflow_upgrade.filestore import indexes, migrate_filestore, staging
real_merge = staging.merge
def merge_then_die(dbapi, prefix):
    real_merge(dbapi, prefix)  # the points are in metrics, the transaction is open: die before COMMIT
    os.kill(os.getpid(), signal.SIGKILL)
staging.merge = merge_then_die
migrate_filestore(sys.argv[1], sys.argv[2])
"""


def test_killed_inside_the_final_step_resumes(tmp_path: Path, sqlite_uri: str) -> None:
    import subprocess
    import sys

    root = copy_filestore_fixture("2.22.5", tmp_path)
    clean = migrate_filestore(root, f"sqlite:///{tmp_path / 'clean.db'}")
    killed = subprocess.run([sys.executable, "-c", KILL_INSIDE_FINAL_STEP, str(root), sqlite_uri],
                            capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr
    dest = Path(sqlite_uri.removeprefix("sqlite:///"))
    assert Path(f"{dest}-journal").exists()  # a hot journal: SQLite rolls the final step back on next open
    resumed = migrate_filestore(root, sqlite_uri)
    assert resumed.mode == "resume" and resumed.status == "complete"
    with sqlite3.connect(dest) as conn:
        assert conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0] == clean.rows["metrics"]
    assert _schema(sqlite_uri) == _schema(f"sqlite:///{tmp_path / 'clean.db'}")


def test_postgres_metrics_are_written_in_the_order_of_the_run_indexes(tmp_path: Path, pg_uri: str) -> None:
    """Runs of all experiments in id order, each run's points by key then step, through one connection: the
    table's pages hold the rows in the order of index_metrics_run_uuid(_key_step), so their builds at the end
    find the input presorted (PostgreSQL's sort checks that first)."""
    root = generate_store(tmp_path / "store", experiments=3, runs=8, params=1, metrics=3, steps=30)
    report = migrate_filestore(root, pg_uri)
    assert report.status == "complete" and report.rows["metrics"] == 3 * 8 * 3 * 30
    engine = sa.create_engine(pg_uri)
    try:
        with engine.connect() as conn:
            on_disk = [tuple(r) for r in conn.exec_driver_sql("SELECT run_uuid, key, step FROM metrics ORDER BY ctid")]
            experiments = [r[0] for r in conn.exec_driver_sql("SELECT experiment_id FROM runs ORDER BY run_uuid")]
    finally:
        engine.dispose()
    assert on_disk == sorted(on_disk)
    assert experiments != sorted(experiments), "the run ids of the experiments interleave"
