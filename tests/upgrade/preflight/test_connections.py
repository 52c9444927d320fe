"""``connections``: another process or session on the store fails the check unless allowed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy

from mlflow_upgrade import errors
from mlflow_upgrade.upgrade import preflight as pf
from mlflow_upgrade.upgrade.preflight import preflight
from mlflow_upgrade.upgrade.runner import upgrade
from tests.support.fixture_stores import copy_sqlite_fixture, load_fixture_into


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
