"""Malformed URIs (docs/security.md, U-cases): one line naming the problem, the password masked, exit 2."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy

from mlflow_upgrade.errors import ExitCode
from tests.cli_helpers import run_cli
from tests.conftest import MYSQL_ADMIN

SECRET = "Zq7-secret-Xw"


@pytest.mark.parametrize("scheme", ["postgresql", "mysql+pymysql"])
@pytest.mark.parametrize(("authority", "problem"), [
    (f"u:{SECRET}@[::1", "'[' without ']'"),
    (f"u:{SECRET}@host]", "stray '[' or ']'"),
    (f"u:{SECRET}@host:abc", "port is not a number"),
    (f"u:{SECRET[:4]}@{SECRET[4:]}@host", "raw '@'"),
    (f"u:{SECRET[:4]}@{SECRET[4:8]}:{SECRET[8:]}@host", "raw '@'"),
])
@pytest.mark.parametrize("verb", ["inspect", "backup", "verify"])
def test_malformed_server_uri(scheme: str, authority: str, problem: str, verb: str) -> None:
    result = run_cli(verb, f"{scheme}://{authority}/db")
    assert result.returncode == ExitCode.USAGE, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "malformed database URI" in lines[0] and problem in lines[0]
    assert "unexpected error" not in result.output
    for part in (SECRET, SECRET[:4], SECRET[4:8], SECRET[8:]):
        assert part not in result.output


@pytest.mark.parametrize("uri", ["sqlite:///[no-such-dir/mlflow.db", "file:///tmp/[x", "./mlruns[/x"])
def test_odd_sqlite_and_file_paths_are_paths(uri: str) -> None:
    """SQLite and file stores name paths: a bracket is a character of the name, never a crash."""
    result = run_cli("inspect", uri)
    assert result.returncode == ExitCode.NOT_FOUND, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "unexpected error" not in result.output


@pytest.fixture
def unprivileged_mysql_user() -> Iterator[str]:
    admin = sqlalchemy.create_engine(MYSQL_ADMIN, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
    user = f"mlu_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        for host in ("%%", "localhost"):
            conn.exec_driver_sql(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{SECRET}'")
    try:
        yield user
    finally:
        with admin.connect() as conn:
            for host in ("%%", "localhost"):
                conn.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'{host}'")
        admin.dispose()


def test_mysql_database_missing_or_invisible(unprivileged_mysql_user: str) -> None:
    user = unprivileged_mysql_user
    result = run_cli("inspect", f"mysql+pymysql://{user}:{SECRET}@127.0.0.1:3306/no_such_db_{uuid.uuid4().hex[:6]}")
    assert result.returncode == ExitCode.NOT_FOUND, result.output
    assert "does not exist" in result.stderr and f"user '{user}' may not see it" in result.stderr
    assert "authentication failed" not in result.output and SECRET not in result.output
    wrong = run_cli("inspect", f"mysql+pymysql://{user}:wrong-{SECRET}@127.0.0.1:3306/test")
    assert wrong.returncode == ExitCode.CONNECTION and "authentication failed" in wrong.stderr
