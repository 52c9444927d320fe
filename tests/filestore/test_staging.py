"""SQLite staging (filestore/staging.py): points staged as (value, timestamp, step[, is_nan]) with one series
row per metric come back as exactly MLflow's metrics rows; points of runs the writer never recorded are
dropped with their series rows; a staging file of another layout is refused, not misread."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from mlflow_upgrade import errors
from mlflow_upgrade.filestore import staging
from mlflow_upgrade.filestore.checkpoint import STAGED_RUNS
from mlflow_upgrade.filestore.reader import Series

RUN_A, RUN_B, RUN_C = "a" * 32, "b" * 32, "c" * 32


@pytest.fixture
def prefix(tmp_path: Path) -> str:
    yield staging.prefix_for(tmp_path / "dest.db")
    staging.close_all()


def _stage(prefix: str, reader: int, run_uuid: str, *series: Series) -> tuple[int, int]:
    staged = staging.StagedRun(prefix, reader)
    for one in series:
        staged.add(run_uuid, one)
    tag = staged.finish()
    staging.commit(prefix, reader)
    return tag, staged.count


def _destination(tmp_path: Path, recorded: list[tuple[int, int]]) -> sqlite3.Connection:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'dest.db'}")
    with engine.begin() as conn:
        staging.create_record_table(conn)
        conn.exec_driver_sql('CREATE TABLE metrics ("key", value, timestamp, run_uuid, step, is_nan)')
        for tag, rows in recorded:
            conn.exec_driver_sql(f'INSERT INTO "{STAGED_RUNS}" VALUES (?, ?)', (tag, rows))
    engine.dispose()
    return sqlite3.connect(tmp_path / "dest.db", isolation_level=None)


def _merge(dbapi: sqlite3.Connection, prefix: str) -> int:
    staging.discard_unrecorded(dbapi, prefix)
    staging.attach(dbapi, prefix)
    dbapi.execute("BEGIN")
    moved = staging.merge(dbapi, prefix)
    dbapi.execute("COMMIT")
    staging.detach(dbapi)
    return moved


def test_staged_points_come_back_as_metrics_rows(tmp_path: Path, prefix: str) -> None:
    plain = Series("loss", [0.5, 0.25], [1000, 1001], [0, 1], None)
    nan = Series("acc", [0.0, 0.9], [1000, 1002], [0, 1], [True, False])
    other_reader = Series("loss", [7.0], [5], [3], None)
    tag_a, rows_a = _stage(prefix, 0, RUN_A, plain, nan)
    tag_b, rows_b = _stage(prefix, 1, RUN_B, other_reader)
    dbapi = _destination(tmp_path, [(tag_a, rows_a), (tag_b, rows_b)])
    assert _merge(dbapi, prefix) == 5
    got = dbapi.execute('SELECT "key", value, timestamp, run_uuid, step, is_nan FROM metrics').fetchall()
    assert got == sorted(got, key=lambda r: (r[0], r[2], r[4], r[3], r[1], r[5])), "primary-key order"
    assert sorted(got) == sorted([
        ("loss", 0.5, 1000, RUN_A, 0, 0), ("loss", 0.25, 1001, RUN_A, 1, 0),
        ("acc", 0.0, 1000, RUN_A, 0, 1), ("acc", 0.9, 1002, RUN_A, 1, 0), ("loss", 7.0, 5, RUN_B, 3, 0),
    ])


def test_unrecorded_runs_are_dropped_with_their_series(tmp_path: Path, prefix: str) -> None:
    tag_a, rows_a = _stage(prefix, 0, RUN_A, Series("m", [1.0, 2.0], [1, 2], [0, 1], None))
    _stage(prefix, 0, RUN_B, Series("m", [3.0], [3], [0], None), Series("n", [4.0], [4], [0], None))
    tag_c, rows_c = _stage(prefix, 0, RUN_C, Series("m", [5.0], [5], [0], None))
    _stage(prefix, 0, "d" * 32, Series("m", [6.0], [6], [0], None))  # the last one: a kill before its commit
    dbapi = _destination(tmp_path, [(tag_a, rows_a), (tag_c, rows_c)])
    assert _merge(dbapi, prefix) == 3
    runs = {r[0] for r in dbapi.execute("SELECT run_uuid FROM metrics")}
    assert runs == {RUN_A, RUN_C}
    (path,) = staging.files(prefix)
    with sqlite3.connect(path) as stage:
        assert {r[0] for r in stage.execute("SELECT run_uuid FROM series")} == {RUN_A, RUN_C}


def test_a_lost_series_row_stops_the_merge(tmp_path: Path, prefix: str) -> None:
    tag, rows = _stage(prefix, 0, RUN_A, Series("m", [1.0], [1], [0], None), Series("n", [2.0], [2], [0], None))
    staging.close_all()
    (path,) = staging.files(prefix)
    with sqlite3.connect(path) as stage:
        stage.execute("DELETE FROM series WHERE rowid = (SELECT MAX(rowid) FROM series)")
    dbapi = _destination(tmp_path, [(tag, rows)])
    with pytest.raises(errors.OperationFailed, match="staged metric points: 1 found, 2 recorded"):
        _merge(dbapi, prefix)


def test_a_staging_file_of_another_layout_is_refused(tmp_path: Path, prefix: str) -> None:
    _stage(prefix, 0, RUN_A, Series("m", [1.0], [1], [0], None))
    staging.close_all()
    (path,) = staging.files(prefix)
    with sqlite3.connect(path) as stage:
        stage.execute("PRAGMA user_version = 1")
    with pytest.raises(errors.OperationFailed, match="staged by another release of mlflow-upgrade"):
        staging.StagedRun(prefix, 0)
    dbapi = _destination(tmp_path, [])
    with pytest.raises(errors.OperationFailed, match="staged by another release of mlflow-upgrade"):
        staging.discard_unrecorded(dbapi, prefix)
    with sqlite3.connect(path) as stage:
        assert stage.execute("SELECT COUNT(*) FROM points").fetchone()[0] == 1, "nothing deleted"
