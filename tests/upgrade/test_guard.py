"""``guard``: a server role made from the printed SQL can use MLflow normally but cannot migrate the database."""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path

import pytest
import sqlalchemy

from mlflow_upgrade import errors
from mlflow_upgrade.api import guard_sql
from mlflow_upgrade.upgrade import alembic_driver
from tests.cli_helpers import run_cli
from tests.conftest import MYSQL_ADMIN, PG_ADMIN
from tests.support.fixture_stores import load_fixture_into, table_counts
from tests.upgrade.runner_support import current_revision


def _run_sql(uri: str, sql: str) -> None:
    engine = sqlalchemy.create_engine(uri, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as conn:
        for statement in sql.split(";\n"):
            body = "\n".join(line for line in statement.splitlines() if not line.startswith("--")).strip()
            if body:
                # pymysql formats even an argument-less statement: a literal % must be doubled there.
                if engine.dialect.name == "mysql":
                    body = body.replace("%", "%%")
                conn.exec_driver_sql(body.rstrip(";"))
    engine.dispose()


def _as_role(uri: str, role: str, password: str) -> str:
    return sqlalchemy.make_url(uri).set(username=role, password=password).render_as_string(hide_password=False)


@pytest.fixture
def role_name(request: pytest.FixtureRequest) -> str:
    name = f"mlu_srv_{uuid.uuid4().hex[:8]}"
    yield name
    # Roles are server-wide: remove them whatever the test did.
    for admin, sql in ((PG_ADMIN, f'DROP OWNED BY "{name}" CASCADE'), (PG_ADMIN, f'DROP ROLE IF EXISTS "{name}"'),
                       (MYSQL_ADMIN, f"DROP USER IF EXISTS '{name}'@'%'")):
        with contextlib.suppress(Exception):
            _run_sql(admin, sql)


def _store(uri: str, tmp_path: Path):
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    return SqlAlchemyStore(uri, str(tmp_path / "artifacts"))


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_role_reads_and_writes_a_current_store(dialect: str, role_name: str, request: pytest.FixtureRequest,
                                               tmp_path: Path) -> None:
    uri = request.getfixturevalue("pg_uri" if dialect == "postgresql" else "mysql_uri")
    load_fixture_into("3.17.2", uri)
    _run_sql(uri, guard_sql(uri, role_name, password="s3cret"))
    store = _store(_as_role(uri, role_name, "s3cret"), tmp_path)
    from mlflow.entities import Metric

    exp_id = store.create_experiment(f"guarded-{role_name}")
    run = store.create_run(exp_id, user_id="u", start_time=1, tags=[], run_name="r")
    store.log_metric(run.info.run_id, Metric("loss", 0.5, 1, 0))
    assert store.get_run(run.info.run_id).data.metrics == {"loss": 0.5}
    assert store.search_experiments()


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_role_cannot_migrate_an_old_store(dialect: str, role_name: str, request: pytest.FixtureRequest,
                                          tmp_path: Path) -> None:
    uri = request.getfixturevalue("pg_uri" if dialect == "postgresql" else "mysql_uri")
    load_fixture_into("2.16.2", uri)
    before = table_counts(uri)
    revision = current_revision(uri)
    _run_sql(uri, guard_sql(uri, role_name, password="s3cret"))
    with pytest.raises(Exception) as info:  # MLflow fails loudly at startup instead of migrating
        _store(_as_role(uri, role_name, "s3cret"), tmp_path)
    text = str(info.value).lower()
    assert "denied" in text or "must be owner" in text or "permission" in text, text[:500]
    assert current_revision(uri) == revision
    assert table_counts(uri) == before  # no table created, nothing half applied
    assert revision != alembic_driver.head("tracking")


def test_guard_cli_renders_both_dialects_without_connecting() -> None:
    pg = run_cli("guard", "--dialect", "postgresql", "--database", "mlflow", "--role", "mlflow_srv")
    assert pg.returncode == 0, pg.output
    assert 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "public" TO "mlflow_srv"' in pg.stdout
    assert "CREATE ON" not in pg.stdout.replace("REVOKE CREATE ON", "")
    my = run_cli("guard", "mysql://admin:hunter2@db.example/mlflow", "--role", "mlflow_srv")
    assert my.returncode == 0, my.output
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON `mlflow`.* TO 'mlflow_srv'@'%'" in my.stdout
    assert "hunter2" not in my.output
    bad = run_cli("guard", "sqlite:////tmp/x.db", "--role", "r")
    assert bad.returncode == errors.ExitCode.USAGE
