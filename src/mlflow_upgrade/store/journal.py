"""The upgrade journal: one row per upgrade mlflow-upgrade performs, kept in the store itself.

``mlflow_upgrade_log`` lets ``inspect`` and ``verify`` notice that a store was migrated by something else (an
MLflow 3.x client or server migrates an old store silently the moment it connects): the store's revision then
differs from the ``to_revision`` of the journal's last finished entry.

Only the upgrade runner writes here (:func:`ensure_journal`, :func:`record_start`, :func:`record_finish`);
:func:`last_entry` and :func:`detect_outside_migration` only read and never create the table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy
from sqlalchemy.engine import Connection

from mlflow_upgrade import __version__

TABLE = "mlflow_upgrade_log"
STATUS_RUNNING = "running"
STATUS_OK = "ok"
STATUS_FAILED = "failed"
STATUS_RESTORED = "restored"

_metadata = sqlalchemy.MetaData()
journal_table = sqlalchemy.Table(
    TABLE,
    _metadata,
    sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True, autoincrement=True),
    sqlalchemy.Column("started_at", sqlalchemy.String(32), nullable=False),
    sqlalchemy.Column("finished_at", sqlalchemy.String(32), nullable=True),
    sqlalchemy.Column("from_revision", sqlalchemy.String(64), nullable=True),
    sqlalchemy.Column("to_revision", sqlalchemy.String(64), nullable=False),
    sqlalchemy.Column("tool_version", sqlalchemy.String(32), nullable=False),
    sqlalchemy.Column("status", sqlalchemy.String(16), nullable=False),
)


@dataclass(frozen=True)
class JournalEntry:
    id: int
    started_at: str
    finished_at: str | None
    from_revision: str | None
    to_revision: str
    tool_version: str
    status: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def has_journal(conn: Connection) -> bool:
    return sqlalchemy.inspect(conn).has_table(TABLE)


def ensure_journal(conn: Connection) -> None:
    """Create the journal table if it is missing (the runner calls this; never from a read-only command)."""
    _metadata.create_all(conn, tables=[journal_table], checkfirst=True)


def record_start(conn: Connection, from_rev: str | None, to_rev: str) -> int:
    """Journal an upgrade that is about to run; returns its id for :func:`record_finish`."""
    ensure_journal(conn)
    result = conn.execute(journal_table.insert().values(
        started_at=_now(), from_revision=from_rev, to_revision=to_rev, tool_version=__version__,
        status=STATUS_RUNNING,
    ))
    return int(result.inserted_primary_key[0])


def record_finish(conn: Connection, entry_id: int, status: str) -> None:
    """Mark entry ``entry_id`` finished with ``status`` ("ok", "failed", "restored")."""
    conn.execute(journal_table.update().where(journal_table.c.id == entry_id)
                 .values(finished_at=_now(), status=status))


def last_entry(conn: Connection, *, finished_ok: bool = False) -> JournalEntry | None:
    """The newest journal entry (or the newest successful one); None when there is no journal."""
    if not has_journal(conn):
        return None
    query = sqlalchemy.select(journal_table).order_by(journal_table.c.id.desc()).limit(1)
    if finished_ok:
        query = query.where(journal_table.c.status == STATUS_OK)
    row = conn.execute(query).first()
    return JournalEntry(**row._mapping) if row is not None else None


def detect_outside_migration(conn: Connection, current_revision: str | None) -> str | None:
    """A message when the store's revision differs from what the journal's last upgrade left; None when they
    agree or when mlflow-upgrade never upgraded this store."""
    entry = last_entry(conn)
    if entry is None:
        return None
    if entry.status == STATUS_OK:
        expected = entry.to_revision
    elif entry.status in (STATUS_FAILED, STATUS_RESTORED):
        expected = entry.from_revision
    else:  # "running": an upgrade is under way or was interrupted; either revision is plausible
        if current_revision in (entry.from_revision, entry.to_revision):
            return None
        expected = entry.to_revision
    if current_revision == expected:
        return None
    return (f"store migrated from {expected} to {current_revision} outside mlflow-upgrade (an MLflow client or "
            f"server connected) after its last journalled upgrade #{entry.id} of {entry.started_at}")
