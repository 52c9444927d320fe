"""Preflight: read-only checks that must pass before ``upgrade`` touches a store (also ``plan --check``).

Each check is one module here, declared with :func:`~.base.register` (name, override flag, exit code, docs
line); it yields (name, ok|warn|fail, one line with the fix). A failed check refuses the upgrade with its exit
code (7, :class:`errors.PreflightFailed`; 5, :class:`errors.StoreTooNew`, for a database newer than the
installed MLflow) unless the check has an override flag and the caller set it (``--allow-connections``).
Dialect-specific SQL lives in the dialects (``mlflow_upgrade.dialects``): a check asks ``ctx.dialect``.

Adding a check: a module with a ``@register``-ed function, imported below in the order checks run.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Connection, Engine

from mlflow_upgrade import errors
from mlflow_upgrade.store.schema import (
    AUTH,
    AUTH_CORE,
    STATUS_EMPTY,
    STATUS_NOT_MLFLOW,
    TRACKING,
    VERSION_TABLE,
    SchemaState,
    read_state,
)
from mlflow_upgrade.store.uri import (
    MIGRATE_FILESTORE_HINT,
    StoreRef,
    connected,
    parse_store_uri,
    require_database,
)
from mlflow_upgrade.upgrade import alembic_driver
from mlflow_upgrade.upgrade.preflight import (
    case_conflicts,
    conflicts,
    connections,
    disk_space,
    foreign_tables,
    half_applied,
    interrupted_run,
    mlflow_version,
    privileges,
    version_table,
)
from mlflow_upgrade.upgrade.preflight.base import (
    FAIL,
    OK,
    REGISTERED,
    WARN,
    Check,
    CheckSpec,
    Context,
    PreflightReport,
    run_check,
)
from mlflow_upgrade.upgrade.preflight.disk_space import BACKUP_SIZE_FACTOR, default_backup_dir
from mlflow_upgrade.upgrade.preflight.half_applied import find_half_applied, next_revision_objects

__all__ = [
    "BACKUP_SIZE_FACTOR",
    "CHECKS",
    "FAIL",
    "OK",
    "OVERRIDES",
    "WARN",
    "Check",
    "PreflightReport",
    "default_backup_dir",
    "find_half_applied",
    "markdown_table",
    "next_revision_objects",
    "preflight",
]

# The checks' modules in the order the checks run (importing a module registers its check).
RUN_ORDER = (version_table, foreign_tables, mlflow_version, connections, privileges, disk_space, half_applied,
             conflicts, interrupted_run, case_conflicts)
CHECKS: tuple[CheckSpec, ...] = tuple(
    spec for module in RUN_ORDER for spec in REGISTERED.values() if spec.module == module.__name__
)
# check name -> the flag that overrides its failure
OVERRIDES = {spec.name: spec.override for spec in CHECKS if spec.override}


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


def _run_checks(ref: StoreRef, engine: Engine, db: str, *, backup_dir: str | Path | None, no_backup: bool,
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
        ctx = Context(ref=ref, conn=conn, db=db, state=state, current=current, report=report,
                      backup_dir=backup_dir, no_backup=no_backup, allow_connections=allow_connections, own_sessions=own_sessions)
        for spec in CHECKS:
            report.checks.append(run_check(spec, ctx))
        conn.rollback()
    return report


def _current_revision(conn: Connection, db: str, state: SchemaState) -> str | None:
    if db == AUTH and state.version_table != VERSION_TABLE[AUTH]:
        from mlflow.server.auth.db.utils import INITIAL_REVISION  # lazy: importing MLflow takes seconds

        known = {r.revision for r in alembic_driver.chain(AUTH)}
        if state.revision in known:
            return state.revision
        return INITIAL_REVISION if "users" in state.tables else None
    return state.revision


def markdown_table() -> str:
    """docs/upgrade.md's table of preflight checks (tests/upgrade/preflight/test_registry.py keeps it so)."""
    rows = ["| check | how | override | exit code on failure |", "|---|---|---|---|"]
    for spec in CHECKS:
        override = f"`{spec.override}`" if spec.override else "—"
        code = str(spec.exit_code) if spec.exit_code is not None else "warning only"
        rows.append(f"| `{spec.name}` | {spec.how} | {override} | {code} |")
    return "\n".join(rows) + "\n"
