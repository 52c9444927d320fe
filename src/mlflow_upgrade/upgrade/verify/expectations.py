"""The data changes MLflow's own migrations make on purpose: the one list ``verify`` excludes and
docs/verify.md shows (its table is :func:`markdown_table`'s output; tests/upgrade/test_expectations.py checks).

Found by reading every tracking migration script of the installed MLflow for statements that write rows
(``op.execute``, ``.update()``, ``.insert()``, ``.delete()``, ORM sessions) or drop columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from mlflow_upgrade.catalog import load_catalog, revisions_after
from mlflow_upgrade.store.schema import TRACKING


@dataclass(frozen=True)
class Expected:
    """A change one MLflow migration makes on purpose; applied when that migration is pending."""

    revision: str
    table: str
    what: str  # human description (docs/verify.md's table is generated from these rules)
    exclude_where: str | None = None  # rows left out on both sides (SQL condition on the table)
    skip_columns: tuple[str, ...] = ()


# Frozen constants of migration 75868b020152 (mlflow/store/db/trace_analytics_*_75868b020152.py, 3.17.2):
# copied rather than imported so that taking a fingerprint never imports MLflow.
_TOKEN_KEYS = ("input_tokens", "output_tokens", "total_tokens", "cache_read_input_tokens",
               "cache_creation_input_tokens", "cache_creation_input_tokens_above_1hr")
_COST_KEYS = ("input_cost", "output_cost", "total_cost")
_ANALYTICS_COLUMNS = {
    "trace_info": ("trace_name", "session_id", *_TOKEN_KEYS, *_COST_KEYS),
    "assessments": ("experiment_id", "trace_timestamp_ms", "aggregate_value", "is_numeric_value"),
    "spans": (*_COST_KEYS, "model_name", "model_provider"),
}


def _in_list(values: Iterable[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def expected_changes() -> list[Expected]:
    """Every deliberate data change of MLflow's tracking migrations (derived from reading their scripts)."""
    rules = [
        Expected("90e64c465722", "tags", "adds an `mlflow.user` tag per run from runs.user_id",
                 exclude_where="{key} = 'mlflow.user'"),
        Expected("75868b020152", "trace_tags", "moves the `mlflow.traceName` tag into trace_info.trace_name",
                 exclude_where="{key} = 'mlflow.traceName'"),
        Expected("75868b020152", "trace_request_metadata",
                 "moves session, token-usage and cost metadata into trace_info columns",
                 exclude_where="{key} IN " + _in_list(("mlflow.trace.session", "mlflow.trace.tokenUsage",
                                                     "mlflow.trace.cost"))),
        Expected("75868b020152", "spans", "drops spans.dimension_attributes (moved into span columns)",
                 skip_columns=("dimension_attributes",)),
        # A rename; the job queue's names are not compared across it (the rest of each row still is).
        Expected("5d2d30f0abce", "jobs", "renames jobs.function_fullname to job_name",
                 skip_columns=("function_fullname",)),
        Expected("dc11669786a5", "jobs", "cancels PENDING/RUNNING jobs (status, last_update_time rewritten)",
                 skip_columns=("status", "last_update_time")),
        # 3.18.0: new columns only (pre-existing ones, `categories` included, are kept for older readers).
        Expected("8b6ad64cb8f5", "issues", "adds last_seen_timestamp (backfilled from created_timestamp), "
                 "last_updated_by and metadata", skip_columns=("last_seen_timestamp", "last_updated_by", "metadata")),
        Expected("8b6ad64cb8f5", "issue_categories", "new table filled from issues.categories (one row per "
                 "distinct category of an issue)"),
    ]
    rules.append(Expected("75868b020152", "trace_metrics", "moves token counts into trace_info columns",
                          exclude_where="{key} IN " + _in_list(_TOKEN_KEYS)))
    rules.append(Expected("75868b020152", "span_metrics", "moves span costs into span columns",
                          exclude_where="{key} IN " + _in_list(_COST_KEYS)))
    for table, cols in _ANALYTICS_COLUMNS.items():
        rules.append(Expected("75868b020152", table, "backfills analytics columns (pre-added by MLflow's "
                              "online prepopulation utility, if at all)", skip_columns=tuple(cols)))
    return rules


def pending_revisions(revision: str | None) -> set[str] | None:
    """Revisions the installed MLflow would apply to a store at ``revision`` (None: unknown → all rules)."""
    pending = revisions_after(TRACKING, revision) if revision is not None else None
    return set(pending) if pending is not None else None


def _handling(rule: Expected) -> str:
    """How verify treats a rule, in words: the rows it leaves out, the columns it does not compare."""
    parts = []
    if rule.exclude_where:
        parts.append(f"rows `{rule.exclude_where.format(key='key')}` left out")
    if rule.skip_columns:
        parts.append(f"{', '.join(f'`{c}`' for c in rule.skip_columns)} not compared")
    return "; ".join(parts) or "nothing pre-existing to compare"


def _migration(revision: str) -> str:
    facts = load_catalog().revision(TRACKING, revision)
    release = facts.introduced_in if facts is not None else None
    return f"`{revision}` ({release})" if release else f"`{revision}`"


def markdown_table() -> str:
    """The table of docs/verify.md's "Expected transformations", one row per rule."""
    rows = ["| migration | table | what it does | how verify handles it |", "|---|---|---|---|"]
    for rule in expected_changes():
        what = re.sub(r"\s+", " ", rule.what)
        rows.append(f"| {_migration(rule.revision)} | `{rule.table}` | {what} | {_handling(rule)} |")
    return "\n".join(rows) + "\n"
