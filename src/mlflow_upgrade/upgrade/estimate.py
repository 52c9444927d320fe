"""Rough time estimates for pending revisions, from the store's row counts.

The model: every revision costs a fixed overhead, plus rows × a per-row cost for each table it has to touch
row by row: an index build, a column type change that rewrites the table (PostgreSQL/MySQL ALTER, SQLite's batch
"move and copy"), or a data backfill. Constants were measured on this project's CI machine (2 cores) by running
MLflow 3.17.2's migrations on a 1.30.1 store grown to 2 M metric rows (see docs/plan.md, "Estimates"); they are
orders of magnitude, not promises: disks, server settings and concurrent load change them several-fold.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from mlflow_upgrade.dialects import Dialect, known

# The constants per dialect (seconds per revision, whatever the data: Alembic bookkeeping, DDL round-trips,
# SQLite's commit fsync; seconds per row of a table the revision rewrites / indexes / backfills) are the dialects'
# own: Dialect.revision_base_seconds and Dialect.per_row_seconds.

_REWRITE_OPS = {"alter_column", "drop_column", "create_primary_key", "drop_constraint", "create_foreign_key",
                "create_unique_constraint"}
_INDEX_OPS = {"create_index"}
_DATA_OPS = {"execute", "bind.execute", "session.query", "session.merge", "session.add_all", "bind.scalars"}


@functools.lru_cache(maxsize=1)
def _model_tables() -> dict[str, str]:
    """``SqlDataset.__tablename__`` (how the catalog records a table named through a model) → ``datasets``."""
    names: dict[str, str] = {}
    try:
        from mlflow.store.db.base_sql_model import Base

        for mapper in Base.registry.mappers:
            table = getattr(mapper.class_, "__tablename__", None)
            if table:
                names[f"{mapper.class_.__name__}.__tablename__"] = table
    except Exception:  # an estimate must never break a plan
        pass
    return names


def resolve_tables(name: str | None) -> list[str]:
    if not name:
        return []
    out = []
    for part in name.split("|"):
        out.append(_model_tables().get(part, part))
    return [t for t in out if t not in ("table", "table_name")]


def touched_tables(ops: Iterable[Mapping], dialect: Dialect, sqlite_recreates: Iterable[str] = ()) -> dict[str, str]:
    """table → heaviest kind of work ("rewrite", "index", "data") the ops do on its existing rows."""
    weight = {"index": 1, "rewrite": 2, "data": 3}
    touched: dict[str, str] = {}

    def mark(table: str, kind: str) -> None:
        if weight[kind] > weight.get(touched.get(table, ""), 0):
            touched[table] = kind

    for op in ops:
        kind = op.get("op")
        when = str(op.get("when") or "")
        if when and not _applies(when, dialect.name):
            continue
        tables = resolve_tables(op.get("table"))
        if kind in _INDEX_OPS:
            for t in tables:
                mark(t, "index")
        elif kind in _REWRITE_OPS and (dialect.alters_in_place or op.get("batch")):
            for t in tables:
                mark(t, "rewrite")
        elif kind in _DATA_OPS:
            for t in tables:
                mark(t, "data")
    if not dialect.alters_in_place:  # Alembic's batch mode recreates these tables (recorded for SQLite)
        for name in sqlite_recreates:
            for t in resolve_tables(name):
                mark(t, "rewrite")
    return touched


def _applies(when: str, dialect: str) -> bool:
    """Best effort on the catalog's recorded conditions (``dialect_name == 'sqlite'``, ``not (...)``)."""
    mentioned = [d for d in known() if f"'{d}'" in when or f'"{d}"' in when]
    if not mentioned:
        return True
    hit = dialect in mentioned
    negated = when.strip().startswith("not") or "!=" in when
    return not hit if negated else hit


def estimate_seconds(dialect: Dialect, touched: Mapping[str, str], rows: Mapping[str, int]) -> float:
    costs = dialect.per_row_seconds
    seconds = dialect.revision_base_seconds
    for table, kind in touched.items():
        seconds += rows.get(table, 0) * costs[kind]
    return seconds


def human(seconds: float) -> str:
    if seconds < 1:
        return "<1 s"
    if seconds < 90:
        return f"~{seconds:.0f} s"
    if seconds < 5400:
        return f"~{seconds / 60:.0f} min"
    return f"~{seconds / 3600:.1f} h"
