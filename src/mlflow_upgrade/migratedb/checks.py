"""What is refused before anything is written: bad sources, bad destinations, values the destination cannot hold.

Each refusal is one line with the fix; nothing has been written when one is raised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mlflow_upgrade import errors
from mlflow_upgrade.catalog import installed_revisions
from mlflow_upgrade.dialects import Dialect, get_dialect, run_statement
from mlflow_upgrade.inspect import refuse_unusable
from mlflow_upgrade.migratedb import checkpoint
from mlflow_upgrade.store.schema import ALL_VERSION_TABLES, AUTH, JOURNAL_TABLE, SchemaState, read_state
from mlflow_upgrade.store.uri import StoreRef

INT32_MAX = 2**31 - 1
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "", None}


@dataclass
class Unfit:
    """Values of one source column that cannot exist in the destination's column."""

    table: str
    column: str
    rows: int
    why: str
    examples: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        shown = f" (e.g. {', '.join(self.examples)})" if self.examples else ""
        return f"{self.table}.{self.column}: {self.rows} row(s) {self.why}{shown}"

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "column": self.column, "rows": self.rows, "why": self.why,
                "examples": self.examples}


class UnfitValues(errors.PreflightFailed):
    """Source values that the destination's columns cannot hold; nothing was written."""

    def __init__(self, message: str, unfit: list[Unfit]) -> None:
        super().__init__(message)
        self.unfit = unfit


def refuse_same_database(src: StoreRef, dest: StoreRef) -> None:
    if src.kind != dest.kind:
        return
    if get_dialect(src).is_file_database:
        same = src.path == dest.path or (
            src.path is not None and dest.path is not None and dest.path.exists()
            and os.path.samefile(src.path, dest.path)
        )
    else:
        assert src.url is not None and dest.url is not None
        hosts = {src.url.host, dest.url.host}
        same_host = len(hosts) == 1 or hosts <= _LOCAL_HOSTS
        same = same_host and (src.url.port or 0) == (dest.url.port or 0) and src.url.database == dest.url.database
    if same:
        raise errors.UsageError(f"{src.masked} and {dest.masked} are the same database: give another destination")


def check_source(ref: StoreRef, engine: sa.Engine, db: str) -> SchemaState:
    """The source must be an MLflow store the installed MLflow knows, holding nothing but MLflow's tables."""
    with engine.connect() as conn:
        state = read_state(conn, db)
    refuse_unusable(ref, state)
    what = "basic-auth database" if db == AUTH else "tracking store"
    if state.revision is None or state.revision not in installed_revisions(db):
        raise errors.StoreTooNew(
            f"{ref.masked} is at revision '{state.revision}', which the installed MLflow does not ship: upgrade "
            "mlflow (never downgrade a store)"
        )
    foreign = [t for t in state.foreign_tables if t != JOURNAL_TABLE and t not in checkpoint.OURS]
    if foreign or state.extra_version_rows:
        shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "") or "a second alembic_version row"
        raise errors.Refused(
            f"the {what} {ref.masked} shares its database with another application ({shown}): migrate-db copies "
            "whole MLflow databases only; move the other application's tables out first"
        )
    return state


def source_tables(state: SchemaState) -> list[str]:
    """The tables whose rows are copied (not the version tables: the destination's migrations write them)."""
    return [t for t in state.tables if t not in ALL_VERSION_TABLES and t != JOURNAL_TABLE]


def destination_tables(engine: sa.Engine) -> list[str]:
    return sorted(sa.inspect(engine).get_table_names())


def refuse_auth_on(dialect: Dialect, ref: StoreRef) -> None:
    if not dialect.holds_mlflow_auth():
        raise errors.UsageError(
            f"the basic-auth DB cannot live on {ref.masked}: MLflow's own auth migrations fail on MySQL/MariaDB "
            "(two foreign keys named fk_user_id, mlflow/mlflow#9642); give a PostgreSQL or SQLite DEST_AUTH"
        )


def sqlite_parent_exists(path: Path) -> None:
    if not path.parent.is_dir():
        raise errors.StoreNotFound(f"directory {path.parent} of the SQLite destination does not exist")


# -- values the destination cannot hold --------------------------------------------------------------------
def find_unfit(src_conn: sa.Connection, src_dialect: Dialect, dest_meta: sa.MetaData, dest_dialect: Dialect,
               tables: list[str], src_meta: sa.MetaData) -> list[Unfit]:
    """Integers wider than the destination's column, texts longer than its limit, NaN/±inf where floats cannot
    hold them: each column is checked only where the destination is narrower than the source."""
    unfit: list[Unfit] = []
    for name in tables:
        src_table, dest_table = src_meta.tables[name], dest_meta.tables.get(name)
        if dest_table is None:
            continue
        for column in dest_table.columns:
            if column.name not in src_table.columns or column.computed is not None:
                continue
            src_type = src_table.columns[column.name].type
            found = _check_column(src_conn, src_dialect, dest_dialect, name, column.name, src_type, column.type)
            if found is not None:
                unfit.append(found)
    return unfit


def find_negative_zeros(src_conn: sa.Connection, src_dialect: Dialect, dest_dialect: Dialect, tables: list[str],
                        src_meta: sa.MetaData) -> list[Unfit]:
    """-0.0 values a destination without negative zero stores as 0.0 (MLflow compares them equal): reported, not
    refused."""
    if not src_dialect.holds_negative_zero() or dest_dialect.holds_negative_zero():
        return []
    q = src_conn.dialect.identifier_preparer.quote
    found = []
    for name in tables:
        for column in src_meta.tables[name].columns:
            if not isinstance(column.type, sa.Float):
                continue
            where = src_dialect.negative_zero_condition(src_conn, q(column.name))
            if where is None:
                continue
            hit = _unfit(src_conn, q(name), q(column.name), where, name, column.name, "-0.0, stored as 0.0 (the "
                         "destination has no negative zero)")
            if hit is not None:
                found.append(hit)
    return found


def _check_column(conn: sa.Connection, src_dialect: Dialect, dest_dialect: Dialect, table: str, column: str,
                  src_type: Any, dest_type: Any) -> Unfit | None:
    q = conn.dialect.identifier_preparer.quote
    col, tbl = q(column), q(table)
    bits, src_bits = dest_dialect.integer_bits(dest_type), src_dialect.integer_bits(src_type)
    if bits is not None and src_bits is not None and bits < src_bits:
        top = 2 ** (bits - 1) - 1
        where = f"{col} > {top} OR {col} < {-top - 1}"
        return _unfit(conn, tbl, col, where, table, column, f"outside the destination's {bits}-bit integer column")
    if isinstance(dest_type, sa.Float) and not dest_dialect.holds_non_finite_floats() \
            and src_dialect.holds_non_finite_floats():
        where = src_dialect.non_finite_condition(conn, col)
        return _unfit(conn, tbl, col, where, table, column, "NaN or ±infinity, which the destination cannot hold")
    limit = dest_dialect.text_limit(dest_type)
    src_limit = src_dialect.text_limit(src_type)
    if limit is None or (src_limit is not None and src_limit[1] == limit[1] and src_limit[0] <= limit[0]):
        return None
    size, unit = limit
    if isinstance(src_type, sa.LargeBinary):  # length() of a binary value counts bytes on every dialect
        where = f"{_length(conn, col, sa.func.length)} > {size}"
        return _unfit(conn, tbl, col, where, table, column, f"longer than the destination's {size} bytes")
    # characters first (every dialect counts them); a byte limit is then checked on the few long candidates
    chars = size // 4 if unit == "bytes" else size
    where = f"{_length(conn, col, sa.func.char_length)} > {chars}"
    if unit == "chars":
        return _unfit(conn, tbl, col, where, table, column, f"longer than the destination's {size} characters")
    long_values = run_statement(conn, f"SELECT {col} FROM {tbl} WHERE {where}").scalars().all()
    over = [v for v in long_values if len(v.encode("utf-8") if isinstance(v, str) else bytes(v)) > size]
    if not over:
        return None
    return Unfit(table, column, len(over), f"longer than the destination's {size} bytes",
                 [f"{len(str(v))} chars" for v in over[:3]])


def _length(conn: sa.Connection, col: str, function: Any) -> str:
    return str(function(sa.literal_column(col)).compile(dialect=conn.dialect))


def _unfit(conn: sa.Connection, tbl: str, col: str, where: str, table: str, column: str, why: str) -> Unfit | None:
    count = run_statement(conn, f"SELECT COUNT(*) FROM {tbl} WHERE {where}").scalar() or 0
    if not count:
        return None
    examples = run_statement(conn, f"SELECT {col} FROM {tbl} WHERE {where} LIMIT 3").scalars()
    return Unfit(table, column, int(count), why, [_short(v) for v in examples])


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{len(str(value))} chars"
