"""Preflight: read-only checks that must pass before ``upgrade`` touches a store (also ``plan --check``).

Each check yields (name, ok|warn|fail, one line with the fix). A failed check refuses the upgrade with exit code 7
(:class:`errors.PreflightFailed`) unless the check has an override flag and the caller set it
(``--allow-connections``); a database newer than the installed MLflow refuses with exit code 5.

Dialect-specific SQL lives here, keyed by dialect, so the backup helpers' dialect modules stay untouched.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy.engine import Connection, Engine

from mlflow_upgrade import errors
from mlflow_upgrade.catalog import installed_version, load_catalog, too_new_message
from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.store import journal
from mlflow_upgrade.store.schema import AUTH, AUTH_CORE, STATUS_EMPTY, STATUS_NOT_MLFLOW, TRACKING, read_state
from mlflow_upgrade.store.uri import (
    MIGRATE_FILESTORE_HINT,
    StoreRef,
    connected,
    mask_uri,
    parse_store_uri,
    require_database,
)
from mlflow_upgrade.upgrade import alembic_driver
from mlflow_upgrade.upgrade.estimate import resolve_tables
from mlflow_upgrade.upgrade.preflight import case_conflicts
from mlflow_upgrade.upgrade.preflight.conflicts import find_conflicts

OK, WARN, FAIL = "ok", "warn", "fail"
OVERRIDES = {"connections": "--allow-connections", "foreign_tables": "--allow-foreign-tables"}
BACKUP_SIZE_FACTOR = 1.2  # logical dumps run a little larger than the live data; leave a margin


@dataclass
class Check:
    name: str
    status: str
    message: str
    override: str | None = None  # the flag that lets `upgrade` proceed despite a failure
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "message": mask_uri(self.message),
                "override": self.override, "details": self.details}


@dataclass
class PreflightReport:
    store: str  # masked
    db: str
    dialect: str
    revision: str | None
    checks: list[Check] = field(default_factory=list)
    half_applied: dict[str, Any] | None = None  # the next revision's objects found already present

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL]

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {"store": self.store, "db": self.db, "dialect": self.dialect, "revision": self.revision,
                "ok": self.ok, "checks": [c.to_dict() for c in self.checks], "half_applied": self.half_applied}

    def raise_for_failures(self, *, allow: frozenset[str] = frozenset(), skip: frozenset[str] = frozenset()) -> None:
        """Refuse (exit 5 for a too-new DB, else 7) on the first failure not overridden by ``allow``."""
        for c in self.failures:
            if c.name in skip or (c.override and c.name in allow):
                continue
            hint = f" (or pass {c.override})" if c.override else ""
            if c.name == "mlflow_version":
                raise errors.StoreTooNew(f"{self.store}: {c.message}")
            raise errors.PreflightFailed(f"preflight '{c.name}' failed for {self.store}: {c.message}{hint}")


def preflight(
    uri: str,
    *,
    auth: bool = False,
    backup_dir: str | Path | None = None,
    no_backup: bool = False,
    allow_connections: bool = False,
    own_sessions: frozenset[int] = frozenset(),
) -> PreflightReport:
    """Run every check against ``uri`` without changing anything. ``own_sessions`` are server sessions of the
    caller (its upgrade lock), not counted as other clients."""
    ref = parse_store_uri(uri)
    require_database(ref, file_store_hint=MIGRATE_FILESTORE_HINT)
    db = AUTH if auth else TRACKING
    with connected(ref, read_only=True) as engine:
        return _run_checks(ref, engine, db, backup_dir=backup_dir, no_backup=no_backup,
                           allow_connections=allow_connections, own_sessions=own_sessions)


def _run_checks(ref: StoreRef, engine: Engine, db: str, *, backup_dir, no_backup: bool,
                allow_connections: bool, own_sessions: frozenset[int] = frozenset()) -> PreflightReport:
    with engine.connect() as conn:
        state = read_state(conn, db)
        if state.status in (STATUS_EMPTY, STATUS_NOT_MLFLOW) and not (db == AUTH and state.tables):
            what = "basic-auth database" if db == AUTH else "MLflow tracking store"
            raise errors.NotAnMlflowStore(f"{ref.masked} is not an {what} ({state.status}): nothing to upgrade")
        if db == AUTH and not AUTH_CORE & set(state.tables):
            raise errors.NotAnMlflowStore(
                f"{ref.masked} is not a basic-auth database (no users or experiment_permissions table): check "
                "--auth-uri (MLflow's basic-auth app keeps its own database, basic_auth.db by default)"
            )
        if db == TRACKING and state.revision is None:
            raise errors.NotAnMlflowStore(
                f"{ref.masked} holds MLflow tables but no revision in alembic_version (half-created, or a pre-1.0 "
                "schema): restore it from a backup, or let MLflow create a fresh database and migrate the data"
            )
        current = _current_revision(conn, db, state)
        report = PreflightReport(store=ref.masked, db=db, dialect=ref.kind, revision=current)
        report.checks.append(check_version_table(state, db))
        report.checks.append(check_foreign_tables(state, db))
        report.checks.append(check_mlflow_version(db, current, state))
        report.checks.append(_guarded("connections", lambda: check_connections(ref, conn, allow_connections,
                                                                               own_sessions)))
        report.checks.append(_guarded("privileges", lambda: check_privileges(ref, conn)))
        report.checks.append(_guarded("disk_space", lambda: check_disk_space(ref, conn, backup_dir, no_backup)))
        half = _guarded("half_applied", lambda: check_half_applied(ref, conn, db, current, report))
        report.checks.append(half)
        report.checks.append(_guarded("conflicts", lambda: check_conflicts(ref, conn, db, current)))
        report.checks.append(_guarded("interrupted_run", lambda: check_journal(conn, current)))
        report.checks.append(_guarded(case_conflicts.NAME, lambda: check_case_only_versions(ref, conn, db, current)))
        conn.rollback()
    return report


def _guarded(name: str, fn: Callable[[], Check]) -> Check:
    """A check that cannot run (permissions to read a catalog view, an odd server) warns instead of crashing."""
    try:
        return fn()
    except errors.MlflowUpgradeError:
        raise
    except Exception as exc:
        text = mask_uri(str(exc)).strip().splitlines()[0][:200] if str(exc) else type(exc).__name__
        return Check(name, WARN, f"could not run this check ({text}); check it by hand")


def _current_revision(conn: Connection, db: str, state) -> str | None:
    if db == AUTH and state.version_table != alembic_driver.VERSION_TABLE[AUTH]:
        from mlflow.server.auth.db.utils import INITIAL_REVISION

        known = {r.revision for r in alembic_driver.chain(AUTH)}
        if state.revision in known:
            return state.revision
        return INITIAL_REVISION if "users" in state.tables else None
    return state.revision


# --- alembic_version shared with another application ---------------------------------------------------------


def check_version_table(state, db: str) -> Check:
    table = state.version_table or alembic_driver.VERSION_TABLE[db]
    known = {r.revision for r in alembic_driver.chain(db)}
    rows = [r for r in [state.revision, *state.extra_version_rows] if r]
    foreign_rows = [r for r in rows if r not in known and not _looks_like_mlflow_rev(r)]
    if db == AUTH and state.version_table == "alembic_version" and foreign_rows:
        return Check("version_table", OK, f"legacy auth DB: alembic_version holds {', '.join(rows)} "
                     "(MLflow stamps alembic_version_auth)")
    if foreign_rows or (state.foreign_apps and not rows):
        owner = ", ".join(state.foreign_apps) or "another application"
        return Check(
            "version_table", FAIL,
            f"{table} holds {', '.join(repr(r) for r in rows) or 'no MLflow revision'}, which is not MLflow's: "
            f"{owner} shares this database and its Alembic version table with MLflow; migrating would corrupt "
            f"one of them. Move MLflow (or {owner}) to its own database, then upgrade",
            details={"rows": rows, "foreign_apps": state.foreign_apps},
        )
    if len(rows) > 1:
        return Check("version_table", FAIL,
                     f"{table} holds {len(rows)} rows ({', '.join(rows)}): MLflow's history is linear, so another "
                     "application or a manual stamp added one; remove the stray row after checking which is MLflow's",
                     details={"rows": rows})
    extra = f"; {len(state.foreign_tables)} other application tables present" if state.foreign_tables else ""
    return Check("version_table", OK, f"{table} holds MLflow's revision {rows[0] if rows else '(none)'}{extra}")


def check_foreign_tables(state, db: str) -> Check:
    """Another application's tables beside MLflow's: both keep their Alembic revision in ``alembic_version``,
    so one of them is broken already or will be at its next migration."""
    if db != TRACKING or not state.foreign_apps:
        return Check("foreign_tables", OK, "no other application's tables in this database")
    apps = ", ".join(state.foreign_apps)
    return Check(
        "foreign_tables", FAIL,
        f"this database also holds {apps}'s tables; {apps} and MLflow both keep their Alembic revision in "
        "alembic_version, so whichever migrates next breaks the other. Give each its own database (copy MLflow's "
        "with `mlflow-upgrade backup` + `restore --to NEW_URI`, or move the other application's tables), then "
        "upgrade",
        override=OVERRIDES["foreign_tables"], details={"foreign_apps": state.foreign_apps},
    )


def _looks_like_mlflow_rev(rev: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{12,13}", rev))


# --- newer than the installed MLflow ------------------------------------------------------------------------


def check_mlflow_version(db: str, current: str | None, state) -> Check:
    installed = installed_version()
    ids = [r.revision for r in alembic_driver.chain(db)]
    if current is None or current in ids:
        n = len(alembic_driver.pending(db, current))
        return Check("mlflow_version", OK, f"installed MLflow {installed} knows revision {current}; "
                     f"{n} revision(s) pending")
    if not _looks_like_mlflow_rev(current):
        return Check("mlflow_version", OK, "not an MLflow revision (see version_table)")
    shipping = load_catalog().releases_shipping(db, current)
    return Check("mlflow_version", FAIL, too_new_message(db, current),
                 details={"needed": shipping[0] if shipping else None})


# --- data a pending migration would refuse (case-only differences) --------------------------------------------


def check_case_only_versions(ref: StoreRef, conn: Connection, db: str, current: str | None) -> Check:
    """Fails when a pending revision would refuse the data part way through the upgrade (see case_conflicts)."""
    conflicts = case_conflicts.find_conflicts(conn, ref.kind, db, current)
    if conflicts:
        return Check(case_conflicts.NAME, FAIL, conflicts[0].message, details={
            "conflicts": [{"table": c.table, "column": c.column, "rows": c.count, "revision": c.rule.revision}
                          for c in conflicts]})
    rules = case_conflicts.pending_rules(db, current)
    if not rules:
        return Check(case_conflicts.NAME, OK, "no pending revision starts comparing text case-sensitively")
    revisions = ", ".join(r.revision for r in rules)
    return Check(case_conflicts.NAME, OK, f"pending {revisions}: no reference differs from its version only in case")


# --- other open connections ---------------------------------------------------------------------------------


def check_connections(ref: StoreRef, conn: Connection, allow: bool, own: frozenset[int] = frozenset()) -> Check:
    """Every session on this database but this process's own, whatever role it connected as."""
    if ref.kind == "sqlite":
        return _sqlite_connections(ref, allow)
    others = get_dialect(ref).other_sessions(conn, own)
    if others is None:
        return Check("connections", WARN, f"this user cannot see other users' sessions on {ref.kind} (grant it "
                     "PROCESS, or check by hand): stop every MLflow server and client first")
    if not others:
        return Check("connections", OK, "no other connection to this database")
    who = sorted(set(others))
    text = (f"{len(others)} other connection(s) to this database ({', '.join(who[:5])}): stop the MLflow servers "
            "and clients using it")
    details = {"count": len(others), "clients": who}
    if allow:
        return Check("connections", WARN, text + " (allowed by --allow-connections)",
                     override=OVERRIDES["connections"], details=details)
    return Check("connections", FAIL, text, override=OVERRIDES["connections"], details=details)


def _sqlite_connections(ref: StoreRef, allow: bool) -> Check:
    assert ref.path is not None
    extras = [p.name for p in (ref.path.with_name(ref.path.name + s) for s in ("-wal", "-journal")) if p.exists()]
    locked = False
    try:
        # A write lock, taken and given back at once: fails while another process writes or holds a lock.
        raw = sqlite3.connect(str(ref.path), timeout=0.5, isolation_level=None)
        try:
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("ROLLBACK")
        finally:
            raw.close()
    except sqlite3.OperationalError as exc:
        locked = "locked" in str(exc) or "busy" in str(exc)
        if not locked:
            raise
    if not locked and not extras:
        return Check("connections", OK, "no other process holds a lock on the SQLite file")
    if locked:
        text = f"another process holds a lock on {ref.path}: stop the MLflow servers and clients using it"
    else:
        text = (f"{', '.join(extras)} next to {ref.path.name}: a process may have it open (WAL) or crashed mid-"
                "write; stop every MLflow process using it")
    status = WARN if (allow or not locked) else FAIL
    if allow and locked:
        text += " (allowed by --allow-connections)"
    return Check("connections", status, text, override=OVERRIDES["connections"], details={"files": extras})


# --- disk space for the backup ------------------------------------------------------------------------------


def database_size(ref: StoreRef, conn: Connection) -> int:
    if ref.kind == "sqlite":
        assert ref.path is not None
        wal = ref.path.with_name(ref.path.name + "-wal")
        return ref.path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    if ref.kind == "postgresql":
        return int(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one())
    if ref.kind == "mysql":
        return int(conn.exec_driver_sql(
            "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.TABLES "
            "WHERE table_schema = DATABASE()"
        ).scalar_one())
    return 0


def _existing_parent(path: Path) -> Path:
    path = path.expanduser().resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def default_backup_dir() -> Path:
    return Path("mlflow-upgrade-backups")


def check_disk_space(ref: StoreRef, conn: Connection, backup_dir, no_backup: bool) -> Check:
    size = database_size(ref, conn)
    need_backup = 0 if no_backup else int(size * BACKUP_SIZE_FACTOR)
    where = _existing_parent(Path(backup_dir) if backup_dir else default_backup_dir())
    free = shutil.disk_usage(where).free
    problems = []
    if need_backup and free < need_backup:
        problems.append(f"the backup needs ~{_mb(need_backup)} but {where} has {_mb(free)} free: free space or "
                        "pass --backup-dir on a larger disk")
    if ref.kind == "sqlite":
        # Batch mode copies a table while it rebuilds it; the largest table can need its own size again.
        assert ref.path is not None
        db_free = shutil.disk_usage(ref.path.parent).free
        same_disk = os.stat(ref.path.parent).st_dev == os.stat(where).st_dev
        need_here = size + (need_backup if same_disk else 0)
        if db_free < need_here:
            problems.append(f"{ref.path.parent} has {_mb(db_free)} free; rebuilding tables (and the backup) needs "
                            f"~{_mb(need_here)}")
    details = {"database_bytes": size, "backup_bytes_needed": need_backup, "free_bytes": free,
               "backup_dir": str(where)}
    if problems:
        return Check("disk_space", FAIL, "; ".join(problems), details=details)
    if no_backup:
        return Check("disk_space", OK, f"no backup requested (database ~{_mb(size)})", details=details)
    return Check("disk_space", OK, f"backup needs ~{_mb(need_backup)}, {_mb(free)} free at {where}", details=details)


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n < 1e9 else f"{n / 1e9:.2f} GB"


# --- privileges ---------------------------------------------------------------------------------------------


def check_privileges(ref: StoreRef, conn: Connection) -> Check:
    return {"sqlite": _sqlite_privileges, "postgresql": _pg_privileges, "mysql": _mysql_privileges}.get(
        ref.kind, lambda r, c: Check("privileges", WARN, f"privileges are not checked on {r.kind}")
    )(ref, conn)


def _sqlite_privileges(ref: StoreRef, conn: Connection) -> Check:
    assert ref.path is not None
    bad = [str(p) for p in (ref.path, ref.path.parent) if not os.access(p, os.W_OK)]
    if bad:
        return Check("privileges", FAIL, f"not writable by this user: {', '.join(bad)} (SQLite needs the file and "
                     "its directory writable for its journal): fix the permissions or run as the file's owner")
    return Check("privileges", OK, "the database file and its directory are writable")


def _pg_privileges(ref: StoreRef, conn: Connection) -> Check:
    row = conn.exec_driver_sql(
        "SELECT current_user, has_database_privilege(current_database(), 'CREATE'), "
        "has_schema_privilege(current_schema(), 'CREATE'), "
        "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user), current_schema()"
    ).one()
    user, db_create, schema_create, superuser, schema = row
    if superuser:
        return Check("privileges", OK, f"{user} is a superuser")
    problems = []
    if not schema_create:
        problems.append(f"no CREATE on schema {schema} (GRANT CREATE ON SCHEMA {schema} TO {user})")
    not_owned = [r[0] for r in conn.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "AND NOT pg_has_role(current_user, tableowner, 'USAGE')"
    )]
    if not_owned:
        problems.append(f"{len(not_owned)} table(s) owned by another role ({', '.join(not_owned[:4])}): only the "
                        "owner can ALTER them; run as the owner or GRANT the owning role to this user")
    if problems:
        return Check("privileges", FAIL, f"{user} cannot migrate: " + "; ".join(problems),
                     details={"user": user, "not_owned": not_owned, "database_create": bool(db_create)})
    return Check("privileges", OK, f"{user} owns the tables and may CREATE in schema {schema}")


_MYSQL_NEEDED = ("SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "INDEX", "REFERENCES")


def _mysql_privileges(ref: StoreRef, conn: Connection) -> Check:
    grants = [str(r[0]) for r in conn.exec_driver_sql("SHOW GRANTS")]
    database = conn.exec_driver_sql("SELECT DATABASE()").scalar_one()
    have: set[str] = set()
    for grant in grants:
        m = re.match(r"GRANT (.+?) ON (\S+) TO", grant, re.IGNORECASE)
        if not m or not _mysql_scope_matches(m.group(2), database):
            continue
        privs = {p.strip().upper() for p in m.group(1).split(",")}
        if "ALL PRIVILEGES" in privs or "ALL" in privs:
            have.update(_MYSQL_NEEDED)
        have.update(p.split("(")[0].strip() for p in privs)
    missing = [p for p in _MYSQL_NEEDED if p not in have]
    if missing:
        return Check("privileges", FAIL,
                     f"the connecting user lacks {', '.join(missing)} on `{database}`: GRANT {', '.join(missing)} ON "
                     f"`{database}`.* TO the user (or run the upgrade as the schema owner)",
                     details={"missing": missing, "grants": grants})
    return Check("privileges", OK, f"the connecting user may create, alter and drop in `{database}`")


def _mysql_scope_matches(scope: str, database: str) -> bool:
    scope = scope.replace("`", "")
    if scope == "*.*":
        return True
    db_part = scope.split(".", 1)[0].replace("\\_", "_")
    if db_part == database:
        return True
    pattern = "^" + re.escape(db_part).replace("%", ".*").replace("_", ".") + "$"
    return bool(re.match(pattern, database))


# --- half-applied revision ----------------------------------------------------------------------------------

_CREATE_TABLE = re.compile(r"CREATE TABLE\s+(?:IF NOT EXISTS\s+)?[`\"]?(\w+)", re.IGNORECASE)
_ADD_COLUMN = re.compile(r"ALTER TABLE\s+[`\"]?(\w+)[`\"]?\s+ADD(?:\s+COLUMN)?\s+[`\"]?(\w+)", re.IGNORECASE)


def next_revision_objects(ref: StoreRef, db: str, current: str | None) -> tuple[str | None, set[str], set[tuple[str, str]]]:
    """Tables and (table, column)s the next pending revision creates: from its offline SQL for this dialect,
    else PostgreSQL's, else the catalog's recorded ops."""
    pending = alembic_driver.pending(db, current)
    if not pending:
        return None, set(), set()
    nxt = pending[0]
    sql = None
    for kind in (ref.kind, "postgresql"):
        probe = ref if kind == ref.kind else StoreRef(kind="postgresql", uri="postgresql://",
                                                      url=sqlalchemy.engine.make_url("postgresql://"))
        try:
            sql = alembic_driver.offline_sql(db, probe, current, nxt.revision)
            break
        except Exception:
            continue
    if sql is not None:
        tables = set(_CREATE_TABLE.findall(sql)) - {"alembic_version", "alembic_version_auth"}
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


def check_half_applied(ref: StoreRef, conn: Connection, db: str, current: str | None,
                       report: PreflightReport) -> Check:
    found = find_half_applied(ref, conn, db, current)
    if found is None:
        return Check("half_applied", OK, "the next revision's tables and columns do not exist yet")
    report.half_applied = found
    what = ", ".join(found["tables"] + found["columns"])
    return Check(
        "half_applied", FAIL,
        f"revision {found['revision']} is half applied: {what} already exist(s) while the version table says "
        f"{current} (an earlier run failed part way; MySQL/MariaDB commits DDL at once): restore the backup taken "
        "before that run (`mlflow-upgrade restore DIR --force`), or drop those objects after checking they hold no "
        "data, then upgrade again",
        details=found,
    )


# --- objects the pending revisions create that exist already ------------------------------------------------


def check_conflicts(ref: StoreRef, conn: Connection, db: str, current: str | None) -> Check:
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


# --- an interrupted earlier run (journal) -------------------------------------------------------------------


def check_journal(conn: Connection, current: str | None) -> Check:
    entry = journal.last_entry(conn)
    if entry is None:
        return Check("interrupted_run", OK, "no earlier mlflow-upgrade run recorded")
    status = _get(entry, "status")
    if status == "running":
        return Check("interrupted_run", WARN,
                     f"an earlier upgrade ({_get(entry, 'from_revision')} → {_get(entry, 'to_revision')}) did not "
                     "finish: `upgrade` resumes it (or restores its backup first)", details=_entry_dict(entry))
    outside = journal.detect_outside_migration(conn, current)
    if outside:
        return Check("interrupted_run", WARN, outside, details=_entry_dict(entry))
    return Check("interrupted_run", OK, f"last mlflow-upgrade run: {status}", details=_entry_dict(entry))


def _get(entry: Any, key: str) -> Any:
    return entry.get(key) if isinstance(entry, dict) else getattr(entry, key, None)


def _entry_dict(entry: Any) -> dict[str, Any]:
    if isinstance(entry, dict):
        return {k: str(v) for k, v in entry.items()}
    if hasattr(entry, "to_dict"):
        return entry.to_dict()
    return {"entry": str(entry)}
