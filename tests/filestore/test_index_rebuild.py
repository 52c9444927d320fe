"""PostgreSQL's final step builds the deferred indexes at the same time on connections of their own, then adds
the keys (indexes.rebuild). Killed or interrupted between two builds, a migration resumes and ends with exactly
MLflow's schema: the foreign key still refuses orphan rows, the primary key duplicates; a killed session's
build does not linger holding its lock."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.filestore import indexes, migrate_filestore
from tests.conftest import PG_ADMIN
from tests.filestore.test_deferred_load import _stop_before_final_step, mlflow_database
from tests.support.fixture_stores import copy_filestore_fixture

RUN_TABLES = ("metrics", "latest_metrics", "params", "tags", "runs")
METRIC_INDEXES = {"metric_pk", "index_metrics_run_uuid", "index_metrics_run_uuid_key_step"}
TAGS_BUILD = "CREATE INDEX index_tags_run_uuid"
# Stops at the final step until SIGUSR1 (the test takes its lock meanwhile), then runs it.
PAUSE_BEFORE_FINAL_STEP = """
import signal, sys
from mlflow_upgrade.filestore import indexes, migrate_filestore
real = indexes.rebuild
def paused(*args, **kwargs):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    sys.stderr.write("FINAL STEP\\n")
    sys.stderr.flush()
    signal.sigtimedwait({signal.SIGUSR1}, 120)
    return real(*args, **kwargs)
indexes.rebuild = paused
migrate_filestore(sys.argv[1], sys.argv[2])
"""


def _catalog(uri: str) -> dict[str, object]:
    """The run tables' constraints and indexes as PostgreSQL itself prints them."""
    engine = sa.create_engine(uri, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            names = ", ".join(f"'{t}'" for t in RUN_TABLES)
            constraints = sorted(tuple(r) for r in conn.exec_driver_sql(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
                f"WHERE conrelid::regclass::text IN ({names})"))
            index_rows = sorted(tuple(r) for r in conn.exec_driver_sql(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisprimary, i.indisunique, i.indisvalid "
                "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                f"WHERE i.indrelid::regclass::text IN ({names})"))
        return {"constraints": constraints, "indexes": index_rows}
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def mlflow_catalog() -> Iterator[dict[str, object]]:
    """The catalog of a database MLflow's own migrations created."""
    uri, gen = mlflow_database(PG_ADMIN)
    yield _catalog(uri)
    next(gen, None)


def _query(uri: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(uri, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(sql)]
    finally:
        engine.dispose()


def _index_names(uri: str) -> set[str]:
    return {r[0] for r in _query(uri, "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")}


def _builds_of_tags(uri: str, *, waiting: bool = False) -> list[tuple]:
    """Server sessions (other than this one) running the build of tags' index (waiting for a lock)."""
    lock = " AND wait_event_type = 'Lock'" if waiting else ""
    return _query(uri, "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() "
                       f"AND state = 'active' AND starts_with(query, '{TAGS_BUILD}'){lock}")


def _until(what: str, check: Callable[[], object], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        time.sleep(0.05)


def _hold_back_tags(uri: str) -> tuple[sa.Engine, sa.Connection]:
    """A transaction holding ROW EXCLUSIVE on tags: the load's inserts pass, CREATE INDEX (SHARE) waits."""
    engine = sa.create_engine(uri, poolclass=sa.pool.NullPool)
    conn = engine.connect()
    conn.exec_driver_sql("LOCK TABLE tags IN ROW EXCLUSIVE MODE")
    return engine, conn


def _assert_complete_and_mlflows(uri: str, root: Path, want: dict[str, object], clean_rows: int) -> None:
    resumed = migrate_filestore(root, uri)
    assert resumed.mode == "resume" and resumed.status == "complete"
    assert _catalog(uri) == want
    assert _query(uri, "SELECT COUNT(*) FROM metrics") == [(clean_rows,)]
    first = _query(uri, "SELECT key, value, timestamp, run_uuid, step, is_nan FROM metrics LIMIT 1")[0]
    engine = sa.create_engine(uri, poolclass=sa.pool.NullPool)
    try:  # a point of a run that does not exist (the foreign key), a point already there (the primary key)
        for row in (("loss", 1.0, 1, "f" * 32, 0, False), first):
            with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) "
                                     "VALUES (%s, %s, %s, %s, %s, %s)", row)
    finally:
        engine.dispose()


def test_killed_between_builds_resumes_with_mlflows_schema(tmp_path: Path, pg_uri: str,
                                                           mlflow_catalog: dict[str, object]) -> None:
    if int(_query(pg_uri, "SHOW server_version_num")[0][0]) < 140000:
        pytest.skip("client_connection_check_interval is PostgreSQL 14+")
    root = copy_filestore_fixture("2.22.5", tmp_path)
    clean = migrate_filestore(root, f"sqlite:///{tmp_path / 'clean.db'}")
    proc = subprocess.Popen([sys.executable, "-c", PAUSE_BEFORE_FINAL_STEP, str(root), pg_uri],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None and proc.stderr.readline().strip() == "FINAL STEP"
        blocker_engine, blocker = _hold_back_tags(pg_uri)
        proc.send_signal(signal.SIGUSR1)
        # the metrics indexes (the primary key's among them, not attached yet) committed; tags' build waiting
        _until("the metrics builds", lambda: _index_names(pg_uri) >= METRIC_INDEXES
               and _builds_of_tags(pg_uri, waiting=True))
    finally:
        proc.kill()
        proc.wait()
    constraints = {r[1] for r in _catalog(pg_uri)["constraints"]}
    assert "metric_pk" not in constraints and "metrics_run_uuid_fkey" not in constraints
    # The killed migration's session stops its build while the lock it waits for is still held (it notices its
    # client is gone): it does not hold its lock and the index's name until the build would have finished.
    _until("the killed session's build to stop", lambda: not _builds_of_tags(pg_uri), seconds=15)
    blocker.rollback()
    blocker.close()
    blocker_engine.dispose()
    _assert_complete_and_mlflows(pg_uri, root, mlflow_catalog, clean.rows["metrics"])


def test_ctrl_c_during_builds_cancels_them_then_resumes(tmp_path: Path, pg_uri: str,
                                                        mlflow_catalog: dict[str, object],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_filestore_fixture("2.22.5", tmp_path)
    clean = migrate_filestore(root, f"sqlite:///{tmp_path / 'clean.db'}")
    with monkeypatch.context() as patch:
        stop = _stop_before_final_step(patch)
        with pytest.raises(stop):
            migrate_filestore(root, pg_uri)
    blocker_engine, blocker = _hold_back_tags(pg_uri)

    def ctrl_c_once_tags_waits() -> None:
        _until("tags' build to wait", lambda: _builds_of_tags(pg_uri, waiting=True))
        # Received by this thread, not the main one (the kernel may hand a Ctrl-C to any thread): the main thread
        # must still get its KeyboardInterrupt while the builds it waits for go on (it once waited forever).
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)

    engine = sa.create_engine(pg_uri, poolclass=sa.pool.NullPool)
    thread = threading.Thread(target=ctrl_c_once_tags_waits, daemon=True)
    # Python's Ctrl-C handler, whatever this process inherited: a job a script starts in the background (cmd &)
    # begins with SIGINT ignored, and the signal would then never come (this test hung so, in such a CI run)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        thread.start()
        with pytest.raises(KeyboardInterrupt):
            indexes.restore(engine)
        thread.join()
        # cancelled on the server, though the lock it waited for is still held
        assert not _builds_of_tags(pg_uri)
    finally:
        signal.signal(signal.SIGINT, previous)
        engine.dispose()
        blocker.rollback()
        blocker.close()
        blocker_engine.dispose()
    assert "index_tags_run_uuid" not in _index_names(pg_uri)
    _assert_complete_and_mlflows(pg_uri, root, mlflow_catalog, clean.rows["metrics"])


def test_rebuild_plan_builds_a_primary_key_as_an_index_and_attaches_a_leftover(pg_uri: str) -> None:
    engine = sa.create_engine(pg_uri, poolclass=sa.pool.NullPool)
    dialect = get_dialect("postgresql")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE parent (id INT PRIMARY KEY)")
            conn.exec_driver_sql('CREATE TABLE t (a INT NOT NULL, "b c" INT NOT NULL REFERENCES parent (id), '
                                 'CONSTRAINT t_pk PRIMARY KEY (a, "b c"))')
            conn.exec_driver_sql('CREATE INDEX t_b ON t ("b c")')
            recorded = dialect.deferrable_constraints(conn, "t") + dialect.deferrable_indexes(conn, ["t"])
            for statement in dialect.drop_deferred_sql(conn, "t", [n for n, _ in reversed(recorded[:2])], ["t_b"]):
                conn.exec_driver_sql(statement)
            plan = dialect.rebuild_plan(conn, recorded, ["t"])
            assert [name for name, _ in plan.builds] == ["t_pk", "t_b"]  # the wider first
            assert plan.builds[0][1] == 'CREATE UNIQUE INDEX "t_pk" ON t (a, "b c")'
            assert [name for name, _ in plan.finish] == ["t_pk", "t_b c_fkey"]
            assert plan.finish[0][1] == 'ALTER TABLE t ADD CONSTRAINT "t_pk" PRIMARY KEY USING INDEX "t_pk"'
            conn.exec_driver_sql(plan.builds[0][1])  # as a killed migration leaves it: built, not attached
            again = dialect.rebuild_plan(conn, recorded, ["t"])
            assert [name for name, _ in again.builds] == ["t_b"] and again.finish == plan.finish
            # a record this function cannot read as a plain primary key is run as recorded, after the builds
            odd = [("t_pk", "ALTER TABLE t ADD CONSTRAINT \"t_pk\" PRIMARY KEY (a) INCLUDE (\"b c\")")]
            conn.exec_driver_sql("DROP INDEX t_pk")
            assert dialect.rebuild_plan(conn, odd, ["t"]).finish == odd
    finally:
        engine.dispose()


@pytest.mark.parametrize(("cores", "lanes"), [(1, 1), (2, 2), (64, None)])
def test_index_build_lanes_of_a_server_on_this_machine_are_at_most_its_cores(
        pg_uri: str, monkeypatch: pytest.MonkeyPatch, cores: int, lanes: int | None) -> None:
    """Builds beyond the cores only take turns; a server on another machine gets 1 + its parallel workers."""
    engine = sa.create_engine(pg_uri, poolclass=sa.pool.NullPool)
    monkeypatch.setattr("os.cpu_count", lambda: cores)
    try:
        with engine.connect() as conn:
            own = 1 + int(conn.exec_driver_sql("SHOW max_parallel_maintenance_workers").scalar())
            assert get_dialect("postgresql").index_build_lanes(conn) == min(own, lanes or own)
    finally:
        engine.dispose()
