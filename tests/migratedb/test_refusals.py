"""Bad input to migrate-db: one clear line each, the documented exit code, nothing written anywhere."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from mlflow_upgrade.errors import ExitCode
from tests.migratedb.support import cli, source_store, table_names
from tests.support.fixture_stores import copy_auth_fixture, copy_sqlite_fixture


def _sqlite(uri: str) -> sqlite3.Connection:
    return sqlite3.connect(uri.removeprefix("sqlite:///"))


def _one_line_error(result, code: int, *words: str) -> None:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("mlflow-upgrade: error:"), result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "dest.db"


def test_source_not_mlflow(tmp_path: Path, dest: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE foo (x INTEGER)")
    _one_line_error(cli(f"sqlite:///{other}", f"sqlite:///{dest}"), ExitCode.NOT_MLFLOW, "not an MLflow")
    assert not dest.exists()


def test_source_newer_than_installed_mlflow(tmp_path: Path, dest: Path) -> None:
    src = copy_sqlite_fixture("3.17.2", tmp_path)
    with _sqlite(src) as con:
        con.execute("UPDATE alembic_version SET version_num = 'f4a9b2c7d1e6'")  # MLflow 3.18.0's head
    _one_line_error(cli(src, f"sqlite:///{dest}"), ExitCode.TOO_NEW, "f4a9b2c7d1e6")
    assert not dest.exists()


def test_source_shared_with_another_application(tmp_path: Path, dest: Path) -> None:
    src = copy_sqlite_fixture("1.30.1", tmp_path)
    with _sqlite(src) as con:
        con.execute("CREATE TABLE celery_taskmeta (id INTEGER PRIMARY KEY, status TEXT)")
    _one_line_error(cli(src, f"sqlite:///{dest}"), ExitCode.REFUSED, "celery_taskmeta", "another application")
    assert not dest.exists()


def test_destination_not_empty(tmp_path: Path) -> None:
    src = copy_sqlite_fixture("1.30.1", tmp_path)
    full = copy_sqlite_fixture("2.9.2", tmp_path)
    before = Path(full.removeprefix("sqlite:///")).read_bytes()
    _one_line_error(cli(src, full), ExitCode.REFUSED, "not empty")
    assert Path(full.removeprefix("sqlite:///")).read_bytes() == before


def test_same_database_twice(tmp_path: Path, pg_uri: str) -> None:
    src = copy_sqlite_fixture("1.30.1", tmp_path)
    _one_line_error(cli(src, src), ExitCode.USAGE, "same database")
    other_spelling = pg_uri.replace("127.0.0.1", "localhost")
    _one_line_error(cli(pg_uri, other_spelling), ExitCode.USAGE, "same database")


def test_destination_unreachable(tmp_path: Path) -> None:
    src = copy_sqlite_fixture("1.30.1", tmp_path)
    result = cli(src, "postgresql://mlflow:s3cret@127.0.0.1:1/mlflow")
    _one_line_error(result, ExitCode.CONNECTION, "cannot reach")
    assert "s3cret" not in result.stderr + result.stdout


def test_destination_without_privileges(tmp_path: Path, pg_uri: str) -> None:
    """PostgreSQL 15+: a role that may connect but not create in the public schema."""
    role = "mlu_nopriv_" + Path(tmp_path).name[-6:].replace("-", "_")
    admin = sa.create_engine(pg_uri, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        conn.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    try:
        limited = sa.make_url(pg_uri).set(username=role).render_as_string(hide_password=False)
        src = copy_sqlite_fixture("1.30.1", tmp_path)
        _one_line_error(cli(src, limited), ExitCode.PREFLIGHT, "no privilege", "nothing was written")
        assert table_names(pg_uri) == []
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
        admin.dispose()


def test_values_the_destination_cannot_hold(tmp_path: Path, mysql_uri: str) -> None:
    """An experiment id over 2^31-1 (SQLite's INTEGER is 64-bit) and a param longer than VARCHAR(500): listed,
    refused before any row is written, the destination left empty."""
    src = copy_sqlite_fixture("1.30.1", tmp_path)
    with _sqlite(src) as con:
        con.execute("INSERT INTO experiments (experiment_id, name, lifecycle_stage) VALUES (?, 'huge', 'active')",
                    (2**31,))
        run = con.execute("SELECT run_uuid FROM runs LIMIT 1").fetchone()[0]
        con.execute("INSERT INTO params VALUES ('long', ?, ?)", ("x" * 501, run))
    result = cli(src, mysql_uri, "--json")
    assert result.returncode == ExitCode.PREFLIGHT, result.stderr
    assert "experiments.experiment_id: 1 row(s) outside the destination's 32-bit integer column" in result.stderr
    assert "params.value: 1 row(s) longer than the destination's 500 characters" in result.stderr
    assert "nothing was written" in result.stderr
    assert table_names(mysql_uri) == []


def test_auth_db_into_mariadb_is_refused(tmp_path: Path, mysql_uri: str, dest: Path) -> None:
    src = copy_sqlite_fixture("2.16.2", tmp_path)
    auth = copy_auth_fixture("2.16.2", tmp_path)
    _one_line_error(cli(src, f"sqlite:///{dest}", "--auth", auth, mysql_uri), ExitCode.USAGE, "mlflow/mlflow#9642")
    assert not dest.exists()
    assert table_names(mysql_uri) == []


def test_file_store_source_points_to_migrate_filestore(tmp_path: Path, dest: Path) -> None:
    (tmp_path / "mlruns").mkdir()
    _one_line_error(cli(str(tmp_path / "mlruns"), f"sqlite:///{dest}"), ExitCode.USAGE, "migrate-filestore")


def test_experiment_id_over_32_bits_into_postgresql(tmp_path: Path, pg_uri: str) -> None:
    """SQLite's INTEGER holds 64 bits, PostgreSQL's experiment_id 32: refused before any row is written."""
    src = copy_sqlite_fixture("2.9.2", tmp_path)
    with _sqlite(src) as con:
        con.execute("INSERT INTO experiments (experiment_id, name, lifecycle_stage) VALUES (?, 'huge', 'active')",
                    (2**40,))
    result = cli(src, pg_uri)
    _one_line_error(result, ExitCode.PREFLIGHT, "experiments.experiment_id: 1 row(s) outside the destination's "
                    "32-bit integer column (e.g. 1099511627776)", "nothing was written")
    assert table_names(pg_uri) == []


def test_text_longer_than_a_mariadb_column(tmp_path: Path, pg_uri: str, mysql_uri: str) -> None:
    """PostgreSQL's TEXT is unlimited, MariaDB's holds 65,535 bytes: a 70,000-byte model version tag from a
    PostgreSQL store is named before anything is written to MariaDB."""
    src = source_store("3.0.1", "postgresql", tmp_path, pg_uri, mysql_uri)
    engine = sa.create_engine(src, poolclass=NullPool)
    with engine.begin() as conn:
        name, version = conn.exec_driver_sql("SELECT name, version FROM model_versions LIMIT 1").one()
        conn.exec_driver_sql("INSERT INTO model_version_tags (key, value, name, version) VALUES ('huge', %s, %s, %s)",
                             ("é" * 35_000, name, version))
    engine.dispose()
    result = cli(src, mysql_uri)
    _one_line_error(result, ExitCode.PREFLIGHT, "model_version_tags.value: 1 row(s) longer than the destination's "
                    "65535 bytes", "nothing was written")
    assert table_names(mysql_uri) == []


def _server(uri: str, *statements: str) -> None:
    engine = sa.create_engine(uri, poolclass=NullPool)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement, execution_options={"no_parameters": True})
    engine.dispose()


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_server_destination_not_empty(dialect: str, tmp_path: Path, pg_uri: str, mysql_uri: str) -> None:
    dest = {"postgresql": pg_uri, "mysql": mysql_uri}[dialect]
    _server(dest, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)", "INSERT INTO invoices VALUES (1)")
    _one_line_error(cli(copy_sqlite_fixture("1.30.1", tmp_path), dest), ExitCode.REFUSED, "not empty", "invoices")
    assert table_names(dest) == ["invoices"]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_server_source_not_mlflow(dialect: str, tmp_path: Path, pg_uri: str, mysql_uri: str, dest: Path) -> None:
    src = {"postgresql": pg_uri, "mysql": mysql_uri}[dialect]
    _server(src, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    _one_line_error(cli(src, f"sqlite:///{dest}"), ExitCode.NOT_MLFLOW, "not an MLflow")
    assert not dest.exists()


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_server_source_shared_or_too_new(dialect: str, tmp_path: Path, pg_uri: str, mysql_uri: str,
                                         dest: Path) -> None:
    """A store on a server sharing its database with another application, then one newer than the installed
    MLflow: refused, nothing written, the source untouched."""
    src = source_store("1.30.1", dialect, tmp_path, pg_uri, mysql_uri)
    _server(src, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    _one_line_error(cli(src, f"sqlite:///{dest}"), ExitCode.REFUSED, "another application", "invoices")
    assert not dest.exists()
    _server(src, "DROP TABLE invoices", "UPDATE alembic_version SET version_num = 'f4a9b2c7d1e6'")
    _one_line_error(cli(src, f"sqlite:///{dest}"), ExitCode.TOO_NEW, "f4a9b2c7d1e6")
    assert not dest.exists()


def test_mariadb_destination_without_privileges(tmp_path: Path, mysql_uri: str) -> None:
    """A MariaDB user that may read the destination database but not create tables in it."""
    user = "mlu_ro_" + Path(tmp_path).name[-6:].replace("-", "_")
    database = sa.make_url(mysql_uri).database
    _server(mysql_uri, f"CREATE USER '{user}'@'%' IDENTIFIED BY 'pw'", f"GRANT SELECT ON `{database}`.* TO '{user}'@'%'")
    try:
        limited = sa.make_url(mysql_uri).set(username=user, password="pw").render_as_string(hide_password=False)
        result = cli(copy_sqlite_fixture("1.30.1", tmp_path), limited)
        _one_line_error(result, ExitCode.PREFLIGHT, "no privilege", "nothing was written")
        assert "pw@" not in result.stderr
        assert table_names(mysql_uri) == []
    finally:
        _server(mysql_uri, f"DROP USER '{user}'@'%'")
