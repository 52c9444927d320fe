"""``half_applied``: the next revision's tables and columns do not exist yet (an earlier run failed part way)."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy
from sqlalchemy.engine import Connection

from mlflow_upgrade.catalog import load_catalog
from mlflow_upgrade.dialects import REFERENCE_DIALECT, offline_probe
from mlflow_upgrade.store.schema import ALL_VERSION_TABLES
from mlflow_upgrade.store.uri import StoreRef
from mlflow_upgrade.upgrade import alembic_driver
from mlflow_upgrade.upgrade.estimate import resolve_tables
from mlflow_upgrade.upgrade.preflight.base import FAIL, OK, Check, Context, register

_CREATE_TABLE = re.compile(r"CREATE TABLE\s+(?:IF NOT EXISTS\s+)?[`\"]?(\w+)", re.IGNORECASE)
_ADD_COLUMN = re.compile(r"ALTER TABLE\s+[`\"]?(\w+)[`\"]?\s+ADD(?:\s+COLUMN)?\s+[`\"]?(\w+)", re.IGNORECASE)


@register("half_applied",
          how="tables/columns the next revision creates (from its offline SQL, else the catalog's ops) already exist")
def check_half_applied(ctx: Context) -> Check:
    current = ctx.current
    found = find_half_applied(ctx.ref, ctx.conn, ctx.db, current)
    if found is None:
        return Check("half_applied", OK, "the next revision's tables and columns do not exist yet")
    ctx.report.half_applied = found
    what = ", ".join(found["tables"] + found["columns"])
    return Check(
        "half_applied", FAIL,
        f"revision {found['revision']} is half applied: {what} already exist(s) while the version table says "
        f"{current} (an earlier run failed part way; MySQL/MariaDB commits DDL at once): restore the backup taken "
        "before that run (`mlflow-upgrade restore DIR --force`), or drop those objects after checking they hold no "
        "data, then upgrade again",
        details=found,
    )


def next_revision_objects(ref: StoreRef, db: str, current: str | None) -> tuple[str | None, set[str], set[tuple[str, str]]]:
    """Tables and (table, column)s the next pending revision creates: from its offline SQL for this dialect,
    else the reference dialect's, else the catalog's recorded ops."""
    pending = alembic_driver.pending(db, current)
    if not pending:
        return None, set(), set()
    nxt = pending[0]
    sql = None
    for probe in (ref, offline_probe(REFERENCE_DIALECT)):
        try:
            sql = alembic_driver.offline_sql(db, probe, current, nxt.revision)
            break
        except Exception:
            continue
    if sql is not None:
        tables = set(_CREATE_TABLE.findall(sql)) - set(ALL_VERSION_TABLES)
        tables = {t for t in tables if not t.startswith("_alembic_tmp")}
        columns = {(t, c) for t, c in _ADD_COLUMN.findall(sql) if c.upper() not in ("CONSTRAINT", "INDEX",
                                                                                      "PRIMARY", "UNIQUE",
                                                                                      "FOREIGN", "KEY")}
        return nxt.revision, tables, columns
    tables, columns = set(), set()
    facts = load_catalog().revision(db, nxt.revision)
    for op in facts.ops if facts is not None else ():
        names = resolve_tables(op.get("table"))
        if op.get("op") == "create_table":
            tables.update(names)
        elif op.get("op") == "add_column" and op.get("column"):
            columns.update((t, str(op["column"])) for t in names)
    return nxt.revision, tables, columns


def find_half_applied(ref: StoreRef, conn: Connection, db: str, current: str | None) -> dict[str, Any] | None:
    revision, tables, columns = next_revision_objects(ref, db, current)
    if revision is None:
        return None
    insp = sqlalchemy.inspect(conn)
    present = set(insp.get_table_names())
    found_tables = sorted(tables & present)
    found_columns = []
    for table, column in sorted(columns):
        if table in present and table not in tables and column in {c["name"] for c in insp.get_columns(table)}:
            found_columns.append(f"{table}.{column}")
    if not found_tables and not found_columns:
        return None
    return {"revision": revision, "tables": found_tables, "columns": found_columns,
            "expected_tables": sorted(tables), "expected_columns": sorted(f"{t}.{c}" for t, c in columns)}
