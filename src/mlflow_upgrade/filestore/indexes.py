"""Load the big run tables first and index them once at the end, instead of row by row.

Maintaining B-tree indexes while inserting millions of rows in arrival order costs several times more than
building them once from sorted data, so a new migration defers that work:

* secondary indexes of the run tables (SQLite, PostgreSQL) are dropped and re-created at the end from the
  exact DDL the database reports for them (``sqlite_master.sql`` / ``pg_indexes.indexdef``);
* on PostgreSQL, the primary key and foreign key of ``metrics`` are dropped too (recorded as
  ``pg_get_constraintdef`` reports them) and added back at the end: checking a foreign key per row and
  inserting into a six-column primary-key index in arrival order made the load four times slower than
  building the index once and validating the foreign key with one join. The rows are de-duplicated
  before they are written (reader.py), so the primary key is added back without a conflict;
* on SQLite, metric points are staged by the reader processes and copied into ``metrics`` in primary-key
  order at the end (:mod:`.staging`).

On MariaDB/MySQL the bulk sessions load with foreign-key checks off; the final step checks every foreign key
once (``Dialect.dangling_references``) and refuses to mark the migration complete if a row points nowhere.

What was deferred is recorded in the checkpoint state in the same transaction as the change, so a migration
killed at any point finishes the job when it resumes. On SQLite the final step (copy, drop the staging table,
create the indexes) is one transaction. On PostgreSQL the index builds run at the same time, each on a
connection and in a transaction of its own (:func:`rebuild`, which migrate-db uses too): the record is
cleared only in the last transaction, the one adding the keys, and a resumed migration builds only what the
catalog still lacks. Only MLflow's own indexes and constraints are touched, and only those of the run tables.
Not for MySQL (its foreign keys need these indexes) nor for an incremental load (small).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mlflow_upgrade import errors
from mlflow_upgrade.dialects import Dialect, get_dialect
from mlflow_upgrade.dialects.sqlite import write_behind
from mlflow_upgrade.filestore import staging
from mlflow_upgrade.filestore.checkpoint import state_table
from mlflow_upgrade.filestore.loader import ORDER

_log = logging.getLogger(__name__)
STATE_KEY = "deferred_indexes"
STAGE_KEY = "staged_tables"
CONSTRAINT_KEY = "deferred_constraints"


# The run tables whose secondary indexes a new migration rebuilds at the end; metrics' keys are deferred too.
_RUN_TABLES = ("metrics", "latest_metrics", "params", "tags")


def _dialect(conn: sa.Connection) -> Dialect:
    return get_dialect(conn.dialect.name)


def _secondary(conn: sa.Connection) -> list[tuple[str, str]]:
    return _dialect(conn).deferrable_indexes(conn, _RUN_TABLES)


def _pg_constraints(conn: sa.Connection) -> list[tuple[str, str]]:
    """metrics' primary key and foreign keys: (name, ALTER TABLE statement that re-creates it), PK first."""
    return _dialect(conn).deferrable_constraints(conn, "metrics")


def _state(conn: sa.Connection, key: str) -> str | None:
    return conn.execute(sa.select(state_table.c.value).where(state_table.c.name == key)).scalar()


def _set_state(conn: sa.Connection, key: str, value: str | None) -> None:
    conn.execute(sa.delete(state_table).where(state_table.c.name == key))
    if value is not None:
        conn.execute(sa.insert(state_table).values(name=key, value=value))


def defer(engine: sa.Engine) -> int:
    """Drop the secondary indexes of the run tables (remembering their DDL) and, on SQLite, create the
    staging tables; returns how many indexes were dropped."""
    with engine.begin() as conn:
        constraints = _pg_constraints(conn)
        found = _secondary(conn)
        if found or constraints:
            _set_state(conn, STATE_KEY, json.dumps(found))
            _set_state(conn, CONSTRAINT_KEY, json.dumps(constraints) if constraints else None)
            for name, _ in reversed(constraints):  # foreign keys before the primary key
                conn.execute(sa.text(f'ALTER TABLE metrics DROP CONSTRAINT "{name}"'))
            for name, _ in found:
                conn.execute(sa.text(f'DROP INDEX "{name}"'))
        if _dialect(conn).is_file_database:  # SQLite: the readers stage metric points in files (staging.py)
            staging.create_record_table(conn)
            _set_state(conn, STAGE_KEY, staging.prefix_for(Path(engine.url.database).resolve()))
    return len(found)


def staging_prefix(engine: sa.Engine) -> str | None:
    """The staging files' prefix of a migration that stages metric points (new or resumed), else None."""
    with engine.connect() as conn:
        return _state(conn, STAGE_KEY)


def restore(engine: sa.Engine, on_step: Callable[[str], None] | None = None) -> int:
    """Copy staged metric points into ``metrics`` and re-create what :func:`defer` dropped (what is still
    missing); returns how many staged points were copied."""
    step = on_step or (lambda what: None)
    if get_dialect(engine.dialect.name).is_file_database:
        return _restore_sqlite(engine, step)
    with engine.connect() as conn:  # rebuild may commit in between: no engine.begin()
        moved = _restore(engine, conn, step)
        conn.commit()
    return moved


def _restore(engine: sa.Engine, conn: sa.Connection, step: Callable[[str], None]) -> int:
    moved = 0
    t0 = time.monotonic()
    prefix = _state(conn, STAGE_KEY)
    if prefix:
        step("sorting metrics")
        moved = staging.merge(conn.connection.dbapi_connection, prefix)
        _log.debug("staged metric points copied into metrics: %d in %.2f s", moved, time.monotonic() - t0)
    _set_state(conn, STAGE_KEY, None)
    _check_references(conn, step)
    # keys first (the primary key before the foreign key), then the secondary indexes, as defer recorded them
    recorded = [*json.loads(_state(conn, CONSTRAINT_KEY) or "[]"), *json.loads(_state(conn, STATE_KEY) or "[]")]
    rebuild(engine, conn, [(name, ddl) for name, ddl in recorded], _RUN_TABLES, step)
    _set_state(conn, CONSTRAINT_KEY, None)
    _set_state(conn, STATE_KEY, None)
    return moved


def _check_references(conn: sa.Connection, step: Callable[[str], None]) -> None:
    """Foreign keys the load did not check row by row: every reference must find its row."""
    step("checking references")
    t0 = time.monotonic()
    dangling = _dialect(conn).dangling_references(conn, ORDER)
    _log.debug("references checked in %.2f s", time.monotonic() - t0)
    if dangling:
        raise errors.OperationFailed(
            f"rows point at rows that do not exist: {'; '.join(dangling[:3])}; the migration is not marked "
            "complete (this is a bug of mlflow-upgrade: please report it with this message)"
        )


def rebuild(engine: sa.Engine, conn: sa.Connection, recorded: Sequence[tuple[str, str]], tables: Sequence[str],
            step: Callable[[str], None] = lambda what: None) -> None:
    """Re-create what of ``recorded`` ((name, DDL) of the keys and indexes of ``tables`` a bulk load dropped)
    the catalog lacks now; the caller then clears its record in ``conn``'s transaction and commits.

    Where the dialect allows several builds at once, ``conn``'s transaction is committed first (nothing in it
    may wait for the builds, or sit idle through them), the indexes are built at the same time on connections
    of their own, each committing by itself, and the keys are added in a new transaction of ``conn`` after
    them. What one transaction gave before, all or nothing, the record gives now: it stays until that last
    transaction commits, so a migration killed between two builds rebuilds only what is missing when it
    resumes. Else everything runs in ``conn``'s transaction."""
    if not recorded:
        return
    dialect = _dialect(conn)
    plan = dialect.rebuild_plan(conn, recorded, tables)
    lanes = min(dialect.index_build_lanes(conn), len(plan.builds))
    if lanes > 1:
        step(f"building {len(plan.builds)} indexes, {lanes} at a time")
        conn.commit()
        try:
            _build_at_once(engine, plan.builds, tables, lanes)
        except Exception:
            # Fine if every index is there now: the session of a killed earlier run (PostgreSQL < 14 does not
            # notice a dead client) committed the same build while ours waited for its name.
            if dialect.rebuild_plan(conn, recorded, tables).builds:
                raise
    elif plan.builds:
        dialect.before_index_build(conn, tables)
        for name, ddl in plan.builds:
            _run(conn, "index", name, ddl, step)
    for name, ddl in plan.finish:
        _run(conn, "key", name, ddl, step)


def _run(conn: sa.Connection, what: str, name: str, ddl: str, step: Callable[[str], None]) -> None:
    step(f"{what} {name}")
    t0 = time.monotonic()
    conn.exec_driver_sql(ddl)
    _log.debug("%s %s created in %.2f s", what, name, time.monotonic() - t0)


def _build_at_once(engine: sa.Engine, builds: list[tuple[str, str]], tables: Sequence[str], lanes: int) -> None:
    """Run ``builds`` on ``lanes`` connections, each build in a transaction of its own. A failed build lets
    the others finish (what they built is kept for a resume) and is raised after them; an interruption of
    this thread (Ctrl-C) cancels the running builds on the server first, then propagates."""
    dialect = get_dialect(engine.dialect.name)
    running: dict[str, Any] = {}  # index name -> the DBAPI connection building it
    lock = threading.Lock()
    stop = threading.Event()

    def build(name: str, ddl: str) -> None:
        if stop.is_set():
            return
        with engine.connect() as conn:
            with lock:
                if stop.is_set():  # interrupted while this connection opened: the cancel loop would miss it
                    return
                running[name] = conn.connection.dbapi_connection
            try:
                with conn.begin():
                    dialect.before_index_build(conn, tables, lanes)
                    t0 = time.monotonic()
                    conn.exec_driver_sql(ddl)
                _log.debug("index %s built in %.2f s (%d at a time)", name, time.monotonic() - t0, lanes)
            finally:
                with lock:
                    running.pop(name, None)

    with ThreadPoolExecutor(lanes, thread_name_prefix="mlflow-upgrade-index") as pool:
        futures: list[Future[None]] = [pool.submit(build, name, ddl) for name, ddl in builds]
        try:
            # In short waits: Python runs a signal's handler (Ctrl-C's KeyboardInterrupt) in this thread, but a
            # SIGINT the kernel hands to another thread only reaches it when it is back in Python; one endless
            # wait here hung for good behind a build waiting for a lock (seen in CI).
            while wait(futures, timeout=0.5).not_done:
                pass
        except BaseException:
            stop.set()
            # Cancel until every build is over: a build whose statement had not reached the server yet when a
            # cancel went out would otherwise wait (e.g. for a lock) with nobody left to cancel it.
            while not all(future.done() for future in futures):
                with lock:
                    for dbapi in running.values():
                        dialect.cancel_statement(dbapi)
                wait(futures, timeout=0.5)
            raise
    for future in futures:
        future.result()  # the first failure, in build order


# Disk the final SQLite step takes per staged point: `metrics` with its primary key and two indexes (243 B
# per point measured on the 2 M-point benchmark: a 496 MB file) and the sorts' spill files (~70 B).
_DB_BYTES_PER_POINT = 243
_SORT_BYTES_PER_POINT = 70


def _check_room(dbapi: Any, directory: Path, *, sorts_here: bool) -> None:
    """Refuse to start the final step where it cannot finish: after reading for an hour, failing at the end
    with 'database or disk is full' is the worst time. The staged points stay; the same command resumes."""
    points = staging.recorded_points(dbapi)
    need = points * (_DB_BYTES_PER_POINT + (_SORT_BYTES_PER_POINT if sorts_here else 0))
    free = shutil.disk_usage(directory).free
    if free < need:
        raise errors.OperationFailed(
            f"the final step needs about {need / 1e9:.1f} GB free in {directory} for {points:,} metric points "
            f"and {free / 1e9:.1f} GB is free: free some space and run the same command again to resume "
            "(the points read so far are kept)"
        )


def _restore_sqlite(engine: sa.Engine, step: Callable[[str], None]) -> int:
    """SQLite: one explicit transaction (pysqlite would commit before each DDL statement otherwise), in
    rollback-journal mode, which journals only pages that existed before: the copy and the indexes mostly
    write new pages, so this writes them once instead of twice as WAL would.

    The sorts spill to temporary files as large as the staged points: unless SQLITE_TMPDIR or TMPDIR says
    otherwise they go next to the destination (which has room for the data) rather than to /var/tmp or /tmp
    (SQLite reads those variables once, when the module loads, so the PRAGMA is the way in)."""
    directory = Path(engine.url.database or ".").resolve().parent
    sorts_here = not (os.environ.get("SQLITE_TMPDIR") or os.environ.get("TMPDIR"))
    with engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        conn.commit()
        prefix = _state(conn, STAGE_KEY)
        old_level = dbapi.isolation_level
        dbapi.isolation_level = None  # we issue BEGIN/COMMIT ourselves
        try:
            if sorts_here:  # process-wide in SQLite: reset below
                dbapi.execute("PRAGMA temp_store_directory = '{}'".format(str(directory).replace("'", "''")))
            dbapi.execute("PRAGMA journal_mode=DELETE")
            dbapi.execute("PRAGMA cache_size=-16384")
            dbapi.execute("PRAGMA threads=2")  # the ORDER BY's sorter may use a second core
            if prefix:
                staging.discard_unrecorded(dbapi, prefix)
                staging.attach(dbapi, prefix)
                _check_room(dbapi, directory, sorts_here=sorts_here)
            dbapi.execute("BEGIN IMMEDIATE")
            try:
                with write_behind(Path(engine.url.database)):
                    moved = _restore(engine, conn, step)
            except BaseException:
                dbapi.execute("ROLLBACK")
                raise
            step("committing")
            t0 = time.monotonic()
            dbapi.execute("COMMIT")
            _log.debug("final step committed in %.2f s", time.monotonic() - t0)
            staging.detach(dbapi)
        finally:
            if sorts_here:
                dbapi.execute("PRAGMA temp_store_directory = ''")
            dbapi.isolation_level = old_level
    if prefix:
        staging.remove_files(prefix)
    return moved
