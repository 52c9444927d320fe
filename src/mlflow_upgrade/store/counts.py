"""Row counts of a store's main tables: exact where cheap, fast estimates flagged as such where not.

Exact ``COUNT(*)`` on a PostgreSQL or InnoDB table of tens of millions of rows scans the whole table, so above
``ESTIMATE_THRESHOLD`` rows (by the catalog's own estimate) the estimate is reported instead, marked
``exact: false``. SQLite counts are always exact (a COUNT(*) of millions of rows takes milliseconds there).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from mlflow_upgrade.store.schema import AUTH, TRACKING

MAIN_TABLES = {
    TRACKING: (
        "experiments",
        "experiment_tags",
        "runs",
        "params",
        "metrics",
        "latest_metrics",
        "tags",
        "registered_models",
        "registered_model_tags",
        "model_versions",
        "model_version_tags",
        "registered_model_aliases",
        "datasets",
        "inputs",
        "input_tags",
        "trace_info",
        "trace_tags",
        "trace_request_metadata",
        "spans",
        "assessments",
        "logged_models",
        "logged_model_params",
        "logged_model_tags",
        "logged_model_metrics",
        "webhooks",
        "scorers",
        "evaluation_datasets",
        "jobs",
        "secrets",
        "workspaces",
    ),
    AUTH: (
        "users",
        "experiment_permissions",
        "registered_model_permissions",
        "scorer_permissions",
        "workspace_permissions",
        "roles",
        "role_permissions",
        "user_roles",
    ),
}

ESTIMATE_THRESHOLD = 1_000_000


@dataclass(frozen=True)
class RowCount:
    rows: int
    exact: bool

    def to_dict(self) -> dict[str, int | bool]:
        return {"rows": self.rows, "exact": self.exact}


def count_rows(
    conn: Connection, dialect: str, tables: list[str], *, exact: bool = False, threshold: int = ESTIMATE_THRESHOLD
) -> dict[str, RowCount]:
    estimates = {} if exact or dialect == "sqlite" else _estimates(conn, dialect)
    counts: dict[str, RowCount] = {}
    for table in tables:
        estimate = estimates.get(table)
        if estimate is not None and estimate >= threshold:
            counts[table] = RowCount(int(estimate), exact=False)
        else:
            counts[table] = RowCount(_exact(conn, dialect, table), exact=True)
    return counts


def _quote(dialect: str, name: str) -> str:
    return f"`{name}`" if dialect == "mysql" else f'"{name}"'


def _exact(conn: Connection, dialect: str, table: str) -> int:
    return int(conn.exec_driver_sql(f"SELECT COUNT(*) FROM {_quote(dialect, table)}").scalar_one())


def _estimates(conn: Connection, dialect: str) -> dict[str, float]:
    if dialect == "postgresql":
        rows = conn.exec_driver_sql(
            "SELECT c.relname, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = current_schema()"
        ).all()
    elif dialect == "mysql":
        rows = conn.exec_driver_sql(
            "SELECT table_name, table_rows FROM information_schema.tables WHERE table_schema = DATABASE()"
        ).all()
    else:
        return {}
    return {str(name): float(n) for name, n in rows if n is not None and float(n) >= 0}
