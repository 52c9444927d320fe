"""Preflight checks on real databases: connections, privileges, disk space, foreign alembic_version,
half-applied revisions, too-new databases."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
import sqlalchemy

from mlflow_upgrade import errors
from mlflow_upgrade.upgrade import preflight as pf
from mlflow_upgrade.upgrade.preflight import preflight
from mlflow_upgrade.upgrade.runner import upgrade
from tests.conftest import PG_ADMIN
from tests.support.fixture_stores import copy_sqlite_fixture, load_fixture_into


def _exec(uri: str, *statements: str) -> None:
    engine = sqlalchemy.create_engine(uri, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as conn:
        for s in statements:
            conn.exec_driver_sql(s)
    engine.dispose()


def test_clean_sqlite_store_passes(tmp_path: Path) -> None:
    report = preflight(copy_sqlite_fixture("1.30.1", tmp_path))
    assert report.ok, report.to_dict()
    assert {c.name for c in report.checks} == {"version_table", "mlflow_version", "connections", "privileges",
                                              "disk_space", "half_applied", "conflicts", "foreign_tables",
                                              "interrupted_run", "case_only_versions"}


def test_sqlite_lock_held_by_another_process_fails(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    holder = sqlite3.connect(uri.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        report = preflight(uri)
        assert report.check("connections").status == pf.FAIL
        with pytest.raises(errors.PreflightFailed, match="--allow-connections"):
            report.raise_for_failures()
        assert preflight(uri, allow_connections=True).check("connections").status == pf.WARN
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_other_connections_fail_unless_allowed(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    uri = request.getfixturevalue("pg_uri" if dialect == "postgresql" else "mysql_uri")
    load_fixture_into("2.16.2", uri)
    assert preflight(uri).check("connections").status == pf.OK
    other = sqlalchemy.create_engine(uri, poolclass=sqlalchemy.pool.NullPool)
    with other.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
        report = preflight(uri)
        assert report.check("connections").status == pf.FAIL, report.check("connections")
        with pytest.raises(errors.PreflightFailed) as info:
            upgrade(uri, backup_dir=tmp_path / "bk")
        assert info.value.exit_code == errors.ExitCode.PREFLIGHT
        assert preflight(uri, allow_connections=True).check("connections").status == pf.WARN
    other.dispose()


def test_postgres_non_owner_lacks_privileges(pg_uri: str) -> None:
    load_fixture_into("2.16.2", pg_uri)
    role = f"mlu_ro_{uuid.uuid4().hex[:8]}"
    db = sqlalchemy.make_url(pg_uri).database
    _exec(pg_uri, f"CREATE ROLE {role} LOGIN", f'GRANT CONNECT ON DATABASE "{db}" TO {role}',
          f"GRANT USAGE ON SCHEMA public TO {role}", f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    try:
        as_role = sqlalchemy.make_url(pg_uri).set(username=role).render_as_string(hide_password=False)
        check = preflight(as_role).check("privileges")
        assert check.status == pf.FAIL and "owned by another role" in check.message
        assert preflight(pg_uri).check("privileges").status == pf.OK
    finally:
        _exec(pg_uri, f"DROP OWNED BY {role}")
        _exec(PG_ADMIN, f"DROP ROLE IF EXISTS {role}")


def test_mysql_user_without_alter_fails(mysql_uri: str) -> None:
    load_fixture_into("2.16.2", mysql_uri)
    user = f"mlu_ro_{uuid.uuid4().hex[:8]}"
    db = sqlalchemy.make_url(mysql_uri).database
    _exec(mysql_uri, f"CREATE USER '{user}'@'%%' IDENTIFIED BY 'pw'", f"GRANT SELECT, INSERT ON `{db}`.* TO '{user}'@'%%'")
    try:
        as_user = sqlalchemy.make_url(mysql_uri).set(username=user, password="pw").render_as_string(
            hide_password=False)
        check = preflight(as_user).check("privileges")
        assert check.status == pf.FAIL and "ALTER" in check.message
        assert preflight(mysql_uri).check("privileges").status == pf.OK
    finally:
        _exec(mysql_uri, f"DROP USER IF EXISTS '{user}'@'%%'")


def test_disk_space_too_small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    real = shutil.disk_usage
    monkeypatch.setattr(pf.shutil, "disk_usage", lambda p: real(p)._replace(free=10_000))
    check = preflight(uri, backup_dir=tmp_path / "bk").check("disk_space")
    assert check.status == pf.FAIL and "--backup-dir" in check.message
    assert preflight(uri, no_backup=True).check("disk_space").status == pf.FAIL  # table rebuilds need room too


def test_optuna_in_alembic_version_is_refused(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    _exec(uri, "UPDATE alembic_version SET version_num = 'v3.2.0.a'",
          "CREATE TABLE studies (study_id INTEGER PRIMARY KEY)", "CREATE TABLE trials (trial_id INTEGER PRIMARY KEY)",
          "CREATE TABLE version_info (version_info_id INTEGER PRIMARY KEY)")
    report = preflight(uri)
    check = report.check("version_table")
    assert check.status == pf.FAIL and "optuna" in check.message and "own database" in check.message
    with pytest.raises(errors.PreflightFailed, match="version_table"):
        report.raise_for_failures()


def test_half_applied_revision_on_mysql(mysql_uri: str, tmp_path: Path) -> None:
    load_fixture_into("3.0.1", mysql_uri)
    # What a failed run of cbc13b556ace ... a1b2c3d4e5f6 leaves on MariaDB: the first revision's column exists.
    _exec(mysql_uri, "ALTER TABLE trace_info ADD COLUMN client_request_id VARCHAR(50)")
    report = preflight(mysql_uri)
    check = report.check("half_applied")
    assert check.status == pf.FAIL and "trace_info.client_request_id" in check.message
    assert report.half_applied["revision"] == "cbc13b556ace"
    with pytest.raises(errors.PreflightFailed, match="half applied"):
        upgrade(mysql_uri, backup_dir=tmp_path / "bk")


def test_too_new_database_names_the_mlflow_needed(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("3.17.2", tmp_path)
    _exec(uri, "UPDATE alembic_version SET version_num = 'abcdefabcdef'")
    report = preflight(uri)
    assert report.check("mlflow_version").status == pf.FAIL
    with pytest.raises(errors.StoreTooNew):
        report.raise_for_failures()


def test_tracking_tables_without_revision_are_refused(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    _exec(uri, "DELETE FROM alembic_version")
    with pytest.raises(errors.NotAnMlflowStore, match="no revision"):
        preflight(uri)
