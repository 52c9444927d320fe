"""``privileges``: a user who cannot ALTER MLflow's tables fails the check (PostgreSQL, MariaDB)."""

from __future__ import annotations

import uuid

import sqlalchemy

from mlflow_upgrade.upgrade import preflight as pf
from mlflow_upgrade.upgrade.preflight import preflight
from tests.conftest import PG_ADMIN
from tests.support.fixture_stores import load_fixture_into
from tests.upgrade.preflight.support import execute as _exec


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
