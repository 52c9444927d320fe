"""``plan``: what ``upgrade`` would do to a store, revision by revision, without changing anything.

For each pending revision of the installed MLflow: the release that introduced it, what it does, its class
(additive / rewrite / data / destructive, from the catalog), whether it runs in one transaction on the store's
dialect, whether servers of the store's current release keep working after it (rolling-safe), an estimated time
from the store's row counts, and the SQL Alembic's offline mode renders for the dialect (or why it cannot).
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy

from mlflow_upgrade.catalog import load_catalog
from mlflow_upgrade.dialects import dialect_for, get_dialect
from mlflow_upgrade.inspect import inspect_database
from mlflow_upgrade.store.schema import ALL_VERSION_TABLES, AUTH, TRACKING, VERSION_TABLE, read_version_rows
from mlflow_upgrade.store.uri import (
    MIGRATE_FILESTORE_HINT,
    StoreRef,
    mask_uri,
    parse_store_uri,
    require_database,
    sqlite_readonly_uri,
)
from mlflow_upgrade.upgrade import alembic_driver, estimate
from mlflow_upgrade.upgrade.preflight import preflight

CLASS_LABELS = {
    "additive": "additive",
    "rewrite": "rewrite",
    "data": "data backfill",
    "destructive": "destructive",
}


@dataclass
class PlannedRevision:
    index: int
    revision: str
    parent: str | None
    message: str
    introduced_in: str | None
    classification: str | None
    data_migration: bool
    transactional: bool
    transaction_note: str
    rolling_safe: bool | None
    rolling_note: str | None
    tables_touched: dict[str, str]
    estimate_seconds: float
    sql: str | None = None
    sql_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Plan:
    store: str  # masked
    db: str
    dialect: str
    current_revision: str | None
    target_revision: str
    installed_mlflow: str
    written_by: str | None
    revisions: list[PlannedRevision] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    preflight: Any = None  # PreflightReport when check=True
    auth: Plan | None = None

    @property
    def up_to_date(self) -> bool:
        return not self.revisions

    @property
    def estimate_seconds(self) -> float:
        return sum(r.estimate_seconds for r in self.revisions)

    @property
    def rolling_safe(self) -> bool:
        return all(r.rolling_safe for r in self.revisions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "db": self.db,
            "dialect": self.dialect,
            "current_revision": self.current_revision,
            "target_revision": self.target_revision,
            "installed_mlflow": self.installed_mlflow,
            "written_by": self.written_by,
            "up_to_date": self.up_to_date,
            "pending": len(self.revisions),
            "estimate_seconds": round(self.estimate_seconds, 2),
            "rolling_safe": self.rolling_safe,
            "row_counts": self.row_counts,
            "notes": self.notes,
            "revisions": [r.to_dict() for r in self.revisions],
            "preflight": self.preflight.to_dict() if self.preflight is not None else None,
            "auth": self.auth.to_dict() if self.auth is not None else None,
        }


# --- catalog facts ------------------------------------------------------------------------------------------


_FACT_FIELDS = ("parent", "message", "introduced_in", "classification", "data_migration", "rolling_safe",
                "rolling_note", "ops", "sqlite_recreates")


def revision_facts(db: str, revision: str) -> dict[str, Any]:
    """The catalog's facts on ``revision`` as a dict (empty when the catalog does not know it)."""
    facts = load_catalog().revision(db, revision)
    return {k: getattr(facts, k) for k in _FACT_FIELDS} if facts is not None else {}


def releases_shipping(db: str, revision: str) -> list[str]:
    return load_catalog().releases_shipping(db, revision)


def release_range(db: str, revision: str | None) -> str | None:
    return load_catalog().release_range(db, revision) if revision else None


# --- the plan -----------------------------------------------------------------------------------------------


def plan(uri: str, *, auth: bool = False, check: bool = False, with_sql: bool = True,
         auth_uri: str | None = None) -> Plan:
    """The pending revisions of the tracking store at ``uri`` (``auth=True``: ``uri`` is a basic-auth DB).

    ``check=True`` also runs the preflight (read-only). ``auth_uri`` adds the basic-auth database's plan as
    ``Plan.auth``.
    """
    ref = parse_store_uri(uri)
    db = AUTH if auth else TRACKING
    result = plan_database(ref, db, with_sql=with_sql)
    if check:
        result.preflight = preflight(uri, auth=auth)
    if auth_uri:
        result.auth = plan(auth_uri, auth=True, check=check, with_sql=with_sql)
    return result


def plan_database(ref: StoreRef, db: str, *, with_sql: bool = True) -> Plan:
    require_database(ref, file_store_hint=MIGRATE_FILESTORE_HINT)
    report = inspect_database(ref, db)
    current = report.revision
    if db == AUTH and report.version_table != VERSION_TABLE[AUTH]:
        current = _legacy_auth_revision(report)
    pending = alembic_driver.pending(db, current)
    rows = {t: c.rows for t, c in report.counts.items()}
    result = Plan(
        store=ref.masked,
        db=db,
        dialect=ref.kind,
        current_revision=current,
        target_revision=alembic_driver.head(db),
        installed_mlflow=report.installed_mlflow,
        written_by=report.written_by or release_range(db, current),
        row_counts=rows,
        notes=list(report.notes),
    )
    parent = current
    for i, info in enumerate(pending, start=1):
        result.revisions.append(_planned(ref, db, i, info, parent, rows, with_sql=with_sql))
        parent = info.revision
    if with_sql and ref.database_file is not None and any(r.sql is None for r in result.revisions):
        _rehearse_sqlite(ref, db, result)
    if db == AUTH and report.version_table != VERSION_TABLE[AUTH] and report.revision:
        result.notes.append(
            f"legacy basic-auth database: MLflow (and mlflow-upgrade) first stamps {current} into "
            "alembic_version_auth"
        )
    if result.revisions and not result.rolling_safe:
        unsafe = [r.revision for r in result.revisions if r.rolling_safe is False]
        result.notes.append(
            f"stop every MLflow server of the old release before upgrading: {len(unsafe)} revision(s) change "
            f"what old servers read or write ({', '.join(unsafe[:5])}{' …' if len(unsafe) > 5 else ''})"
        )
    return result


def _legacy_auth_revision(report) -> str | None:
    from mlflow.server.auth.db.utils import INITIAL_REVISION

    known = {r.revision for r in alembic_driver.chain(AUTH)}
    return report.revision if report.revision in known else INITIAL_REVISION


def _planned(ref: StoreRef, db: str, index: int, info: alembic_driver.RevisionInfo, parent: str | None,
             rows: dict[str, int], *, with_sql: bool) -> PlannedRevision:
    facts = revision_facts(db, info.revision)
    ops = list(facts.get("ops") or [])
    dialect = dialect_for(ref.kind)
    transactional, note = dialect.revision_transaction(ops)
    touched = estimate.touched_tables(ops, dialect, facts.get("sqlite_recreates") or ())
    planned = PlannedRevision(
        index=index,
        revision=info.revision,
        parent=parent,
        message=facts.get("message") or info.message,
        introduced_in=facts.get("introduced_in"),
        classification=facts.get("classification"),
        data_migration=bool(facts.get("data_migration")),
        transactional=transactional,
        transaction_note=note,
        rolling_safe=facts.get("rolling_safe"),
        rolling_note=facts.get("rolling_note"),
        tables_touched=touched,
        estimate_seconds=estimate.estimate_seconds(dialect, touched, rows),
    )
    if with_sql:
        planned.sql, planned.sql_error = render_sql(ref, db, parent, info.revision, planned.data_migration)
    return planned


def render_sql(ref: StoreRef, db: str, parent: str | None, revision: str,
               data_migration: bool = False) -> tuple[str | None, str | None]:
    """(sql, None) or (None, why offline mode cannot render this revision for ``ref``'s dialect)."""
    try:
        return alembic_driver.offline_sql(db, ref, parent, revision), None
    except Exception as exc:
        text = mask_uri(str(exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
        low = text.lower()
        if "batch mode" in low and "live database" in low:
            why = "SQLite batch mode must reflect the live table to rebuild it (no offline SQL on SQLite)"
        elif "inspection" in low or "mockconnection" in low:
            why = "the revision inspects the live database to decide what to do"
        elif data_migration:
            why = "data migration: it reads rows from the live database"
        else:
            why = "Alembic's offline mode cannot render it"
        return None, f"{why} ({type(exc).__name__}: {text[:160]})"


# --- SQLite: SQL captured from a rehearsal on an empty copy of the schema -----------------------------------

REHEARSAL_NOTE = ("-- captured from a rehearsal on an empty copy of this store's schema (offline mode cannot render "
                  "it); statements that depend on rows may differ with data\n")


def _rehearse_sqlite(ref: StoreRef, db: str, result: Plan) -> None:
    """Alembic cannot render batch-mode rebuilds or schema-inspecting revisions offline on SQLite. Run the pending
    revisions (MLflow's own, one at a time) on a scratch database holding only this store's schema, and record
    the statements each one executes. The store itself is only read. A revision failing there will fail on the
    store too: that is noted on the revision."""
    assert ref.path is not None
    with tempfile.TemporaryDirectory(prefix="mlflow-upgrade-rehearsal-") as tmp:
        scratch = Path(tmp) / "schema.db"
        try:
            _copy_schema(sqlite3, ref.path, scratch)
            _run_rehearsal(db, scratch, result)
        except Exception as exc:  # a rehearsal problem never breaks a plan
            result.notes.append(f"SQLite rehearsal for SQL capture failed: {mask_uri(str(exc)).splitlines()[0][:200]}")


def _copy_schema(sqlite3, source: Path, scratch: Path) -> None:
    src = sqlite3.connect(sqlite_readonly_uri(source), uri=True)
    try:
        rows = src.execute(
            "SELECT type, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
            "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid"
        ).fetchall()
        tables = {name for (name,) in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        versions = {t: read_version_rows(src, t) for t in ALL_VERSION_TABLES if t in tables}
    finally:
        src.close()
    dst = sqlite3.connect(scratch)
    try:
        for _, sql in rows:
            dst.execute(sql)
        for table, revisions in versions.items():
            dst.executemany(f'INSERT INTO "{table}" VALUES (?)', [(v,) for v in revisions])
        dst.commit()
    finally:
        dst.close()


def _run_rehearsal(db: str, scratch: Path, result: Plan) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    captured: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        if conn.engine.url.database != str(scratch):
            return
        text = statement.strip()
        if text.upper().startswith(("SELECT", "PRAGMA")):
            return
        captured.append(text.rstrip(";") + ";")

    url = f"sqlite:///{scratch}"
    if db == AUTH:
        engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
        try:
            alembic_driver.stamp_legacy_auth(engine)
        finally:
            engine.dispose()
    event.listen(Engine, "before_cursor_execute", capture)
    try:
        with get_dialect("sqlite").migration_guard():  # the rehearsal runs on a SQLite scratch copy
            for planned in result.revisions:
                captured.clear()
                try:
                    alembic_driver.upgrade_one(db, url, planned.revision)
                except Exception as exc:
                    text = mask_uri(str(exc)).strip().splitlines()[0][:200]
                    result.notes.append(f"revision {planned.revision} failed in a rehearsal on an empty copy of the "
                                        f"schema ({text}): the upgrade would fail there too")
                    return
                if planned.sql is None:
                    planned.sql = REHEARSAL_NOTE + "\n".join(captured) + "\n"
                    planned.sql_error = f"offline mode: {planned.sql_error}; SQL shown is from the rehearsal"
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
