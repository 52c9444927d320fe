"""Bad input to ``inspect``: one clear line, a documented exit code, nothing changed, no password shown."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy

from mlflow_upgrade.errors import ExitCode
from tests.cli_helpers import run_cli


def _assert_one_line_error(result, code: int, *needles: str) -> None:
    assert result.returncode == code, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_missing_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "missing.db"
    result = run_cli("inspect", f"sqlite:///{db}")
    _assert_one_line_error(result, ExitCode.NOT_FOUND, "does not exist")
    assert not db.exists()  # opening read-only never creates the file


def test_not_a_database(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_text("just some text, not a database\n" * 50)
    before = _digest(db)
    result = run_cli("inspect", f"sqlite:///{db}")
    _assert_one_line_error(result, ExitCode.NOT_MLFLOW, "not a SQLite database")
    assert _digest(db) == before


def test_empty_sqlite_database(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    sqlite3.connect(db).close()
    result = run_cli("inspect", f"sqlite:///{db}")
    _assert_one_line_error(result, ExitCode.NOT_MLFLOW, "is empty")


def test_foreign_database(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    before = _digest(db)
    result = run_cli("inspect", f"sqlite:///{db}")
    _assert_one_line_error(result, ExitCode.NOT_MLFLOW, "none of its 1 tables are MLflow's")
    assert _digest(db) == before


def test_optuna_owns_alembic_version(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    with sqlite3.connect(db) as conn:
        for table in ("experiments", "runs", "metrics", "params", "tags", "studies", "trials", "version_info"):
            conn.execute(f"CREATE TABLE {table} (id INTEGER)")
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('v3.2.0.a')")
    result = run_cli("inspect", f"sqlite:///{db}")
    _assert_one_line_error(result, ExitCode.NOT_MLFLOW, "v3.2.0.a", "optuna")


def test_revision_newer_than_installed(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    with sqlite3.connect(db) as conn:
        for table in ("experiments", "runs", "metrics", "params", "tags"):
            conn.execute(f"CREATE TABLE {table} (id INTEGER)")
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('0123456789ab')")
    result = run_cli("inspect", f"sqlite:///{db}")
    _assert_one_line_error(result, ExitCode.TOO_NEW, "0123456789ab", "written by an MLflow newer than the installed", "pip install -U mlflow mlflow-upgrade")


def test_half_created_schema(tmp_path: Path) -> None:
    db = tmp_path / "half.db"
    with sqlite3.connect(db) as conn:
        for table in ("experiments", "runs", "metrics"):
            conn.execute(f"CREATE TABLE {table} (id INTEGER)")
    result = run_cli("inspect", f"sqlite:///{db}")
    _assert_one_line_error(result, ExitCode.NOT_MLFLOW, "half-created")


def test_unreachable_host_masks_password() -> None:
    result = run_cli("inspect", "postgresql://alice:s3cret-pw@127.0.0.1:1/mlflow")
    _assert_one_line_error(result, ExitCode.CONNECTION, "cannot reach", "alice:***@")
    assert "s3cret-pw" not in result.output


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_wrong_password(dialect: str, request: pytest.FixtureRequest) -> None:
    uri = request.getfixturevalue("pg_uri" if dialect == "postgresql" else "mysql_uri")
    url = sqlalchemy.engine.make_url(uri)
    admin = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    user = f"mlu_pw_{url.database[-8:]}"
    with admin.connect() as conn:
        if dialect == "postgresql":
            # trust auth accepts any password over TCP for existing users, so use a missing role's name
            wrong = url.set(username=f"{user}_nobody", password="Wr0ng-pw").render_as_string(hide_password=False)
        else:
            conn.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY 'right-pw'")
            wrong = url.set(username=user, password="Wr0ng-pw").render_as_string(hide_password=False)
    try:
        result = run_cli("inspect", wrong)
        _assert_one_line_error(result, ExitCode.CONNECTION)
        assert "Wr0ng-pw" not in result.output
    finally:
        if dialect == "mysql":
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP USER '{user}'@'%%'")
        admin.dispose()


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_missing_server_database(dialect: str) -> None:
    uri = {
        "postgresql": "postgresql://postgres@127.0.0.1:5432/mlu_no_such_db",
        "mysql": "mysql://root@127.0.0.1:3306/mlu_no_such_db",
    }[dialect]
    result = run_cli("inspect", uri)
    _assert_one_line_error(result, ExitCode.NOT_FOUND, "does not exist")


def test_empty_server_database(empty_db_uri: str) -> None:
    if empty_db_uri.startswith("sqlite"):
        sqlite3.connect(empty_db_uri.removeprefix("sqlite:///")).close()
    result = run_cli("inspect", empty_db_uri)
    _assert_one_line_error(result, ExitCode.NOT_MLFLOW, "is empty")


def test_mssql_without_driver_says_what_to_install() -> None:
    result = run_cli("inspect", "mssql://sa:Secret-1@127.0.0.1:1433/mlflow")
    assert result.returncode == ExitCode.CONNECTION
    assert "pip install" in result.stderr and "Secret-1" not in result.output


def test_unsupported_scheme() -> None:
    result = run_cli("inspect", "oracle://scott:tiger@db/orcl")
    _assert_one_line_error(result, ExitCode.USAGE, "unsupported store URI scheme", "scott:***@")


def test_missing_file_store(tmp_path: Path) -> None:
    result = run_cli("inspect", str(tmp_path / "mlruns"))
    _assert_one_line_error(result, ExitCode.NOT_FOUND, "does not exist")


def test_directory_that_is_not_a_file_store(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "README").write_text("hi")
    result = run_cli("inspect", str(tmp_path))
    _assert_one_line_error(result, ExitCode.NOT_MLFLOW, "not an MLflow file store")


def test_no_uri_is_a_usage_error() -> None:
    result = run_cli("inspect")
    _assert_one_line_error(result, ExitCode.USAGE, "give a store URI")


@pytest.mark.parametrize("verb", ["upgrade", "plan", "backup", "verify"])
def test_database_verbs_refuse_file_stores_and_plain_files(verb: str, tmp_path: Path) -> None:
    (tmp_path / "mlruns" / "0").mkdir(parents=True)
    (tmp_path / "mlruns" / "0" / "meta.yaml").write_text("experiment_id: '0'\nname: Default\n")
    _assert_one_line_error(run_cli(verb, str(tmp_path / "mlruns")), ExitCode.USAGE, "is a file store")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a store")
    _assert_one_line_error(run_cli(verb, str(notes)), ExitCode.USAGE, "neither a database URI")
    assert notes.read_text() == "not a store"
