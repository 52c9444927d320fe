"""Shared test fixtures: fresh, uniquely named databases on the three real dialects.

PostgreSQL (127.0.0.1:5432, user postgres, trust auth) and MariaDB (127.0.0.1:3306, root, no password) are real
servers; each test gets its own database and drops it afterwards. Tests never mock a database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy

FIXTURES = Path(__file__).parent / "fixtures"

PG_ADMIN = os.environ.get("MLFLOW_UPGRADE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MYSQL_ADMIN = os.environ.get("MLFLOW_UPGRADE_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")
DIALECTS = ("sqlite", "postgresql", "mysql")


def pytest_configure(config: pytest.Config) -> None:
    """Code under test that falls back to MLflow's default tracking URI must not write ./mlflow.db or ./mlruns
    into the checkout: point the default at a throw-away directory for the whole session."""
    import tempfile

    if "MLFLOW_TRACKING_URI" not in os.environ:
        scratch = Path(tempfile.mkdtemp(prefix="mlu-tracking-"))
        os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{scratch / 'default.db'}"
    # Where the machine sets PYTHONDONTWRITEBYTECODE, every MLflow the suite starts from a release venv or from
    # .cache/mlflow-next (neither ships bytecode) compiled MLflow from source again: 10-16 s of CPU per server or
    # client. Unset here (before pytest-xdist starts its workers), the first process writes the bytecode and the
    # next ones load it. Only start-up changes: the same code runs.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def _unique_name(prefix: str = "mlu") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def _server_database(admin_url: str, name: str) -> Iterator[str]:
    admin = sqlalchemy.engine.make_url(admin_url)
    engine = sqlalchemy.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
    quote = '"' if admin.get_backend_name() == "postgresql" else "`"
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {quote}{name}{quote}")
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            if admin.get_backend_name() == "postgresql":
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        engine.dispose()


@pytest.fixture
def pg_uri() -> Iterator[str]:
    """URI of a new, empty PostgreSQL database (dropped after the test)."""
    yield from _server_database(PG_ADMIN, _unique_name())


@pytest.fixture
def mysql_uri() -> Iterator[str]:
    """URI of a new, empty MariaDB/MySQL database (dropped after the test)."""
    yield from _server_database(MYSQL_ADMIN, _unique_name())


@pytest.fixture
def sqlite_uri(tmp_path: Path) -> str:
    """URI of a not-yet-existing SQLite file in the test's temporary directory."""
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


@pytest.fixture(params=DIALECTS)
def empty_db_uri(request: pytest.FixtureRequest) -> str:
    """An empty database on each of the three dialects in turn."""
    return request.getfixturevalue({"sqlite": "sqlite_uri", "postgresql": "pg_uri", "mysql": "mysql_uri"}[
        request.param
    ])
