"""``inspect`` on stores written by real MLflow releases, on SQLite, PostgreSQL and MariaDB.

Checks what it reports (revision, releases, pending chain, counts) against each fixture's manifest, and that
it is strictly read-only: SQLite bytes unchanged and no journal files; server schemas and rows unchanged.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy

from mlflow_upgrade.api import inspect
from mlflow_upgrade.catalog import installed_head
from tests.cli_helpers import run_cli
from tests.support.fixture_stores import (
    FIXTURE_RELEASES,
    copy_sqlite_fixture,
    fixture_dir,
    load_auth_fixture_into,
    load_fixture_into,
    manifest,
)

AUTH_RELEASES = [r for r in FIXTURE_RELEASES if (fixture_dir(r) / "basic_auth.db").exists()]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _server_state(uri: str) -> dict[str, object]:
    """Every table with its row count and the version rows: what read-only must leave as it was."""
    engine = sqlalchemy.create_engine(uri)
    try:
        with engine.connect() as conn:
            tables = sorted(sqlalchemy.inspect(conn).get_table_names())
            q = "`" if engine.dialect.name == "mysql" else '"'
            counts = {t: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {q}{t}{q}").scalar() for t in tables}
            versions = [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
    finally:
        engine.dispose()
    return {"counts": counts, "versions": versions}


def _check_report(release: str, report) -> None:
    m = manifest(release)
    assert report.revision == m["tracking_revision"]
    assert report.status == "mlflow"
    assert report.written_by is not None and _in_range(report.written_by, release)
    head = installed_head("tracking")
    assert report.installed_head == head
    if report.revision == head:
        assert report.up_to_date and report.pending == []
    else:
        assert not report.up_to_date
        assert report.pending[-1].revision == head
        assert report.revision not in [p.revision for p in report.pending]
    for table, rows in m["table_counts"].items():
        if table in report.counts:
            assert report.counts[table].rows == rows, table
            assert report.counts[table].exact


def _in_range(written_by: str, release: str) -> bool:
    """``written_by`` is "a–b" or several such runs joined by ", "; is ``release`` inside one of them?"""
    from packaging.version import Version

    for run in written_by.split(", "):
        first, _, last = run.partition("–")
        if Version(first) <= Version(release) <= Version(last or first):
            return True
    return False


@pytest.mark.parametrize("release", FIXTURE_RELEASES)
def test_sqlite_fixture_reported_and_untouched(release: str, tmp_path: Path) -> None:
    uri = copy_sqlite_fixture(release, tmp_path)
    db = Path(uri.removeprefix("sqlite:///"))
    before = _digest(db)
    _check_report(release, inspect(uri).tracking)
    assert _digest(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]  # no -journal, -wal or -shm left


@pytest.mark.parametrize("release", FIXTURE_RELEASES)
@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_server_fixture_reported_and_untouched(release: str, dialect: str, request: pytest.FixtureRequest) -> None:
    uri = request.getfixturevalue("pg_uri" if dialect == "postgresql" else "mysql_uri")
    load_fixture_into(release, uri)
    before = _server_state(uri)
    _check_report(release, inspect(uri).tracking)
    assert _server_state(uri) == before


@pytest.mark.parametrize("release", AUTH_RELEASES)
def test_auth_database(release: str, tmp_path: Path, pg_uri: str) -> None:
    m = manifest(release)
    auth_db = tmp_path / "basic_auth.db"
    auth_db.write_bytes((fixture_dir(release) / "basic_auth.db").read_bytes())
    tracking = copy_sqlite_fixture(release, tmp_path / "t")
    snap = inspect(tracking, auth_uri=f"sqlite:///{auth_db}")
    assert snap.auth.revision == m["auth_revision"]
    assert snap.auth.version_table == m["auth_version_table"]
    assert snap.auth.counts["users"].rows == m["auth_table_counts"]["users"]
    load_auth_fixture_into(release, pg_uri)
    on_pg = inspect(tracking, auth_uri=pg_uri).auth
    assert on_pg.revision == m["auth_revision"]


@pytest.mark.parametrize("release", FIXTURE_RELEASES)
def test_file_store_summary(release: str) -> None:
    m = manifest(release)["file_store_counts"]
    fs = inspect(str(fixture_dir(release) / "mlruns")).filestore
    assert fs.experiments_active + fs.experiments_deleted == m["experiments"]
    assert fs.experiments_deleted == m["experiments_in_trash"]
    assert fs.runs == m["runs"]
    assert fs.metric_files == m["metric_files"]


def test_file_store_given_as_parent_folder_and_file_uri() -> None:
    root = fixture_dir("2.9.2")
    by_parent = inspect(str(root)).filestore
    by_uri = inspect((root / "mlruns").as_uri()).filestore
    assert by_parent.path == by_uri.path == str(root / "mlruns")


def test_cli_json_and_text(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    result = run_cli("inspect", uri, "--json")
    assert result.returncode == 0, result.output
    data = json.loads(result.stdout)
    assert data["tracking"]["revision"] == "97727af70f4d"
    assert data["tracking"]["would_migrate"] is True
    text = run_cli("inspect", uri)
    assert text.returncode == 0
    assert "97727af70f4d" in text.stdout and "pending migrations" in text.stdout


def test_example_store_is_bundled() -> None:
    result = run_cli("inspect", "--example", "--json")
    assert result.returncode == 0, result.output
    assert json.loads(result.stdout)["tracking"]["revision"] == "97727af70f4d"


def test_password_masked_in_json(pg_uri: str) -> None:
    load_fixture_into("2.9.2", pg_uri)
    url = sqlalchemy.engine.make_url(pg_uri).set(password="Top-Secret-9")
    # trust auth ignores the password: the connection works and the report must not echo it
    result = run_cli("inspect", url.render_as_string(hide_password=False), "--json")
    assert result.returncode == 0, result.output
    assert "Top-Secret-9" not in result.output
    assert ":***@" in json.loads(result.stdout)["store"]


def test_other_applications_tables_are_listed(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("2.22.5", tmp_path)
    engine = sqlalchemy.create_engine(uri)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE studies (study_id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("CREATE TABLE trials (trial_id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("CREATE TABLE version_info (version_info_id INTEGER PRIMARY KEY)")
    engine.dispose()
    report = inspect(uri).tracking
    assert report.foreign_tables == ["studies", "trials", "version_info"]
    assert report.foreign_apps == ["optuna"]
    assert any("other applications" in note for note in report.notes)


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_large_tables_use_flagged_estimates(dialect: str, request: pytest.FixtureRequest) -> None:
    from mlflow_upgrade.dialects import get_dialect
    from mlflow_upgrade.store.counts import count_rows

    uri = request.getfixturevalue("pg_uri" if dialect == "postgresql" else "mysql_uri")
    load_fixture_into("2.16.2", uri)
    engine = sqlalchemy.create_engine(uri)
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE" if dialect == "postgresql" else "ANALYZE TABLE metrics")
        exact = count_rows(conn, get_dialect(dialect), ["metrics"], exact=True)["metrics"]
        estimated = count_rows(conn, get_dialect(dialect), ["metrics"], threshold=1)["metrics"]
    engine.dispose()
    assert exact.exact and exact.rows == manifest("2.16.2")["table_counts"]["metrics"]
    assert not estimated.exact and estimated.rows > 0


def test_migration_outside_mlflow_upgrade_is_detected(empty_db_uri: str, tmp_path: Path) -> None:
    """The journal says mlflow-upgrade left the store at 2.9.2's head; a newer client then moved it on."""
    from mlflow_upgrade.store.journal import ensure_journal, record_finish, record_start

    release = "2.9.2"
    if empty_db_uri.startswith("sqlite"):
        uri = copy_sqlite_fixture(release, tmp_path)
    else:
        load_fixture_into(release, empty_db_uri)
        uri = empty_db_uri
    head_292 = manifest(release)["tracking_revision"]
    engine = sqlalchemy.create_engine(uri)
    with engine.begin() as conn:
        ensure_journal(conn)
        record_finish(conn, record_start(conn, "97727af70f4d", head_292), "ok")
    assert inspect(uri).tracking.outside_migration is None
    with engine.begin() as conn:  # what `mlflow db upgrade` / a newer server does behind our back
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '4465047574b1'")
    engine.dispose()
    report = inspect(uri).tracking
    assert report.outside_migration and "outside mlflow-upgrade" in report.outside_migration
    assert head_292 in report.outside_migration and "mlflow_upgrade_log" not in report.foreign_tables


def test_bare_path_to_a_sqlite_file_is_a_database(tmp_path: Path) -> None:
    path = copy_sqlite_fixture("2.9.2", tmp_path).removeprefix("sqlite:///")
    snap = inspect(path)
    assert snap.kind == "sqlite" and snap.tracking.revision == manifest("2.9.2")["tracking_revision"]
