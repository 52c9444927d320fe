"""Build the secondary indexes of the big run tables after the bulk load instead of row by row.

Maintaining ``index_metrics_run_uuid`` and ``index_metrics_run_uuid_key_step`` while inserting millions of
rows costs about as much as the inserts themselves; building them once at the end costs a fraction. Only
MLflow's own indexes are touched, and they are re-created from the exact DDL the database reports for them
(``sqlite_master.sql`` / ``pg_indexes.indexdef``), recorded in the checkpoint state in the same transaction
as the DROP: a migration killed in between re-creates them when it resumes and finishes. Primary keys and
unique constraints stay in place, so duplicates are still refused while loading. Only for a new migration
on SQLite and PostgreSQL (MySQL needs these indexes for its foreign keys; an incremental load is small).
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from mlflow_upgrade.filestore.checkpoint import state_table

TABLES = ("metrics", "latest_metrics", "params", "tags")
STATE_KEY = "deferred_indexes"


def _secondary(conn: sa.Connection) -> list[tuple[str, str]]:
    dialect = conn.dialect.name
    if dialect == "sqlite":
        query = ("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                 "AND tbl_name IN ('metrics', 'latest_metrics', 'params', 'tags') ORDER BY name")
    elif dialect == "postgresql":
        query = ("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                 "AND tablename IN ('metrics', 'latest_metrics', 'params', 'tags') "
                 "AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname")
    else:
        return []
    return [(r[0], r[1]) for r in conn.execute(sa.text(query))]


def defer(engine: sa.Engine) -> int:
    """Drop the secondary indexes of the run tables, remembering their DDL; returns how many."""
    with engine.begin() as conn:
        found = _secondary(conn)
        if not found:
            return 0
        conn.execute(sa.delete(state_table).where(state_table.c.name == STATE_KEY))
        conn.execute(sa.insert(state_table).values(name=STATE_KEY, value=json.dumps(found)))
        quote = '"'
        for name, _ in found:
            conn.execute(sa.text(f"DROP INDEX {quote}{name}{quote}"))
    return len(found)


def restore(engine: sa.Engine) -> int:
    """Re-create the indexes :func:`defer` dropped (those still missing); returns how many."""
    with engine.begin() as conn:
        value = conn.execute(sa.select(state_table.c.value).where(state_table.c.name == STATE_KEY)).scalar()
        if not value:
            return 0
        present = {name for name, _ in _secondary(conn)}
        created = 0
        for name, ddl in json.loads(value):
            if name not in present:
                conn.execute(sa.text(ddl))
                created += 1
        conn.execute(sa.delete(state_table).where(state_table.c.name == STATE_KEY))
    return created
