"""Classification of a revision's recorded operations: additive / rewrite / data / destructive, and whether
servers of the previous release keep working against the migrated schema (rolling-safe)."""

from __future__ import annotations

import re
from typing import Any

from mlflow_upgrade.catalog.analyze.walker import SQLITE_IN_PLACE_BATCH_OPS

# Most severe first: a revision's classification is the most severe kind among its operations.
SEVERITY = ("destructive", "data", "rewrite", "additive")
WIDE_TYPES = {"Text", "TEXT", "UnicodeText", "MEDIUMTEXT", "LONGTEXT", "CLOB", "LargeBinary"}
STRING_TYPES = {"String", "VARCHAR", "Unicode", "NVARCHAR"}


def _op_kind(
    op: dict[str, Any], new_tables: set[str], index_tables: frozenset[str] = frozenset()
) -> str | None:
    name = op["op"]
    on_new_table = op.get("table") in new_tables
    if name in {"drop_table", "drop_column"}:
        return "destructive"
    if name in {"create_table", "create_index", "create_table_comment"}:
        return "additive"
    if name == "add_column":
        return "additive" if op.get("nullable", True) or op.get("server_default") else "rewrite"
    if name in {
        "create_foreign_key",
        "create_primary_key",
        "create_unique_constraint",
        "create_check_constraint",
    }:
        return "additive" if on_new_table else "rewrite"
    if name == "drop_index":  # replacing an index (another is created on the table) is index-only work
        return "additive" if op.get("table") in index_tables else "rewrite"
    if name in {"alter_column", "drop_constraint", "rename_table", "drop_table_comment"}:
        return "rewrite"
    if name == "bulk_insert":
        return "data"
    if name.endswith("execute") or name.endswith("exec_driver_sql"):
        creates = op.get("sql", "").upper().startswith("CREATE")
        if op.get("statement") == "ddl" and creates and not _ddl_on_existing(op, new_tables):
            return "additive"
        return {
            "read": None,
            "write": "data",
            "delete": "destructive",
            "drop_table": "destructive",
            "drop_column": "destructive",
            "ddl": "rewrite",
        }.get(op.get("statement", ""), "data")
    if name in {
        "session.merge",
        "session.add",
        "session.add_all",
        "session.bulk_save_objects",
        "session.bulk_insert_mappings",
        "session.bulk_update_mappings",
        "session.update",
        "bind.update",
    }:
        return "data"
    if name in {"session.delete", "bind.delete"}:
        return "destructive"
    return None


def _type_widens(op: dict[str, Any]) -> bool:
    """True if an alter_column only widens a string type (old writers' values still fit)."""
    new, old = op.get("type", ""), op.get("existing_type", "")
    new_name = re.sub(r"^.*\.", "", new.split("(")[0])
    old_name = re.sub(r"^.*\.", "", old.split("(")[0])
    if not new or not old:
        return False
    if new_name in WIDE_TYPES:
        return old_name in STRING_TYPES | WIDE_TYPES
    new_len, old_len = re.findall(r"\d+", new), re.findall(r"\d+", old)
    if new_name in STRING_TYPES and old_name in STRING_TYPES and new_len and old_len:
        return int(new_len[0]) >= int(old_len[0])
    return False


def _rolling_problems(
    ops: list[dict[str, Any]], new_tables: set[str], index_tables: frozenset[str]
) -> list[str]:
    problems: list[str] = []
    for op in ops:
        name, table = op["op"], op.get("table", "?")
        column = f"{table}.{op.get('column', '?')}"
        if name == "drop_table":
            problems.append(f"drops table {table}")
        elif name == "drop_column":
            problems.append(f"drops column {column}")
        elif name == "rename_table":
            problems.append(f"renames table {table}")
        elif name == "add_column" and _op_kind(op, new_tables, index_tables) == "rewrite":
            problems.append(f"adds NOT NULL column {column} without a server default")
        elif name == "alter_column":
            problems.extend(_alter_problems(op, column))
        elif name in {"create_primary_key"} and table not in new_tables:
            problems.append(f"changes the primary key of {table}")
        elif name in {"create_unique_constraint", "create_check_constraint"} and table not in new_tables:
            problems.append(f"adds a constraint on {table} that old servers' writes may violate")
        elif name == "create_index" and op.get("unique") and table not in new_tables:
            problems.append(f"adds a unique index on {table} that old servers' writes may violate")
        elif _op_kind(op, new_tables, index_tables) == "destructive":
            problems.append(f"deletes data ({name})")
        elif _op_kind(op, new_tables, index_tables) == "data":
            problems.append(
                "changes rows at migration time; rows old servers write afterwards are not migrated"
            )
        elif (
            _op_kind(op, new_tables, index_tables) == "rewrite"
            and name.endswith("execute")
            and _ddl_on_existing(op, new_tables)
        ):
            problems.append("runs raw DDL whose effect on old servers is not analysed")
    return list(dict.fromkeys(problems))


def _ddl_on_existing(op: dict[str, Any], new_tables: set[str]) -> bool:
    """Raw DDL that may touch tables old servers use (not just new tables, not a bare function)."""
    if op.get("targets"):
        return not set(op["targets"]) <= new_tables
    return not re.match(r"CREATE\s+(OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)\b", op.get("sql", ""), re.I)


def _alter_problems(op: dict[str, Any], column: str) -> list[str]:
    problems = []
    if op.get("new_column_name"):
        problems.append(f"renames column {column} to {op['new_column_name']}")
    if op.get("nullable") is False and op.get("existing_nullable") is not False:
        problems.append(f"makes {column} NOT NULL")
    if op.get("type") and not _type_widens(op):
        problems.append(f"changes the type of {column}")
    return problems


def classify(ops: list[dict[str, Any]]) -> dict[str, Any]:
    """Classification, kinds and rolling-upgrade safety for a list of operation records."""
    new_tables = {op["table"] for op in ops if op["op"] == "create_table"}
    index_tables = frozenset(op.get("table", "") for op in ops if op["op"] == "create_index")
    kinds = {kind for op in ops if (kind := _op_kind(op, new_tables, index_tables))}
    classification = next((k for k in SEVERITY if k in kinds), "additive")
    problems = _rolling_problems(ops, new_tables, index_tables)
    recreate = sorted(
        {
            table
            for op in ops
            if op.get("batch") and op["op"] not in SQLITE_IN_PLACE_BATCH_OPS
            for table in op["table"].split("|")
        }
    )
    if problems:
        note = "; ".join(problems)
    elif not ops:
        note = "no schema operations"
    elif kinds <= {"additive"}:
        note = "only adds tables, nullable or defaulted columns, indexes"
        if any(op["op"] == "drop_index" for op in ops):
            note += " (and replaces indexes)"
    else:
        note = (
            "changes keep old servers' reads and writes valid ("
            + ", ".join(
                sorted({op["op"] for op in ops if _op_kind(op, new_tables, index_tables) == "rewrite"})
            )
            + ")"
        )
    return {
        "classification": classification,
        "kinds": [k for k in SEVERITY if k in kinds],
        "rolling_safe": not problems,
        "rolling_note": note,
        "sqlite_recreates": recreate,
    }
