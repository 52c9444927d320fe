"""Preflight ``conflicts``: objects the pending revisions create that the database already holds.

A table, column, index or named constraint that a pending revision creates and that already exists (a table a
user or another tool made, like ``secrets`` in mlflow#23721, or leftovers of a half-applied run) makes that
revision fail part way. The catalog records every revision's operations (``catalog/revisions.json``); walking the
pending chain in order over the database's current objects (applying the drops too) finds each such clash before
anything runs, with the object's name and the revision that would fail.

Deliberately conservative, because a false alarm blocks a good upgrade: operations under a condition the
catalog cannot evaluate (``when`` without a dialect list), revisions that inspect the schema first (they may skip
what exists), operations on more than one candidate table, and index/constraint names inside SQLite batch
rebuilds are not judged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy
from sqlalchemy.engine import Connection

from mlflow_upgrade.catalog import pending_revisions
from mlflow_upgrade.dialects import Dialect, dialect_for
from mlflow_upgrade.store.uri import StoreRef
from mlflow_upgrade.upgrade import alembic_driver
from mlflow_upgrade.upgrade.preflight.base import FAIL, OK, Check, Context, register


@dataclass(frozen=True)
class Conflict:
    revision: str
    message: str  # the revision's one-line description
    kind: str  # table | column | index | constraint
    name: str  # table, table.column, or the index/constraint name

    def __str__(self) -> str:
        return f"{self.kind} {self.name} (created by {self.revision} {self.message})"


@dataclass
class _Objects:
    """What the database holds, as the simulation walks the chain."""

    tables: set[str]
    columns: dict[str, set[str]] = field(default_factory=dict)
    indexes: dict[str, str] = field(default_factory=dict)  # scoped index name -> table
    constraints: dict[str, str] = field(default_factory=dict)  # scoped constraint name -> table

    def drop_table(self, table: str) -> None:
        self.tables.discard(table)
        self.columns.pop(table, None)
        for names in (self.indexes, self.constraints):
            for key in [k for k, t in names.items() if t == table]:
                del names[key]


def find_conflicts(ref: StoreRef, conn: Connection, db: str, current: str | None) -> list[Conflict]:
    """Every object a pending revision would create although it exists at that point of the chain."""
    dialect = dialect_for(ref.kind)
    objects = _read_objects(dialect, conn)
    found: list[Conflict] = []
    for facts in pending_revisions(db, current):
        judged = not facts.inspects_schema
        for op in facts.ops:
            if not _applies(op, dialect.name):
                continue
            clash = _apply(op, objects, dialect)
            if clash is not None and judged:
                found.append(Conflict(facts.revision, facts.message.strip().splitlines()[0][:60] if facts.message
                                      else "", *clash))
    return found


def _applies(op: Mapping[str, Any], dialect: str) -> bool:
    dialects = op.get("dialects")
    if dialects:
        return dialect in dialects
    return not op.get("when")  # a condition the catalog cannot evaluate: neither apply nor judge it


def _read_objects(dialect: Dialect, conn: Connection) -> _Objects:
    insp = sqlalchemy.inspect(conn)
    tables = set(insp.get_table_names())
    objects = _Objects(tables=set(tables))
    for table in tables:
        objects.columns[table] = {c["name"] for c in insp.get_columns(table)}
        for index in insp.get_indexes(table):
            if index.get("name"):
                objects.indexes[_index_key(dialect, table, index["name"])] = table
        if not dialect.reflects_constraint_names:  # SQLite: unreliably, so not judged (see module doc)
            continue
        for constraint in [*insp.get_unique_constraints(table), *insp.get_foreign_keys(table)]:
            if constraint.get("name"):
                objects.constraints[_constraint_key(dialect, table, constraint["name"])] = table
    return objects


def _index_key(dialect: Dialect, table: str, name: str) -> str:
    """Index names are per schema on PostgreSQL and SQLite, per table on MySQL/MariaDB."""
    return f"{table}.{name}" if dialect.index_names_per_table else name


def _constraint_key(dialect: Dialect, table: str, name: str) -> str:
    """Constraint names are per table on PostgreSQL, per database on MySQL/MariaDB (foreign keys)."""
    return name if dialect.constraint_names_per_database else f"{table}.{name}"


def _single_table(op: Mapping[str, Any]) -> str | None:
    table = op.get("table")
    return table if isinstance(table, str) and table.isidentifier() else None


def _apply(op: Mapping[str, Any], objects: _Objects, dialect: Dialect) -> tuple[str, str] | None:
    """Apply ``op`` to ``objects``; return (kind, name) when it creates something that already exists."""
    kind, table = op.get("op"), _single_table(op)
    if table is None:
        return None
    name = op.get("name")
    # a batch op on a dialect that cannot ALTER in place (SQLite) rebuilds the table: its names are not judged
    batch_rebuild = bool(op.get("batch")) and not dialect.alters_in_place
    if kind == "create_table":
        existed = table in objects.tables
        objects.tables.add(table)
        objects.columns[table] = set(_names(op.get("columns")))
        return ("table", table) if existed else None
    if kind == "drop_table":
        objects.drop_table(table)
    elif kind == "add_column" and op.get("column"):
        columns = objects.columns.setdefault(table, set())
        existed = table in objects.tables and op["column"] in columns
        columns.add(str(op["column"]))
        return ("column", f"{table}.{op['column']}") if existed else None
    elif kind == "drop_column" and op.get("column"):
        objects.columns.get(table, set()).discard(str(op["column"]))
    elif kind == "create_index" and name and not batch_rebuild:
        key = _index_key(dialect, table, name)
        existed = key in objects.indexes
        objects.indexes[key] = table
        return ("index", name) if existed else None
    elif kind == "drop_index" and name:
        objects.indexes.pop(_index_key(dialect, table, name), None)
    elif kind in ("create_unique_constraint", "create_foreign_key") and name and dialect.reflects_constraint_names:
        key = _constraint_key(dialect, table, name)
        existed = key in objects.constraints or (kind == "create_unique_constraint"
                                                 and dialect.unique_constraint_is_index and name in objects.indexes)
        objects.constraints[key] = table
        return ("constraint", name) if existed else None
    elif kind == "drop_constraint" and name:
        objects.constraints.pop(_constraint_key(dialect, table, name), None)
        objects.indexes.pop(_index_key(dialect, table, name), None)  # a unique constraint's index goes with it
    return None


def _names(columns: Iterable[Any] | None) -> list[str]:
    return [str(c) for c in columns or () if c]


@register("conflicts",
          how="walks every pending revision's operations (catalog `ops`: tables, columns, indexes, named "
              "unique/foreign-key constraints, drops applied in order) over what the database holds; names each "
              "object that exists already and the revision that would fail on it (`revision 1bd49d398cd23 (add "
              "secrets tables) would fail: table secrets exists already`). Conservative: conditional ops, revisions "
              "that inspect the schema first, and index/constraint names inside SQLite batch rebuilds are not judged")
def check_conflicts(ctx: Context) -> Check:
    ref, conn, db, current = ctx.ref, ctx.conn, ctx.db, ctx.current
    if current is not None and current not in {r.revision for r in alembic_driver.chain(db)}:
        return Check("conflicts", OK, f"not judged: the installed MLflow does not know revision {current}")
    found = find_conflicts(ref, conn, db, current)
    if not found:
        return Check("conflicts", OK, "nothing the pending revisions create exists already")
    first = found[0]
    more = f" (and {len(found) - 1} more: {', '.join(c.name for c in found[1:6])})" if len(found) > 1 else ""
    return Check(
        "conflicts", FAIL,
        f"revision {first.revision} ({first.message}) would fail: {first.kind} {first.name} exists already{more}. "
        "Rename or drop it after checking it is not MLflow's data (a table another tool created, or left by a "
        "failed run: then restore that run's backup), then upgrade",
        details={"conflicts": [{"revision": c.revision, "kind": c.kind, "name": c.name} for c in found]},
    )
