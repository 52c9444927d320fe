"""Read what schema a database holds, without writing anything and without MLflow's store classes.

MLflow keeps the tracking schema's Alembic revision in ``alembic_version``. The basic-auth app keeps its own in
``alembic_version_auth`` since MLflow 3.6 and in ``alembic_version`` before (usually a separate database). Other
applications use the same default table name (Optuna: ``alembic_version`` with ``v3.2.0.a``-style revisions), so
a revision is only trusted as MLflow's when the catalog or the installed MLflow knows it.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from functools import cache

import sqlalchemy
from sqlalchemy.engine import Connection, Engine

from mlflow_upgrade.catalog import installed_script_dir, load_catalog

TRACKING = "tracking"
AUTH = "auth"

# The Alembic version tables, named here only: MLflow's own table per database, then where each database's
# revision may be found (a legacy basic-auth DB, MLflow < 3.6, keeps its revision in ``alembic_version``).
TRACKING_VERSION_TABLE = "alembic_version"
AUTH_VERSION_TABLE = "alembic_version_auth"
VERSION_TABLE = {TRACKING: TRACKING_VERSION_TABLE, AUTH: AUTH_VERSION_TABLE}
ALL_VERSION_TABLES = (TRACKING_VERSION_TABLE, AUTH_VERSION_TABLE)
VERSION_TABLES = {TRACKING: (TRACKING_VERSION_TABLE,), AUTH: (AUTH_VERSION_TABLE, TRACKING_VERSION_TABLE)}

# Tables every MLflow tracking schema since 1.0 has; their presence makes a database "MLflow's".
TRACKING_CORE = frozenset({"experiments", "runs", "metrics", "params", "tags"})
AUTH_CORE = frozenset({"users", "experiment_permissions"})

# Signatures of other applications known to share a database (and the alembic_version name) with MLflow.
FOREIGN_APPS = {
    "optuna": frozenset({"studies", "trials", "version_info"}),
    "airflow": frozenset({"dag", "dag_run", "task_instance"}),
}

# mlflow-upgrade's own journal of the upgrades it ran (see upgrade/journal.py): ours, not foreign.
JOURNAL_TABLE = "mlflow_upgrade_log"

STATUS_MLFLOW = "mlflow"  # core tables and a version row
STATUS_EMPTY = "empty"  # no tables at all
STATUS_PARTIAL = "partial"  # MLflow's tables without a version row (half-created or pre-Alembic)
STATUS_NOT_MLFLOW = "not-mlflow"  # tables, none of MLflow's


@dataclass
class SchemaState:
    db: str
    status: str
    revision: str | None
    version_table: str | None
    tables: list[str] = field(default_factory=list)
    foreign_tables: list[str] = field(default_factory=list)
    foreign_apps: list[str] = field(default_factory=list)
    extra_version_rows: list[str] = field(
        default_factory=list
    )  # more than one row: branches or a foreign app


def list_tables(conn: Connection | Engine) -> list[str]:
    return sorted(sqlalchemy.inspect(conn).get_table_names())


def read_version_rows(conn: Connection | sqlite3.Connection, table: str) -> list[str]:
    """The revisions an Alembic version table holds, sorted: the one place that reads a version table.

    ``conn`` is a SQLAlchemy connection, or a plain ``sqlite3`` one (backup copies and scratch databases are
    opened with the standard library). The table must exist."""
    if isinstance(conn, sqlite3.Connection):
        rows = conn.execute(f'SELECT version_num FROM "{table}"').fetchall()
    else:
        quoted = conn.dialect.identifier_preparer.quote(table)
        rows = conn.exec_driver_sql(
            f"SELECT version_num FROM {quoted}", execution_options={"no_parameters": True}
        ).all()
    return sorted(str(r[0]) for r in rows)


def read_revision(bind: Connection | Engine, db: str = TRACKING) -> str | None:
    """The revision in ``db``'s own version table (the first if it holds several); None without the table."""
    table = VERSION_TABLE[db]
    if table not in list_tables(bind):
        return None
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            rows = read_version_rows(conn, table)
    else:
        rows = read_version_rows(bind, table)
    return rows[0] if rows else None


@cache
def known_mlflow_tables() -> frozenset[str]:
    """Every table name MLflow ever defined: the installed models and migration scripts (read as text, never
    imported: importing MLflow takes seconds) plus the tables the catalog saw created by any release."""
    names = {*ALL_VERSION_TABLES, JOURNAL_TABLE}
    mlflow_root = installed_script_dir(TRACKING).parents[1]
    for folder in (mlflow_root / "store", mlflow_root / "server" / "auth"):
        for path in folder.rglob("*.py"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if "__tablename__" in text:
                names.update(_TABLENAME.findall(text))
    catalog = load_catalog()
    for db in (TRACKING, AUTH):
        for rev in catalog.revision_ids(db):
            for op in catalog.revision(db, rev).ops:
                table = op.get("table")
                if op.get("op") == "create_table" and isinstance(table, str) and table.isidentifier():
                    names.add(table)
    return frozenset(names)


_TABLENAME = re.compile(r"""__tablename__\s*=\s*["']([A-Za-z_][A-Za-z0-9_]*)["']""")


def read_state(conn: Connection, db: str = TRACKING) -> SchemaState:
    tables = list_tables(conn)
    core = TRACKING_CORE if db == TRACKING else AUTH_CORE
    version_table, rows = _find_version(conn, db, tables)
    if not tables:
        status = STATUS_EMPTY
    elif not core & set(tables) and not rows:
        status = STATUS_NOT_MLFLOW
    elif not rows or not core <= set(tables):
        status = STATUS_PARTIAL
    else:
        status = STATUS_MLFLOW
    known = known_mlflow_tables()
    foreign = [t for t in tables if t not in known]
    apps = [app for app, sig in FOREIGN_APPS.items() if sig <= set(tables)]
    return SchemaState(
        db=db,
        status=status,
        revision=rows[0] if len(rows) == 1 else (rows[0] if rows else None),
        version_table=version_table,
        tables=tables,
        foreign_tables=foreign,
        foreign_apps=apps,
        extra_version_rows=rows[1:] if len(rows) > 1 else [],
    )


def _find_version(conn: Connection, db: str, tables: list[str]) -> tuple[str | None, list[str]]:
    for name in VERSION_TABLES[db]:
        if name in tables:
            return name, read_version_rows(conn, name)
    return None, []
