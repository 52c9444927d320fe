"""Row counts of a store's main tables: exact where cheap, fast estimates flagged as such where not.

Exact ``COUNT(*)`` on a PostgreSQL or InnoDB table of tens of millions of rows scans the whole table, and on
SQLite reads a whole index (seconds from a cold disk), so above ``ESTIMATE_THRESHOLD`` rows (by the dialect's
instant estimate: the server's statistics, SQLite's rowid range) the estimate is reported instead, marked
``exact: false``; ``exact=True`` (``inspect --exact-counts``) counts every table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from mlflow_upgrade.store.schema import AUTH, TRACKING

if TYPE_CHECKING:  # the dialects sit above store/: counts only calls the object it is given
    from mlflow_upgrade.dialects import Dialect

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
    conn: Connection, dialect: Dialect, tables: list[str], *, exact: bool = False, threshold: int = ESTIMATE_THRESHOLD
) -> dict[str, RowCount]:
    """Counts of ``tables``: the dialect's estimate where it is at least ``threshold``, else an exact count."""
    estimates = {} if exact else dialect.row_estimates(conn)
    large = {t: int(estimates[t]) for t in tables if estimates.get(t, -1) >= threshold}
    exact_counts = dialect.row_counts(conn, [t for t in tables if t not in large])
    return {t: RowCount(large[t], exact=False) if t in large else RowCount(exact_counts[t], exact=True) for t in tables}
