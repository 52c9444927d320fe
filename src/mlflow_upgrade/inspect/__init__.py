"""``inspect``: a strictly read-only snapshot of a tracking store.

SQLite is opened with ``mode=ro``; server databases are only SELECTed from (and the transaction is rolled back);
MLflow's own store classes are never instantiated, because MLflow 3.x migrates an old database the moment its
store connects. File stores are only listed and read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlflow_upgrade import errors
from mlflow_upgrade.catalog import (
    installed_head,
    installed_version,
    load_catalog,
    newer_than_installed,
    pending_revisions,
    store_too_new,
)
from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.inspect.filestore import summarize_file_store
from mlflow_upgrade.inspect.server import DEFAULT_TIMEOUT, probe_server
from mlflow_upgrade.store.counts import MAIN_TABLES, RowCount, count_rows
from mlflow_upgrade.store.journal import detect_outside_migration, has_journal
from mlflow_upgrade.store.schema import (
    AUTH,
    STATUS_EMPTY,
    STATUS_MLFLOW,
    STATUS_NOT_MLFLOW,
    STATUS_PARTIAL,
    TRACKING,
    TRACKING_VERSION_TABLE,
    SchemaState,
    read_state,
)
from mlflow_upgrade.store.uri import StoreRef, connected, parse_store_uri, require_database


@dataclass
class PendingRevision:
    revision: str
    message: str
    introduced_in: str | None
    classification: str | None


@dataclass
class DatabaseReport:
    """What one database (tracking or basic-auth) holds."""

    db: str
    dialect: str
    uri: str  # masked
    status: str
    revision: str | None
    version_table: str | None
    written_by: str | None  # MLflow release range whose head this revision is, e.g. "1.30.0–1.30.1"
    shipped_by: str | None  # first..last release that ships this revision (when it is no release's head)
    installed_mlflow: str
    installed_head: str
    up_to_date: bool
    pending: list[PendingRevision]
    counts: dict[str, RowCount] = field(default_factory=dict)
    foreign_tables: list[str] = field(default_factory=list)
    foreign_apps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outside_migration: str | None = None  # set when the DB was migrated after mlflow-upgrade's last upgrade

    @property
    def would_migrate(self) -> bool:
        return bool(self.pending)

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items()}
        data["would_migrate"] = self.would_migrate
        data["counts"] = {t: c.to_dict() for t, c in self.counts.items()}
        return data


@dataclass
class Snapshot:
    store: str  # masked URI or path
    kind: str
    tracking: DatabaseReport | None = None
    filestore: Any = None  # filestore_summary.FileStoreSummary
    auth: DatabaseReport | None = None
    server: Any = None  # server_probe.ServerInfo

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "kind": self.kind,
            "tracking": self.tracking.to_dict() if self.tracking else None,
            "filestore": self.filestore.to_dict() if self.filestore else None,
            "auth": self.auth.to_dict() if self.auth else None,
            "server": self.server.to_dict() if self.server else None,
        }


def inspect(
    uri: str,
    *,
    auth_uri: str | None = None,
    server: str | None = None,
    exact_counts: bool = False,
    server_timeout: float = DEFAULT_TIMEOUT,
) -> Snapshot:
    """Read-only report on the store at ``uri`` (a database URI or a file-store path); ``server``: a tracking
    server to probe, each request within ``server_timeout`` seconds."""
    ref = parse_store_uri(uri)
    snapshot = Snapshot(store=ref.masked, kind=ref.kind)
    if ref.is_sql:
        snapshot.tracking = inspect_database(ref, TRACKING, exact_counts=exact_counts)
    else:
        snapshot.filestore = summarize_file_store(ref)
    if auth_uri:
        snapshot.auth = inspect_database(parse_store_uri(auth_uri), AUTH, exact_counts=exact_counts)
    if server:
        snapshot.server = probe_server(server, timeout=server_timeout)
    return snapshot


def inspect_database(ref: StoreRef, db: str, *, exact_counts: bool = False) -> DatabaseReport:
    require_database(ref, file_store_hint=f"the {db} store must be a SQL database")
    with connected(ref, read_only=True) as engine, engine.connect() as conn:
        state = read_state(conn, db)
        refuse_unusable(ref, state)
        report = _describe(ref, state)
        report.outside_migration = _outside_migration(conn, state)
        if report.outside_migration:
            report.notes.append(report.outside_migration)
        report.counts = count_rows(conn, get_dialect(ref), _count_tables(state), exact=exact_counts)
        conn.rollback()
    return report


def _outside_migration(conn, state: SchemaState) -> str | None:
    """Compare the revision with mlflow-upgrade's journal (if it ever upgraded this DB): a silent migration by
    a newer MLflow client or server shows up as a revision the journal did not leave."""
    if state.db != TRACKING or not has_journal(conn):
        return None
    return detect_outside_migration(conn, state.revision)


def refuse_unusable(ref: StoreRef, state: SchemaState) -> None:
    """Bad input gets one clear line: empty, foreign, half-created or too-new schemas."""
    what = "basic-auth database" if state.db == AUTH else "MLflow tracking database"
    if state.status == STATUS_EMPTY:
        raise errors.NotAnMlflowStore(
            f"{ref.masked} is empty: it holds no {what} (MLflow creates the schema when a server first connects)"
        )
    if state.status == STATUS_NOT_MLFLOW:
        apps = f" (it looks like {', '.join(state.foreign_apps)}'s)" if state.foreign_apps else ""
        raise errors.NotAnMlflowStore(
            f"{ref.masked} is not an {what}: none of its {len(state.tables)} tables are MLflow's{apps}"
        )
    if state.status == STATUS_PARTIAL and state.db == TRACKING:
        raise errors.NotAnMlflowStore(
            f"{ref.masked} holds a half-created MLflow schema ({_partial_note(state)}): restore it from a backup, "
            "or drop it and let MLflow create it again"
        )
    catalog = load_catalog()
    if (
        state.revision
        and not catalog.is_known(state.db, state.revision)
        and newer_than_installed(state.db, state.revision)
    ):
        if state.foreign_apps or not _looks_like_alembic_rev(state.revision):
            owner = ", ".join(state.foreign_apps) or "another application"
            raise errors.NotAnMlflowStore(
                f"{ref.masked}: {state.version_table} holds revision '{state.revision}', which is not MLflow's "
                f"({owner} shares the table name): give MLflow and {owner} separate databases"
            )
        raise store_too_new(ref.masked, state.db, state.revision)
    if state.revision and newer_than_installed(state.db, state.revision):
        raise store_too_new(ref.masked, state.db, state.revision)


def _looks_like_alembic_rev(rev: str) -> bool:
    return len(rev) == 12 and all(c in "0123456789abcdef" for c in rev)


def _describe(ref: StoreRef, state: SchemaState) -> DatabaseReport:
    catalog = load_catalog()
    head = installed_head(state.db)
    notes: list[str] = []
    pending: list[PendingRevision] = []
    written_by = shipped_by = None
    if state.status == STATUS_PARTIAL:
        notes.append(_partial_note(state))
    if state.revision:
        written_by = catalog.release_range(state.db, state.revision)
        if written_by is None:
            shipped = catalog.releases_shipping(state.db, state.revision)
            shipped_by = f"{shipped[0]}–{shipped[-1]}" if shipped else None
            notes.append(
                f"revision {state.revision} is no release's head: an upgrade stopped part way "
                "(run `mlflow-upgrade upgrade` to finish it)"
            )
        pending = [
            PendingRevision(r.revision, r.message, r.introduced_in, r.classification)
            for r in pending_revisions(state.db, state.revision)
        ]
    elif state.status == STATUS_PARTIAL and state.db == AUTH:
        pending = [
            PendingRevision(r.revision, r.message, r.introduced_in, r.classification)
            for r in pending_revisions(state.db, None)
        ]
    if state.extra_version_rows:
        notes.append(
            f"{state.version_table} holds several rows: {', '.join([state.revision or '', *state.extra_version_rows])}"
        )
    if state.foreign_tables:
        notes.append(
            f"{len(state.foreign_tables)} tables belong to other applications: {', '.join(state.foreign_tables[:8])}"
            + (" …" if len(state.foreign_tables) > 8 else "")
        )
    return DatabaseReport(
        db=state.db,
        dialect=ref.kind,
        uri=ref.masked,
        status=state.status,
        revision=state.revision,
        version_table=state.version_table,
        written_by=written_by,
        shipped_by=shipped_by,
        installed_mlflow=_installed_version(),
        installed_head=head,
        up_to_date=state.revision == head,
        pending=pending,
        foreign_tables=state.foreign_tables,
        foreign_apps=state.foreign_apps,
        notes=notes,
    )


def _partial_note(state: SchemaState) -> str:
    if state.db == AUTH and state.version_table is None:
        return "basic-auth tables without alembic_version_auth: written by MLflow < 3.6 (MLflow stamps it on upgrade)"
    return f"half-created schema: MLflow tables present but no revision in {state.version_table or TRACKING_VERSION_TABLE}"


def _count_tables(state: SchemaState) -> list[str]:
    return [t for t in MAIN_TABLES[state.db] if t in state.tables]


def _installed_version() -> str:
    return installed_version()


__all__ = [
    "STATUS_MLFLOW",
    "DatabaseReport",
    "PendingRevision",
    "Snapshot",
    "inspect",
    "inspect_database",
    "refuse_unusable",
]
