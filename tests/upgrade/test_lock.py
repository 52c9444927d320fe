"""One upgrade at a time, and every other session seen: the run lock and the connections check."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy

from mlflow_upgrade import errors
from mlflow_upgrade.dialects.sqlite import LOCK_SUFFIX
from mlflow_upgrade.upgrade import alembic_driver
from mlflow_upgrade.upgrade.preflight import FAIL, WARN, preflight
from tests.cli_helpers import run_cli
from tests.support.fixture_stores import copy_sqlite_fixture, load_fixture_into
from tests.upgrade.faults import execute, run_paused
from tests.upgrade.runner_support import current_revision

HEAD = alembic_driver.head("tracking")


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_two_runs_at_once_exactly_one_proceeds(dialect: str, request: pytest.FixtureRequest,
                                                tmp_path: Path) -> None:
    if dialect == "sqlite":
        uri = copy_sqlite_fixture("1.30.1", tmp_path)
    else:
        uri = request.getfixturevalue("pg_uri" if dialect == "postgresql" else "mysql_uri")
        load_fixture_into("1.30.1", uri)
    second: list = []

    def run_second(proc) -> None:  # the first run holds the lock (paused before its backup)
        second.append(run_cli("upgrade", uri, "--backup-dir", str(tmp_path / "bk2"), "--no-progress"))

    first = run_paused(["upgrade", uri, "--backup-dir", str(tmp_path / "bk1"), "--no-progress"], "backup",
                       run_second)
    assert first.returncode == 0, first.output[-3000:]
    other = second[0]
    assert other.returncode == errors.ExitCode.REFUSED, other.output[-3000:]
    assert "another upgrade of" in other.stderr and "is running" in other.stderr
    holder = "server connection" if dialect == "mysql" else "mlflow-upgrade pid="
    assert holder in other.stderr, other.stderr
    assert not (tmp_path / "bk2").exists()
    assert current_revision(uri) == HEAD
    if dialect == "sqlite":
        db = Path(sqlalchemy.make_url(uri).database)
        assert not db.with_name(db.name + LOCK_SUFFIX).exists()  # released and removed at the end


def test_a_symlinked_lock_file_is_refused(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    db = Path(sqlalchemy.make_url(uri).database)
    db.with_name(db.name + LOCK_SUFFIX).symlink_to(victim)
    res = run_cli("upgrade", uri, "--backup-dir", str(tmp_path / "bk"), "--no-progress")
    assert res.returncode == errors.ExitCode.REFUSED and "symbolic link" in res.stderr, res.output[-2000:]
    assert victim.read_text() == "keep me" and current_revision(uri) == "97727af70f4d"


def test_postgres_sessions_of_other_roles_are_counted(pg_uri: str) -> None:
    """A non-superuser sees other roles' sessions with backend_type NULL: they still count."""
    load_fixture_into("1.30.1", pg_uri)
    tool, other = f"mlu_tool_{uuid.uuid4().hex[:6]}", f"mlu_other_{uuid.uuid4().hex[:6]}"
    execute(pg_uri, f"CREATE ROLE {tool} LOGIN", f"CREATE ROLE {other} LOGIN",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {tool}")
    url = sqlalchemy.make_url(pg_uri)
    engine = sqlalchemy.create_engine(url.set(username=other), poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect():
            check = preflight(url.set(username=tool).render_as_string(hide_password=False)).check("connections")
        assert check.status == FAIL, check.message
        assert f"{other}@" in check.message
    finally:
        engine.dispose()
        execute(pg_uri, f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {tool}", f"DROP ROLE {tool}",
                f"DROP ROLE {other}")


def test_mysql_user_that_cannot_see_other_sessions_is_warned(mysql_uri: str) -> None:
    load_fixture_into("1.30.1", mysql_uri)
    user = f"mlu_np_{uuid.uuid4().hex[:6]}"
    url = sqlalchemy.make_url(mysql_uri)
    execute(mysql_uri, f"CREATE USER '{user}'@'%%'", f"GRANT ALL PRIVILEGES ON `{url.database}`.* TO '{user}'@'%%'")
    try:
        check = preflight(url.set(username=user).render_as_string(hide_password=False)).check("connections")
        assert check.status == WARN and "PROCESS" in check.message
    finally:
        execute(mysql_uri, f"DROP USER '{user}'@'%%'")
