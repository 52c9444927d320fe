"""One outcome on every dialect: after ``upgrade`` the store is at MLflow's head or exactly where it started.

A revision that fails part way (a table it creates appears while the upgrade runs, the mlflow#23721 case) is
restored from the backup on SQLite, PostgreSQL and MariaDB alike; ``--keep-partial`` keeps the completed
revisions instead. Conflicts that exist before the run are refused by the preflight, naming the object and the
revision. Ctrl-C and SIGTERM end the same way as a failure.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import sqlalchemy

from mlflow_upgrade import errors
from mlflow_upgrade.store import journal
from mlflow_upgrade.store.uri import parse_store_uri
from mlflow_upgrade.upgrade import alembic_driver
from mlflow_upgrade.upgrade.preflight.conflicts import find_conflicts
from mlflow_upgrade.upgrade.runner import marker_path
from tests.cli_helpers import run_cli
from tests.support.fixture_stores import copy_sqlite_fixture, load_fixture_into, table_counts
from tests.upgrade.faults import execute, run_paused
from tests.upgrade.runner_support import current_revision

HEAD = alembic_driver.head("tracking")
SECRETS_REV = "1bd49d398cd23"  # creates `secrets`; 2.16.2 stores reach it after 15 revisions
CORE = ("experiments", "runs", "params", "metrics", "latest_metrics", "tags", "registered_models",
        "model_versions", "datasets", "inputs")


def _counts(uri: str) -> dict[str, int]:
    return {t: n for t, n in table_counts(uri).items() if t in CORE}


def _store(dialect: str, request: pytest.FixtureRequest, tmp_path: Path, release: str = "2.16.2") -> str:
    if dialect == "sqlite":
        return copy_sqlite_fixture(release, tmp_path)
    uri = request.getfixturevalue("pg_uri" if dialect == "postgresql" else "mysql_uri")
    load_fixture_into(release, uri)
    return uri


def _last_journal_status(uri: str) -> str | None:
    engine = sqlalchemy.create_engine(uri, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            entry = journal.last_entry(conn)
            return entry.status if entry else None
    finally:
        engine.dispose()


def _create_secrets(uri: str) -> None:
    execute(uri, "CREATE TABLE secrets (x INTEGER)")


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_a_revision_failing_part_way_restores_the_start(dialect: str, request: pytest.FixtureRequest,
                                                         tmp_path: Path) -> None:
    uri = _store(dialect, request, tmp_path)
    start, before = current_revision(uri), _counts(uri)
    res = run_paused(["upgrade", uri, "--backup-dir", str(tmp_path / "bk"), "--no-progress"], SECRETS_REV,
                     lambda proc: _create_secrets(uri))
    assert res.returncode == errors.ExitCode.FAILED, res.output[-3000:]
    assert SECRETS_REV in res.stderr and "restored from the backup" in res.stderr, res.stderr[-2000:]
    assert current_revision(uri) == start  # not the last good intermediate revision: where it started
    assert _counts(uri) == before
    assert _last_journal_status(uri) == journal.STATUS_RESTORED
    assert not marker_path(parse_store_uri(uri), "tracking").exists()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_keep_partial_keeps_the_completed_revisions(dialect: str, request: pytest.FixtureRequest,
                                                    tmp_path: Path) -> None:
    uri = _store(dialect, request, tmp_path)
    before = _counts(uri)
    parent = next(r.parent for r in alembic_driver.chain("tracking") if r.revision == SECRETS_REV)
    res = run_paused(["upgrade", uri, "--backup-dir", str(tmp_path / "bk"), "--no-progress", "--keep-partial"],
                     SECRETS_REV, lambda proc: _create_secrets(uri))
    assert res.returncode == errors.ExitCode.FAILED, res.output[-3000:]
    assert "--keep-partial" in res.stderr and parent in res.stderr
    assert current_revision(uri) == parent
    assert _last_journal_status(uri) == journal.STATUS_FAILED
    execute(uri, "DROP TABLE secrets")
    again = run_cli("upgrade", uri, "--backup-dir", str(tmp_path / "bk2"), "--no-progress")
    assert again.returncode == 0, again.output[-3000:]
    assert current_revision(uri) == HEAD and _counts(uri) == before


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_conflicting_objects_are_refused_before_anything_runs(dialect: str, request: pytest.FixtureRequest,
                                                              tmp_path: Path) -> None:
    uri = _store(dialect, request, tmp_path)
    start = current_revision(uri)
    _create_secrets(uri)
    execute(uri, "CREATE INDEX index_experiments_name_x ON experiments (name)")  # not pending: no conflict
    res = run_cli("upgrade", uri, "--backup-dir", str(tmp_path / "bk"), "--no-progress")
    assert res.returncode == errors.ExitCode.PREFLIGHT, res.output[-3000:]
    assert "conflicts" in res.stderr and "table secrets" in res.stderr and SECRETS_REV in res.stderr
    assert "index_experiments_name_x" not in res.stderr
    assert current_revision(uri) == start and not (tmp_path / "bk").exists()


@pytest.mark.parametrize("release", ["1.30.1", "2.16.2", "3.0.1"])
@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_no_conflicts_on_stores_written_by_real_releases(dialect: str, release: str,
                                                         request: pytest.FixtureRequest, tmp_path: Path) -> None:
    uri = _store(dialect, request, tmp_path, release)
    ref = parse_store_uri(uri)
    engine = sqlalchemy.create_engine(uri, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            assert find_conflicts(ref, conn, "tracking", current_revision(uri)) == []
    finally:
        engine.dispose()


def test_a_conflicting_column_is_named_with_its_revision(tmp_path: Path) -> None:
    from mlflow_upgrade.catalog import pending_revisions

    uri = copy_sqlite_fixture("2.16.2", tmp_path)
    ref = parse_store_uri(uri)
    present = set(table_counts(uri))
    revision, table, column = next(
        (f.revision, op["table"], op["column"]) for f in pending_revisions("tracking", current_revision(uri))
        if not f.inspects_schema for op in f.ops
        if op.get("op") == "add_column" and not op.get("when") and op.get("table") in present)
    execute(uri, f"ALTER TABLE {table} ADD COLUMN {column} INTEGER")
    engine = sqlalchemy.create_engine(uri, poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as conn:
        found = find_conflicts(ref, conn, "tracking", current_revision(uri))
    engine.dispose()
    assert [(c.revision, c.kind, c.name) for c in found] == [(revision, "column", f"{table}.{column}")]


# --- another application's tables ----------------------------------------------------------------------------


def test_another_applications_tables_are_refused_unless_allowed(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    execute(uri, "CREATE TABLE studies (study_id INTEGER PRIMARY KEY)",
            "CREATE TABLE trials (trial_id INTEGER PRIMARY KEY)",
            "CREATE TABLE version_info (version_info_id INTEGER PRIMARY KEY)")
    res = run_cli("upgrade", uri, "--backup-dir", str(tmp_path / "bk"), "--no-progress")
    assert res.returncode == errors.ExitCode.PREFLIGHT, res.output[-3000:]
    assert "optuna" in res.stderr and "alembic_version" in res.stderr and "--allow-foreign-tables" in res.stderr
    assert current_revision(uri) == "97727af70f4d"
    res = run_cli("upgrade", uri, "--backup-dir", str(tmp_path / "bk"), "--no-progress", "--allow-foreign-tables")
    assert res.returncode == 0, res.output[-3000:]
    assert current_revision(uri) == HEAD


# --- both databases checked before either changes -------------------------------------------------------------


@pytest.mark.parametrize("auth_kind", ["missing", "tracking-db"])
def test_a_bad_auth_uri_changes_neither_database(auth_kind: str, tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    other = (f"sqlite:///{tmp_path / 'nope.db'}" if auth_kind == "missing" else
             copy_sqlite_fixture("1.30.1", tmp_path / "second"))
    res = run_cli("upgrade", uri, "--auth-uri", other, "--backup-dir", str(tmp_path / "bk"), "--no-progress")
    expected = errors.ExitCode.NOT_FOUND if auth_kind == "missing" else errors.ExitCode.NOT_MLFLOW
    assert res.returncode == expected, res.output[-3000:]
    assert current_revision(uri) == "97727af70f4d" and not (tmp_path / "bk").exists()


# --- Ctrl-C and SIGTERM ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("dialect", "signum"), [("sqlite", signal.SIGINT), ("sqlite", signal.SIGTERM),
                                                 ("postgresql", signal.SIGTERM), ("mysql", signal.SIGINT)])
def test_a_signal_mid_revision_restores_the_start(dialect: str, signum: int, request: pytest.FixtureRequest,
                                                   tmp_path: Path) -> None:
    uri = _store(dialect, request, tmp_path)
    start, before = current_revision(uri), _counts(uri)
    res = run_paused(["upgrade", uri, "--backup-dir", str(tmp_path / "bk"), "--no-progress"],
                     f"{SECRETS_REV}@1", signum=signum)  # inside the revision, its transaction open
    assert res.returncode == errors.ExitCode.INTERRUPTED, res.output[-3000:]
    name = signal.Signals(signum).name
    assert f"{name} during revision" in res.stderr and "restored from the backup" in res.stderr, res.stderr[-2000:]
    assert "Traceback" not in res.stderr
    assert current_revision(uri) == start and _counts(uri) == before
    assert _last_journal_status(uri) == journal.STATUS_RESTORED
    path = parse_store_uri(uri).path
    if path is not None:
        assert not path.with_name(path.name + "-journal").exists()  # no hot journal left beside the store


def test_a_signal_during_the_backup_changes_nothing(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("2.16.2", tmp_path)
    start = current_revision(uri)
    res = run_paused(["upgrade", uri, "--backup-dir", str(tmp_path / "bk"), "--no-progress"], "backup",
                     signum=signal.SIGINT)
    assert res.returncode == errors.ExitCode.INTERRUPTED, res.output[-3000:]
    assert "nothing was changed" in res.stderr
    assert current_revision(uri) == start
