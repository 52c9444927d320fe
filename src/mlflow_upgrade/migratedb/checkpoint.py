"""Progress kept in the destination itself, so a killed ``migrate-db`` resumes without duplicate or missing rows.

Two small tables of ours live next to MLflow's while the copy runs, and are dropped when it is complete (the
finished destination holds MLflow's tables only):

* ``mlflow_upgrade_db_state``: name/value pairs: the source (identity and revision), the phase, and per table the
  indexes and keys dropped while its rows load (``deferred:<table>``: their names and the DDL re-creating them).
* ``mlflow_upgrade_db_tables``: one row per copied table: rows copied so far, the primary key of the last one,
  the running digest of the source rows; updated **in the same transaction** as the rows it describes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from mlflow_upgrade.dialects.logical import _decode_row, _default
from mlflow_upgrade.store.state_table import StateTable

STATE = "mlflow_upgrade_db_state"
TABLES = "mlflow_upgrade_db_tables"
OURS = frozenset({STATE, TABLES})

_meta = sa.MetaData()
_state = StateTable(STATE, _meta)
tables_table = sa.Table(
    TABLES, _meta,
    sa.Column("table_name", sa.String(128), primary_key=True),
    sa.Column("copied", sa.BigInteger, nullable=False),
    sa.Column("last_key", sa.Text),  # JSON list of the last copied row's primary key values (tagged types)
    sa.Column("digest", sa.String(40), nullable=False),  # running digest of the source rows, decimal
    sa.Column("complete", sa.Boolean, nullable=False),
)


@dataclass
class TableProgress:
    copied: int = 0
    last_key: tuple[Any, ...] | None = None
    digest: int = 0
    complete: bool = False


def create(engine: sa.Engine) -> None:
    _meta.create_all(engine)


def drop(engine: sa.Engine) -> None:
    _meta.drop_all(engine)


def read_state(engine: sa.Engine) -> dict[str, str]:
    return _state.read(engine)


def write_state(conn: sa.Connection, **values: Any) -> None:
    """Set state pairs in the caller's transaction."""
    _state.write(conn, **values)


def read_progress(engine: sa.Engine) -> dict[str, TableProgress]:
    with engine.connect() as conn:
        return {
            r.table_name: TableProgress(int(r.copied), decode_key(r.last_key), int(r.digest), bool(r.complete))
            for r in conn.execute(sa.select(tables_table))
        }


def save_progress(conn: sa.Connection, table: str, progress: TableProgress) -> None:
    """Record ``progress`` of ``table`` in the caller's transaction (the one holding its rows)."""
    conn.execute(sa.delete(tables_table).where(tables_table.c.table_name == table))
    conn.execute(sa.insert(tables_table).values(
        table_name=table, copied=progress.copied, last_key=encode_key(progress.last_key),
        digest=str(progress.digest), complete=progress.complete,
    ))


def encode_key(key: tuple[Any, ...] | None) -> str | None:
    return None if key is None else json.dumps(list(key), default=_default)


def decode_key(text: str | None) -> tuple[Any, ...] | None:
    return None if text is None else _decode_row(json.loads(text))


def deferred(conn: sa.Connection, table: str) -> list[tuple[str, str]] | None:
    """(name, DDL) of the indexes and keys of ``table`` dropped for its load and not yet re-created, or None."""
    text = _state.get(conn, f"deferred:{table}")
    return None if text is None else [(name, ddl) for name, ddl in json.loads(text)]


def set_deferred(conn: sa.Connection, table: str, objects: list[tuple[str, str]] | None) -> None:
    """Record (or with None forget) what was dropped, in the caller's transaction (the one dropping it)."""
    _state.write(conn, **{f"deferred:{table}": None if objects is None else json.dumps(objects)})
