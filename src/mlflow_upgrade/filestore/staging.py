"""SQLite: metric points staged by the reader processes, moved into ``metrics`` in one sorted pass at the end.

Inserting millions of points into ``metrics`` in arrival order is the slowest part of a load into SQLite:
every row goes into the middle of the six-column primary-key index, and only one process can write to the
database. So a new migration into SQLite splits the work:

* while reading, each reader process appends its runs' points to its own staging file in a private folder
  next to the destination (``<dest>.mlflow-upgrade-stage/stage-<n>``, no indexes, owner-only; the folder is
  0700 and must be this user's), in parallel with the others and
  with the writer, which writes everything else;
* a point is staged as its value, timestamp, step and NaN flag only: the points of one metric (a
  :class:`~mlflow_upgrade.filestore.reader.Series`) are consecutive rows, and one ``series`` row holds their
  key, run id and row-id range (binding 3 values per point instead of 6 halves the readers' insert CPU:
  2.6 → 1.0 µs a point, and the files are 27 instead of 70 bytes a point);
* each run's points get a random tag; the staging file keeps the tag with the run's row-id range, and the
  writer records, with the run's checkpoint row and in the same transaction, the tag and how many points
  were staged (``mlflow_upgrade_fs_staged``);
* at the end one transaction copies the staged points of the recorded runs, joined with their series rows,
  into ``metrics`` in primary-key order (appending to the index instead of inserting all over it), checks
  that the count equals the recorded total, and the indexes are built; then the staging files are removed.
  Primary-key order usually needs no sort of the points: runs logged one after the other leave, per metric
  key, series whose time ranges do not overlap, each already in (timestamp, step) order. Each series row
  keeps its first and last (timestamp, step) when its points are in that order; when the series, sorted by
  key and first point, then follow each other without overlap, they are copied one after the other (2 M
  points: 1.4 s instead of 2.6 s for the sorted copy). Otherwise (runs logged at the same time) all points
  are sorted. Either order gives the same rows: the primary key itself refuses nothing more or less.

A reader commits its staging file before the writer sees the run, so a recorded run always has its points
staged. Points of runs the writer did not record (a kill before the commit, or a run folder the writer
refused as a copy of another) are deleted from the staging files before they are copied
(:func:`discard_unrecorded`).
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import operator
import os
import random
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mlflow_upgrade import errors, safe_files
from mlflow_upgrade.dialects.sqlite import insert_flat
from mlflow_upgrade.filestore.checkpoint import STAGED_RUNS
from mlflow_upgrade.filestore.loader import COLUMNS
from mlflow_upgrade.filestore.reader import Series

_TABLE = "points"
_POINT = ("value", "timestamp", "step")  # a point's own columns; is_nan only for a series that has a NaN
_COLUMNS = COLUMNS["metrics"]
_PK_ORDER = '"key", timestamp, step, run_uuid, value, is_nan'  # MLflow's metric_pk
# Layout of a staging file (PRAGMA user_version): a resumed migration refuses files of another layout.
_FORMAT = 3
# Below this many points a series, one INSERT per series costs more than the sort it saves.
_MIN_POINTS_PER_SERIES = 32

_open: dict[str, sqlite3.Connection] = {}  # per process: staging file -> connection


def prefix_for(database: Path) -> str:
    """Staging files live in a private (0700) directory beside the destination: a link planted at a
    predictable name next to it cannot redirect them (or SQLite's journal files) to another file."""
    return f"{database}.mlflow-upgrade-stage{os.sep}stage-"


def files(prefix: str) -> list[str]:
    return sorted(p for p in glob.glob(glob.escape(prefix) + "*") if p[len(prefix):].isdigit())


def create_record_table(conn: sa.Connection) -> None:
    conn.exec_driver_sql(f'CREATE TABLE IF NOT EXISTS "{STAGED_RUNS}" (tag BIGINT PRIMARY KEY, rows INTEGER NOT NULL)')


# -- reader side ----------------------------------------------------------------------------------------------
class StagedRun:
    """One run's metric points appended to this reader's staging file as they are parsed, one metric file at
    a time (memory stays bounded by the largest metric file, not the run); the caller commits with
    :func:`commit`. Its rows get consecutive row ids, kept with the tag the writer records."""

    def __init__(self, prefix: str, reader: int) -> None:
        self.conn = _connection(f"{prefix}{reader}")
        self.tag = random.getrandbits(62)
        self.first = self.conn.execute(f"SELECT COALESCE(MAX(rowid), 0) + 1 FROM {_TABLE}").fetchone()[0]
        self.count = 0

    def add(self, run_uuid: str, series: Series) -> None:
        """Append one metric's points (consecutive row ids) and the series row naming their key and run."""
        n = len(series.values)
        if not n:
            return
        cols = _POINT if series.is_nan is None else (*_POINT, "is_nan")
        flat: list[object] = [None] * (len(cols) * n)
        flat[0::len(cols)] = series.values
        flat[1::len(cols)] = series.timestamps
        flat[2::len(cols)] = series.steps
        if series.is_nan is not None:
            flat[3::len(cols)] = series.is_nan
        first = self.first + self.count
        insert_flat(self.conn, _TABLE, cols, flat)
        stamps, steps = series.timestamps, series.steps
        bounds = (stamps[0], steps[0], stamps[-1], steps[-1]) if _in_order(stamps, steps) else (None,) * 4
        self.conn.execute("INSERT INTO series VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          (first, first + n - 1, series.key, run_uuid, *bounds))
        self.count += n

    def finish(self) -> int:
        """Record the run's row-id range; returns its tag."""
        if self.count:
            self.conn.execute("INSERT INTO tags VALUES (?, ?, ?)", (self.tag, self.first, self.first + self.count - 1))
        return self.tag


def _in_order(stamps: list[int], steps: list[int]) -> bool:
    """Whether (timestamp, step) strictly increases from point to point: timestamps never go back and steps
    always go up (the usual metric file; C-level comparisons, ~20 ns a point)."""
    return (all(map(operator.le, stamps, itertools.islice(stamps, 1, None)))
            and all(map(operator.lt, steps, itertools.islice(steps, 1, None))))


def commit(prefix: str, reader: int) -> None:
    conn = _open.get(f"{prefix}{reader}")
    if conn is not None:
        conn.commit()


def _connection(path: str) -> sqlite3.Connection:
    conn = _open.get(path)
    if conn is None:
        safe_files.private_dir(Path(path).parent, "staging directory")
        try:  # created owner-only: it holds the user's data
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600))
        except OSError as exc:
            raise safe_files.cannot_write("staging file", path, exc) from None
        conn = sqlite3.connect(path)
        _check_format(conn, path)
        # A rollback journal: appends journal almost nothing, and a killed reader leaves a consistent file.
        # No fsync: a process kill loses nothing committed; after a power loss the count check at the end
        # refuses to finish with points missing.
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {_TABLE} ({', '.join(_POINT)}, is_nan DEFAULT 0)")
        # first: the row id of the series' first point, unique (a series has at least one point); lo_*/hi_*: its
        # first and last (timestamp, step) when they strictly increase through the series, else NULL
        conn.execute("CREATE TABLE IF NOT EXISTS series (first INTEGER PRIMARY KEY, last INTEGER, \"key\", run_uuid, "
                     "lo_ts INTEGER, lo_step INTEGER, hi_ts INTEGER, hi_step INTEGER)")
        conn.execute("CREATE TABLE IF NOT EXISTS tags (tag INTEGER PRIMARY KEY, first INTEGER, last INTEGER)")
        conn.execute(f"PRAGMA user_version = {_FORMAT}")
        conn.commit()
        _open[path] = conn
    return conn


def _check_format(conn: sqlite3.Connection, path: str) -> None:
    """A staging file left by another release of mlflow-upgrade (another layout) cannot be resumed."""
    tables = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
    if tables and conn.execute("PRAGMA user_version").fetchone()[0] != _FORMAT:
        conn.close()
        raise errors.OperationFailed(
            f"{path} was staged by another release of mlflow-upgrade: finish the migration with that release, "
            "or start it again into a new destination"
        )


def close_all() -> None:
    """Close this process's staging connections (the writer's, when it read inline)."""
    while _open:
        _open.popitem()[1].close()


# -- writer side ----------------------------------------------------------------------------------------------
def discard_unrecorded(dbapi: Any, prefix: str) -> int:
    """Delete every staged point outside the row-id ranges of the tags the destination recorded (runs never
    recorded, a run cut short by a failure); returns how many. ``dbapi``: a connection to the destination,
    outside a transaction."""
    recorded = {r[0] for r in dbapi.execute(f'SELECT tag FROM "{STAGED_RUNS}"')}
    removed = 0
    for path in files(prefix):
        with contextlib.closing(sqlite3.connect(path)) as stage_conn:
            _check_format(stage_conn, path)
            stage_conn.execute("PRAGMA synchronous=OFF")
            keep = sorted((first, last) for tag, first, last in stage_conn.execute("SELECT tag, first, last FROM tags")
                          if tag in recorded)
            start = 1  # delete the gaps before, between and after the kept ranges
            for first, last in keep:
                if first > start:
                    removed += _delete_rows(stage_conn, start, first - 1)
                start = last + 1
            removed += _delete_rows(stage_conn, start, None)
            stage_conn.executemany("DELETE FROM tags WHERE tag = ?",
                                   [(t,) for (t,) in stage_conn.execute("SELECT tag FROM tags").fetchall()
                                    if t not in recorded])
            stage_conn.commit()
    return removed


def _delete_rows(stage_conn: sqlite3.Connection, first: int, last: int | None) -> int:
    """Delete the points with row ids first..last (to the end when None) and the series that start there."""
    where, args = ("BETWEEN ? AND ?", (first, last)) if last is not None else (">= ?", (first,))
    stage_conn.execute(f"DELETE FROM series WHERE first {where}", args)
    return stage_conn.execute(f"DELETE FROM {_TABLE} WHERE rowid {where}", args).rowcount


def recorded_points(dbapi: Any) -> int:
    """How many staged points the destination's record says there are (runs the writer committed)."""
    return dbapi.execute(f'SELECT COALESCE(SUM(rows), 0) FROM "{STAGED_RUNS}"').fetchone()[0]


def merge(dbapi: Any, prefix: str) -> int:
    """Inside the caller's transaction on ``dbapi`` (the destination): copy the staged points into
    ``metrics`` in primary-key order, check the count against the record, drop the record table; returns
    the count. Call :func:`discard_unrecorded` first and attach the files (:func:`attach`)."""
    names = [r[1] for r in dbapi.execute("PRAGMA database_list") if r[1].startswith("stage")]
    expected = recorded_points(dbapi)
    moved = 0
    if names:
        moved = _copy_series_by_series(dbapi, names) if _order_series(dbapi, names) else _copy_sorted(dbapi, names)
        dbapi.execute(f"DROP TABLE IF EXISTS temp.{_ORDER_TABLE}")
    if moved != expected:
        raise errors.OperationFailed(
            f"staged metric points: {moved} found, {expected} recorded (a staging file was lost or damaged, "
            "e.g. by a power cut): start the migration again into a new destination"
        )
    dbapi.execute(f'DROP TABLE "{STAGED_RUNS}"')
    return moved


_ORDER_TABLE = "mlflow_upgrade_series_order"
_INSERT_COLUMNS = '"key", value, timestamp, run_uuid, step, is_nan'


def _order_series(dbapi: Any, names: list[str]) -> bool:
    """List every staged series in a temporary table, by key and first point; True when copying them in that
    order, each series' points by row id, gives primary-key order: every series is in (timestamp, step) order,
    no two series of a key overlap, and series have enough points each for the copy to pay."""
    union = " UNION ALL ".join(f'SELECT {i}, first, last, "key", run_uuid, lo_ts, lo_step, hi_ts, hi_step '
                               f"FROM {name}.series" for i, name in enumerate(names))
    dbapi.execute(f"DROP TABLE IF EXISTS temp.{_ORDER_TABLE}")
    dbapi.execute(f'CREATE TEMP TABLE {_ORDER_TABLE} (db INTEGER, first INTEGER, last INTEGER, "key", run_uuid, '
                  "lo_ts, lo_step, hi_ts, hi_step)")
    dbapi.execute(f'INSERT INTO temp.{_ORDER_TABLE} SELECT * FROM ({union}) ORDER BY 4, 6, 7, 5')  # key, first point
    count, points, unordered = dbapi.execute(
        f"SELECT COUNT(*), COALESCE(SUM(last - first + 1), 0), COUNT(*) - COUNT(lo_ts) FROM temp.{_ORDER_TABLE}"
    ).fetchone()
    if unordered or points < count * _MIN_POINTS_PER_SERIES:
        return False
    previous = None  # (key, last timestamp, last step, run) of the series before
    for key, run, lo_ts, lo_step, hi_ts, hi_step in dbapi.execute(
            f'SELECT "key", run_uuid, lo_ts, lo_step, hi_ts, hi_step FROM temp.{_ORDER_TABLE} ORDER BY rowid'):
        if previous is not None and previous[0] == key and previous[1:] >= (lo_ts, lo_step, run):
            return False  # overlaps the series before it (runs logged at the same time): sort
        previous = (key, hi_ts, hi_step, run)
    return True


def _copy_series_by_series(dbapi: Any, names: list[str]) -> int:
    """Each series' points (by row id) in the order :func:`_order_series` listed the series: no sort."""
    inserts = [f"INSERT INTO metrics ({_INSERT_COLUMNS}) SELECT ?, value, timestamp, ?, step, is_nan "
               f"FROM {name}.{_TABLE} WHERE rowid BETWEEN ? AND ?" for name in names]
    cur = dbapi.cursor()
    moved = 0
    for db, first, last, key, run in dbapi.execute(
            f'SELECT db, first, last, "key", run_uuid FROM temp.{_ORDER_TABLE} ORDER BY rowid'):
        moved += cur.execute(inserts[db], (key, run, first, last)).rowcount
    return moved


def _copy_sorted(dbapi: Any, names: list[str]) -> int:
    """Every staged point through one sort into primary-key order."""
    cols = ", ".join(f'"{c}"' for c in _COLUMNS)
    # CROSS JOIN keeps the series as the outer loop (each series' points by their row-id range): the other
    # order would scan the series once per point
    union = " UNION ALL ".join(
        f'SELECT s."key", p.value, p.timestamp, s.run_uuid, p.step, p.is_nan FROM {name}.series s '
        f"CROSS JOIN {name}.{_TABLE} p ON p.rowid BETWEEN s.first AND s.last" for name in names)
    return dbapi.execute(f"INSERT INTO metrics ({cols}) SELECT {cols} FROM ({union}) ORDER BY {_PK_ORDER}").rowcount


def attach(dbapi: Any, prefix: str) -> None:
    for i, path in enumerate(files(prefix)):
        dbapi.execute(f"ATTACH DATABASE ? AS stage{i}", (path,))


def detach(dbapi: Any) -> None:
    for r in list(dbapi.execute("PRAGMA database_list")):
        if r[1].startswith("stage"):
            dbapi.execute(f"DETACH DATABASE {r[1]}")


def remove_files(prefix: str) -> None:
    for path in files(prefix):
        for suffix in ("", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path + suffix)
    with contextlib.suppress(OSError):  # the private folder, when empty (a prefix of an older release has none)
        os.rmdir(os.path.dirname(prefix))
