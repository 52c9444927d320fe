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


def _run_series(key: str, start: int, points: int = 40, nan: bool = False) -> Series:
    """A metric logged by one run: ``points`` steps, one every 10 ms from ``start`` (past the number of points
    a series needs to be copied as it is)."""
    flags = [i == 3 for i in range(points)] if nan else None
    return Series(key, [i / 8 for i in range(points)], [start + 10 * i for i in range(points)],
                  list(range(points)), flags)


def _plan_and_rows(tmp_path: Path, prefix: str, staged: list[tuple[int, int]]) -> tuple[list[str], list[tuple]]:
    """How the merge copies the series ("copy": one series as it lies, "sort N": N listed series sorted
    together) and the metrics rows it wrote, in row order."""
    dbapi = _destination(tmp_path, staged)
    staging.discard_unrecorded(dbapi, prefix)
    staging.attach(dbapi, prefix)
    names = [r[1] for r in dbapi.execute("PRAGMA database_list") if r[1].startswith("stage")]
    staging.list_series(dbapi, names)
    plan = [f"sort {s.last - s.first + 1}" if s.sort else "copy" for s in staging.copy_steps(dbapi)]
    staging.detach(dbapi)
    assert _merge(dbapi, prefix) == sum(rows for _, rows in staged)
    return plan, dbapi.execute('SELECT "key", value, timestamp, run_uuid, step, is_nan FROM metrics').fetchall()


def _pk(row: tuple) -> tuple:
    return row[0], row[2], row[4], row[3], row[1], row[5]


@pytest.mark.parametrize(("b_start", "plan"), [(2000, ["copy"] * 4), (1005, ["sort 4"])],
                         ids=["one-after-the-other", "at-the-same-time"])
def test_runs_come_back_in_primary_key_order_whether_or_not_they_overlap(tmp_path: Path, prefix: str, b_start: int,
                                                                         plan: list[str]) -> None:
    # run B (the other reader's file) starts after run A ends, or 5 ms after it started: its points interleave
    staged = [_stage(prefix, 0, RUN_A, _run_series("loss", 1000), _run_series("acc", 1000, nan=True)),
              _stage(prefix, 1, RUN_B, _run_series("loss", b_start), _run_series("acc", b_start))]
    got_plan, got = _plan_and_rows(tmp_path, prefix, staged)
    assert got_plan == plan
    assert got == sorted(got, key=_pk), "primary-key order"
    expected = {(s.key, v, t, run, st, int(bool(n))) for run, start in ((RUN_A, 1000), (RUN_B, b_start))
                for s in (_run_series("loss", start), _run_series("acc", start, nan=run == RUN_A))
                for v, t, st, n in zip(s.values, s.timestamps, s.steps, s.is_nan or [False] * 40, strict=True)}
    assert set(got) == expected and len(got) == len(expected)


def test_only_the_runs_that_overlap_are_sorted(tmp_path: Path, prefix: str) -> None:
    # A and B logged "loss" at the same time, C after both: A and B sorted together, C copied as it lies
    staged = [_stage(prefix, 0, RUN_A, _run_series("loss", 1000)), _stage(prefix, 1, RUN_B, _run_series("loss", 1003)),
              _stage(prefix, 0, RUN_C, _run_series("loss", 9000))]
    plan, got = _plan_and_rows(tmp_path, prefix, staged)
    assert plan == ["sort 2", "copy"]
    assert got == sorted(got, key=_pk) and len(got) == 120


def test_a_series_out_of_time_order_is_sorted(tmp_path: Path, prefix: str) -> None:
    back = _run_series("loss", 1000)
    back.timestamps[20] = 0  # a clock set back mid-run: this series' points are not in (timestamp, step) order
    staged = [_stage(prefix, 0, RUN_A, back), _stage(prefix, 0, RUN_B, _run_series("loss", 5000))]
    plan, got = _plan_and_rows(tmp_path, prefix, staged)
    assert plan == ["sort 1", "copy"]
    assert got == sorted(got, key=_pk) and len(got) == 80


def test_short_series_are_sorted_together(tmp_path: Path, prefix: str) -> None:
    staged = [_stage(prefix, 0, RUN_A, _run_series("loss", 1000, points=3)),
              _stage(prefix, 1, RUN_B, _run_series("loss", 5000, points=3)),
              _stage(prefix, 0, RUN_C, _run_series("acc", 1, points=3))]
    plan, got = _plan_and_rows(tmp_path, prefix, staged)
    assert plan == ["sort 3"], "one INSERT per 3-point series would cost more than one sort of them all"
    assert got == sorted(got, key=_pk) and len(got) == 9
