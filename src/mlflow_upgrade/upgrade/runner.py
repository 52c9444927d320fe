"""``upgrade``: preflight → backup → fingerprint → MLflow's migrations one revision at a time → verify.

Safety model
------------
* Every revision runs as its own ``alembic upgrade <rev>`` with MLflow's config and env.py. On PostgreSQL and
  (thanks to :mod:`alembic_driver`'s BEGIN IMMEDIATE wrapping) on SQLite a revision commits or rolls back as a
  whole, also when the process dies. MySQL/MariaDB commit each DDL statement at once, so a failure or a kill
  inside a revision can leave it half applied.
* Before the first revision a run marker (JSON, see :func:`marker_path`) records the backup and the "before"
  fingerprint; the journal table (when the verify helper's journal module is installed) records the run in the
  database itself. Running ``upgrade`` again after any interruption reads the marker: a store at a clean
  intermediate revision is resumed; a half-applied revision (or an unknown state) is restored from the recorded
  backup first. The final verification always compares against the fingerprint taken before the first run.
* One outcome on every dialect: after ``upgrade`` the store is at MLflow's head or exactly where it started. A
  failing revision, a lost connection, a database server that died and came back, Ctrl-C or SIGTERM: the store
  is restored from the backup (``keep_partial`` keeps the revisions that completed instead). The journal records
  ``ok``, ``restored`` or ``failed``; the one-line error says which, and what to run.
* Exactly one run per database: a lock other runs can see (SQLite: ``flock`` on a sidecar file; PostgreSQL: an
  advisory lock; MariaDB/MySQL: ``GET_LOCK``) is held from the preflight to the end, and every database named
  (tracking and ``--auth-uri``) passes its preflight before either changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy
import sqlalchemy.exc
from sqlalchemy.engine import Engine

from mlflow_upgrade import errors, safe_files
from mlflow_upgrade.backup import BackupManifest, backup, restore
from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.dialects.tools import is_disk_full
from mlflow_upgrade.interrupts import Interruption, signals_raise
from mlflow_upgrade.progress import QUIET, Progress
from mlflow_upgrade.store import journal
from mlflow_upgrade.store.counts import MAIN_TABLES
from mlflow_upgrade.store.masking import mask_uri
from mlflow_upgrade.store.ref import StoreRef
from mlflow_upgrade.store.schema import AUTH, TRACKING
from mlflow_upgrade.store.uri import (
    MIGRATE_FILESTORE_HINT,
    open_engine,
    parse_store_uri,
    require_database,
    sqlite_url,
)
from mlflow_upgrade.upgrade import alembic_driver
from mlflow_upgrade.upgrade import verify as verify_module
from mlflow_upgrade.upgrade.plan import plan_database
from mlflow_upgrade.upgrade.preflight import find_half_applied, preflight
from mlflow_upgrade.upgrade.verify.fingerprint import Fingerprint, compare_fingerprints, take_fingerprint
from mlflow_upgrade.upgrade.verify.fingerprint.background import Pending, fingerprint_file

MARKER_SUFFIX = ".mlflow-upgrade-run.json"
# MLflow's read-back pages every entity through its own store (~15k rows/s here): bounded so that verify stays a
# fraction of the migration time; above it the fingerprint comparison (every row, in SQL) still runs, and
# `mlflow-upgrade verify` does the full read-back on demand.
READ_BACK_MAX_ROWS = 100_000
# After losing the database server mid-upgrade, wait this long for it to come back before giving up (then the
# next `upgrade` finishes the job from the marker).
RECONNECT_SECONDS = float(os.environ.get("MLFLOW_UPGRADE_RECONNECT_SECONDS", "30"))
# Driver messages that mean "the server or the connection went away", not "the SQL was wrong".
_CONNECTION_LOST = ("server closed the connection", "terminating connection", "connection refused",
                    "lost connection", "server has gone away", "connection reset", "broken pipe",
                    "connection is closed", "could not connect", "can't connect", "the database system is",
                    "connection already closed", "consuming input failed", "no connection to the server",
                    "connection timed out", "ssl syscall error")


@dataclass
class StepResult:
    index: int
    revision: str
    message: str
    seconds: float
    status: str  # applied | failed

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "seconds": round(self.seconds, 3)}


@dataclass
class DatabaseUpgrade:
    db: str
    store: str  # masked
    dialect: str
    from_revision: str | None
    to_revision: str
    status: str = "pending"  # up-to-date | upgraded | failed | restored | dry-run
    message: str = ""
    steps: list[StepResult] = field(default_factory=list)
    backup: str | None = None
    resumed: bool = False
    restored_before_resume: bool = False
    verify: dict[str, Any] | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds
    warnings: list[str] = field(default_factory=list)
    read_back_not_done: str | None = None  # why MLflow's read-back could not run (upgrade itself complete)
    preflight: Any = None
    plan: Any = None

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("preflight", "plan", "steps")}
        data["steps"] = [s.to_dict() for s in self.steps]
        data["seconds"] = round(self.seconds, 3)
        data["preflight"] = self.preflight.to_dict() if self.preflight is not None else None
        data["plan"] = self.plan.to_dict() if self.plan is not None else None
        return data


@dataclass
class UpgradeReport:
    dry_run: bool
    tracking: DatabaseUpgrade | None = None
    auth: DatabaseUpgrade | None = None

    @property
    def ok(self) -> bool:
        return all(d.status in ("up-to-date", "upgraded", "dry-run") for d in self.databases)

    @property
    def databases(self) -> list[DatabaseUpgrade]:
        return [d for d in (self.tracking, self.auth) if d is not None]

    @property
    def read_back_not_done(self) -> list[DatabaseUpgrade]:
        """Databases upgraded and fingerprint-checked whose read-back through MLflow could not run."""
        return [d for d in self.databases if d.read_back_not_done]

    def to_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "ok": self.ok,
                "tracking": self.tracking.to_dict() if self.tracking else None,
                "auth": self.auth.to_dict() if self.auth else None}


@dataclass
class Options:
    backup_dir: str | Path | None
    no_backup: bool
    verify: bool
    progress: Progress
    allow_connections: bool
    dry_run: bool
    keep_partial: bool = False
    allow_foreign_tables: bool = False
    own_sessions: frozenset[int] = frozenset()  # server sessions of our own locks (not "other clients")


@dataclass
class _Prepared:
    """One database, checked and locked, ready to change: either a fresh run (``preflight`` passed) or the
    recovery of an interrupted one (``marker``)."""

    ref: StoreRef
    db: str
    marker_file: Path
    marker: dict[str, Any] | None = None
    preflight: Any = None
    started: float = field(default_factory=time.monotonic)


def upgrade(
    uri: str,
    *,
    backup_dir: str | Path | None = None,
    no_backup: bool = False,
    auth_uri: str | None = None,
    verify: bool = True,
    progress: Progress = QUIET,
    allow_connections: bool = False,
    dry_run: bool = False,
    auth: bool = False,
    keep_partial: bool = False,
    allow_foreign_tables: bool = False,
) -> UpgradeReport:
    """Upgrade the tracking store at ``uri`` (and the basic-auth DB at ``auth_uri``) to the installed MLflow.

    ``auth=True`` treats ``uri`` itself as a basic-auth database. Every database is locked and preflighted before
    any of them changes. Raises a :class:`errors.MlflowUpgradeError` subclass with a one-line message on refusal
    (5, 7, 9), failure (8) or interruption (130); the report says what was done otherwise.
    """
    opts = Options(backup_dir, no_backup, verify, progress, allow_connections, dry_run, keep_partial,
                   allow_foreign_tables)
    report = UpgradeReport(dry_run=dry_run)
    targets = [(parse_store_uri(uri), AUTH if auth else TRACKING)]
    if auth_uri:
        targets.append((parse_store_uri(auth_uri), AUTH))
    with ExitStack() as held:
        prepared: list[_Prepared | DatabaseUpgrade] = []
        for ref, db in targets:
            require_database(ref, file_store_hint=MIGRATE_FILESTORE_HINT)
            if not dry_run:
                lock = get_dialect(ref).acquire_run_lock(ref, db)
                held.callback(lock.release)
                opts.own_sessions = opts.own_sessions | lock.session_ids
            prepared.append(_prepare(ref, db, opts))
        # Every database passed its checks: only now does anything change.
        with _signals_as_exceptions():
            for item in prepared:
                result = item if isinstance(item, DatabaseUpgrade) else _execute(item, opts)
                if result.db == AUTH:
                    report.auth = result
                else:
                    report.tracking = result
    return report


def _prepare(ref: StoreRef, db: str, opts: Options) -> _Prepared | DatabaseUpgrade:
    """Read-only: the run marker (an interrupted run to recover) or the preflight. Returns the finished result
    when there is nothing to change (dry run, already at head)."""
    started = time.monotonic()
    marker_file = marker_path(ref, db)
    marker = read_marker(marker_file)
    if marker and marker.get("status") == "running" and not opts.dry_run:
        _refuse_if_alive(ref, marker, marker_file)
        return _Prepared(ref, db, marker_file, marker=marker, started=started)
    report = preflight(ref.uri, auth=db == AUTH, backup_dir=opts.backup_dir, no_backup=opts.no_backup,
                       allow_connections=opts.allow_connections, own_sessions=opts.own_sessions)
    target = alembic_driver.head(db)
    result = DatabaseUpgrade(db=db, store=ref.masked, dialect=ref.kind, from_revision=report.revision,
                             to_revision=target, preflight=report)
    result.timings["preflight"] = round(time.monotonic() - started, 3)
    if opts.dry_run:
        result.plan = plan_database(ref, db, with_sql=True)
        result.status = "dry-run"
        result.message = (f"dry run: {len(result.plan.revisions)} revision(s) pending; preflight "
                          f"{'passed' if report.ok else 'FAILED: ' + '; '.join(c.name for c in report.failures)}")
        return result
    report.raise_for_failures(allow=_allowed(opts))
    if not alembic_driver.pending(db, report.revision):
        result.status = "up-to-date"
        result.message = f"{ref.masked} is already at {target} (MLflow's head): nothing to do"
        result.seconds = time.monotonic() - started
        return result
    return _Prepared(ref, db, marker_file, preflight=report, started=started)


def _allowed(opts: Options) -> frozenset[str]:
    """Preflight checks the caller chose to override."""
    return frozenset(name for name, on in (("connections", opts.allow_connections),
                                           ("foreign_tables", opts.allow_foreign_tables)) if on)


def _execute(item: _Prepared, opts: Options) -> DatabaseUpgrade:
    if item.marker is not None:
        result = _recover(item.ref, item.db, opts, item.marker_file, item.marker)
    else:
        result = _fresh_run(item, opts)
    result.seconds = time.monotonic() - item.started
    return result


# --- the run marker -----------------------------------------------------------------------------------------


def marker_path(ref: StoreRef, db: str) -> Path:
    """Where the run marker of ``ref`` lives: next to a SQLite file (so it travels with it), else in the state
    directory ($MLFLOW_UPGRADE_STATE_DIR, default ~/.local/state/mlflow-upgrade), named by a hash of the masked
    URI."""
    if ref.database_file is not None:
        file = ref.database_file
        return file.with_name(file.name + (MARKER_SUFFIX if db == TRACKING else f".auth{MARKER_SUFFIX}"))
    base = Path(os.environ.get("MLFLOW_UPGRADE_STATE_DIR") or Path.home() / ".local" / "state" / "mlflow-upgrade")
    key = hashlib.sha256(f"{db} {ref.masked}".encode()).hexdigest()[:20]
    return base / f"{key}{MARKER_SUFFIX}"


def read_marker(path: Path) -> dict[str, Any] | None:
    try:  # the tool never makes a link there: someone planted it, to feed it a marker or to overwrite its target
        return json.loads(safe_files.read_own(path, "run marker", "the tool did not make it: remove it, then rerun"))
    except FileNotFoundError:
        return None
    except ValueError:
        raise errors.OperationFailed(f"run marker {path} is corrupt: inspect it, then delete it to start over") from None


def write_marker(path: Path, data: dict[str, Any]) -> None:
    _ensure_state_dir(path)
    safe_files.write_atomic(path, json.dumps(data, indent=2), "run marker", given=False)


def _ensure_state_dir(state_file: Path) -> None:
    """Create the state directory on first use (a SQLite file's folder exists: it is the user's)."""
    if not state_file.parent.exists():
        safe_files.private_dir(state_file.parent, "state directory")


# --- one database -------------------------------------------------------------------------------------------


def _fresh_run(item: _Prepared, opts: Options) -> DatabaseUpgrade:
    ref, db, marker_file, report = item.ref, item.db, item.marker_file, item.preflight
    target = alembic_driver.head(db)
    result = DatabaseUpgrade(db=db, store=ref.masked, dialect=ref.kind, from_revision=report.revision,
                             to_revision=target, preflight=report)
    result.timings["preflight"] = round(time.monotonic() - item.started, 3)
    engine = open_engine(ref, read_only=False)
    try:
        t0 = time.monotonic()
        backup_path = _backup_or_explain(ref, db, opts, result)
        result.timings["backup"] = round(time.monotonic() - t0, 3)
        t0 = time.monotonic()
        marker = {
            "status": "running", "db": db, "store": ref.masked, "dialect": ref.kind,
            "from_revision": report.revision, "to_revision": target, "backup": backup_path,
            "pid": os.getpid(), "host": socket.gethostname(),
            "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        try:
            pending = _fingerprint_before(engine, db, ref, marker_file, backup_path, opts, marker)
        except (Exception, Interruption) as exc:
            raise _nothing_changed(ref, "taking the fingerprint of the data", exc) from None
        result.timings["fingerprint_before"] = round(time.monotonic() - t0, 3)
        try:
            write_marker(marker_file, marker)
            marker["journal_id"] = _journal_start(engine, report.revision, target)
            write_marker(marker_file, marker)
            _migrate_and_finish(ref, db, engine, opts, marker_file, marker, result, pending)
        finally:
            if pending is not None:
                pending.cancel()  # the run failed before the comparison needed it
    finally:
        engine.dispose()
    return result


def _backup_or_explain(ref: StoreRef, db: str, opts: Options, result: DatabaseUpgrade) -> str | None:
    """The backup; when it fails (disk full, the server went away, Ctrl-C) nothing has changed yet: say so."""
    try:
        alembic_driver.pause_point("backup")  # test-only: fill the disk here
        return _take_backup(ref, db, opts, result)
    except (Exception, Interruption) as exc:
        raise _nothing_changed(ref, "the backup", exc) from None


def _nothing_changed(ref: StoreRef, during: str, exc: BaseException) -> errors.MlflowUpgradeError:
    if isinstance(exc, Interruption):
        return errors.Interrupted(f"{exc.name} during {during}: nothing was changed ({ref.masked} is as before); "
                                  "run upgrade again")
    cause = _one_line(exc)
    full = is_disk_full(exc) or "disk full" in cause.lower() or "no space" in cause.lower()
    if is_disk_full(exc):
        cause = f"disk full: {cause}"
    fix = ("free space (or pass --backup-dir on a larger disk) and run upgrade again" if full else
           "fix the cause and run upgrade again")
    return errors.OperationFailed(f"{during} failed ({cause}): nothing was changed ({ref.masked} is as before); "
                                  f"{fix}")


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return mask_uri(text.splitlines()[0])[:240] if text else type(exc).__name__


def _take_backup(ref: StoreRef, db: str, opts: Options, result: DatabaseUpgrade) -> str | None:
    if opts.no_backup:
        result.warnings.append("NO BACKUP was taken (--no-backup): a failure may leave the store unrecoverable")
        return None
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    dest = None
    if opts.backup_dir:
        dest = Path(opts.backup_dir).expanduser() / f"{ref.short_name}-{db}-{stamp}"
    manifest = backup(ref.uri, dest, progress=opts.progress)
    result.backup = str(manifest.directory)
    return str(manifest.directory)


def _fingerprint_beside(marker_file: Path) -> Path:
    """Where the fingerprint taken before the migrations lives when there is no backup folder to hold it."""
    return marker_file.with_name(marker_file.name + ".fingerprint.json")


def _fingerprint_before(engine: Engine, db: str, ref: StoreRef, marker_file: Path, backup_path: str | None,
                        opts: Options, marker: dict[str, Any]) -> Pending | None:
    """Take the "before" fingerprint (its path goes into ``marker``). A backup that is a copy of the SQLite
    file is fingerprinted in a child process while the migrations run (``Pending``: waited for before the
    comparison; the marker names the copy, so a resumed run can take it again)."""
    marker["fingerprint"] = None
    if not opts.verify:
        return None
    tables = _auth_tables(engine) if db == AUTH else None
    path = Path(backup_path) / f"fingerprint-before-{db}.json" if backup_path else _fingerprint_beside(marker_file)
    marker["fingerprint"] = str(path)
    copy = _backup_copy(backup_path)
    if copy is not None:
        marker["fingerprint_source"], marker["fingerprint_tables"] = str(copy), tables
        return Pending(copy, path, tables)
    _ensure_state_dir(path)  # with --no-backup it is the first file written in the state directory
    take_fingerprint(engine, tables=tables, progress=opts.progress).save(path, given=False)
    return None


def _backup_copy(backup_path: str | None) -> Path | None:
    """The backup's database file when the backup is a whole copy of a file database, else None."""
    if not backup_path:
        return None
    manifest = BackupManifest.load(backup_path)
    dialect = get_dialect(manifest.dialect)
    if not dialect.is_file_database or manifest.method != dialect.native_method or len(manifest.files) != 1:
        return None
    return Path(backup_path) / manifest.files[0].name


def _auth_tables(engine: Engine) -> list[str]:
    present = set(sqlalchemy.inspect(engine).get_table_names())
    return [t for t in MAIN_TABLES[AUTH] if t in present]


# --- migrating ----------------------------------------------------------------------------------------------


def _migrate_and_finish(ref: StoreRef, db: str, engine: Engine, opts: Options, marker_file: Path,
                        marker: dict[str, Any], result: DatabaseUpgrade, before: Pending | None = None) -> None:
    if db == AUTH:
        stamped = alembic_driver.stamp_legacy_auth(engine)
        if stamped:
            result.warnings.append(f"legacy basic-auth DB stamped with {stamped} in alembic_version_auth (as MLflow does)")
    current = alembic_driver.current_revision(engine, db)
    pending = alembic_driver.pending(db, current)
    done_before = len(alembic_driver.pending(db, marker.get("from_revision"))) - len(pending)
    total = done_before + len(pending)
    t0 = time.monotonic()
    try:
        run_revisions(ref, db, pending, opts, result, offset=done_before, total=total)
    except _StepFailed as failure:
        _handle_failure(ref, db, engine, marker_file, marker, result, failure, opts)
        raise AssertionError("unreachable") from None
    result.timings["migrations"] = round(time.monotonic() - t0, 3)
    alembic_driver.pause_point("verify")  # test-only: kill after the last revision, before verify
    if before is not None:  # the "before" fingerprint, taken from the backup meanwhile
        t0 = time.monotonic()
        try:
            before.wait()
        except errors.OperationFailed:  # (the child was killed, e.g. out of memory) _verify takes it here
            Path(marker["fingerprint"]).unlink(missing_ok=True)
        result.timings["fingerprint_before_wait"] = round(time.monotonic() - t0, 3)
    t0 = time.monotonic()
    try:
        _verify(ref, db, engine, marker, opts, result)
    except Interruption as exc:  # the marker stays: the next `upgrade` finds the work done and verifies
        raise errors.Interrupted(
            f"{exc.name} during the verification: the upgrade itself is complete ({ref.masked} is at "
            f"{result.to_revision}); run upgrade again to finish verifying against the data as it was before"
        ) from None
    result.timings["verify"] = round(time.monotonic() - t0, 3)
    if result.read_back_not_done and result.verify and result.verify.get("not_done"):
        result.status = "upgraded"  # the fingerprint comparison is owed: keep the marker for the next run
        result.message = f"{ref.masked}: {marker.get('from_revision')} → {result.to_revision}, verification not done"
        return
    _journal_finish(engine, marker.get("journal_id"), "ok" if result.status != "failed" else "failed")
    if result.status == "failed":
        marker["status"] = "verify-failed"
        write_marker(marker_file, marker)
        raise errors.OperationFailed(result.message)
    marker_file.unlink(missing_ok=True)
    if not marker.get("backup"):  # beside the marker it served this run only (with a backup it stays there)
        _fingerprint_beside(marker_file).unlink(missing_ok=True)
    result.status = "upgraded"
    where = f"; backup at {marker['backup']}" if marker.get("backup") else ""
    result.message = (f"{ref.masked}: {marker.get('from_revision')} → {result.to_revision} "
                      f"({len(result.steps)} revision(s) applied{', resumed' if result.resumed else ''}){where}")


@contextmanager
def _signals_as_exceptions() -> Iterator[None]:
    """Ctrl-C and SIGTERM end an upgrade like a failure (restored, or kept with --keep-partial), never outright."""
    with signals_raise():
        try:
            yield
        except Interruption as exc:  # between two steps that handle it themselves
            raise errors.Interrupted(f"{exc.name}: interrupted; run upgrade again: it finishes or restores what "
                                     "this run started") from None


@contextmanager
def _signals_deferred() -> Iterator[list[str]]:
    """While restoring: a second Ctrl-C or SIGTERM must not leave a half-restored store; note it and go on."""
    caught: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = {sig: signal.signal(sig, lambda signum, frame: caught.append(signal.Signals(signum).name))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield caught
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class _StepFailed(Exception):
    def __init__(self, step: StepResult, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.step = step
        self.cause = cause


def run_revisions(ref: StoreRef, db: str, pending: list[alembic_driver.RevisionInfo], opts: Options,
                  result: DatabaseUpgrade, *, offset: int = 0, total: int | None = None) -> None:
    """Apply ``pending`` one revision at a time, with a progress line per revision."""
    total = total or len(pending)
    url = ref.url.render_as_string(hide_password=False) if ref.url is not None else ref.uri
    if ref.database_file is not None:
        url = sqlite_url(ref.database_file)
    with get_dialect(ref).migration_guard(), opts.progress.task("migrating", total=total, completed=offset) as task:
        for i, info in enumerate(pending, start=offset + 1):
            task.update(description=f"[{i}/{total}] {info.revision} {info.message[:48]}")
            t0 = time.monotonic()
            try:
                alembic_driver.pause_point(info.revision)
                alembic_driver.upgrade_one(db, url, info.revision)
            except (Exception, Interruption) as exc:
                step = StepResult(i, info.revision, info.message, time.monotonic() - t0, "failed")
                result.steps.append(step)
                raise _StepFailed(step, exc) from None
            result.steps.append(StepResult(i, info.revision, info.message, time.monotonic() - t0, "applied"))
            task.advance()


def connection_lost(exc: BaseException) -> bool:
    """True when ``exc`` says the server or the connection went away (not that the SQL was wrong)."""
    if isinstance(exc, errors.ConnectionFailed) or (
            isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated):
        return True
    text = str(getattr(exc, "orig", None) or exc).lower()
    return isinstance(exc, (sqlalchemy.exc.DBAPIError, errors.ConnectionFailed, OSError)) and any(
        s in text for s in _CONNECTION_LOST)


def _wait_for_server(ref: StoreRef, seconds: float) -> bool:
    """Poll until the database answers again (a restarted server), at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            open_engine(ref, read_only=True).dispose()
            return True
        except errors.MlflowUpgradeError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(1.0)


def _handle_failure(ref: StoreRef, db: str, engine: Engine, marker_file: Path, marker: dict[str, Any],
                    result: DatabaseUpgrade, failure: _StepFailed, opts: Options) -> None:
    """One outcome: restore the store to where it started (or keep the completed revisions with
    ``keep_partial``); if the server is gone for good, leave the marker so that the next run finishes the job."""
    step, cause = failure.step, failure.cause
    where = f"revision {step.index} {step.revision} ({step.message})"
    signalled = isinstance(cause, Interruption)
    lost = not signalled and connection_lost(cause)
    if signalled:
        head = f"{cause.name} during {where}"
    elif lost:
        head = f"lost the connection to the database during {where} ({_one_line(cause)})"
    else:
        head = f"{where} failed: {_one_line(cause)}"
    error = errors.Interrupted if signalled else errors.OperationFailed
    backup_path = marker.get("backup")
    result.status = "failed"
    with _signals_deferred():
        if lost and not _wait_for_server(ref, RECONNECT_SECONDS):
            # The marker still says "running": the next run resumes, or restores first if that revision is half
            # applied (MariaDB); nothing is lost either way.
            saved = f"; the backup of the original is at {backup_path}" if backup_path else ""
            result.message = (f"{head}. The database server did not come back within {RECONNECT_SECONDS:.0f} s; "
                              f"when it is up, run `mlflow-upgrade upgrade` again: it resumes from the last "
                              f"completed revision, or restores the backup first{saved}")
            raise errors.OperationFailed(result.message)
        if backup_path and not opts.keep_partial:
            marker["phase"] = "restoring"  # a kill during the restore makes the next run restore again
            write_marker(marker_file, marker)
            _restore(ref, backup_path)
            _journal_record(engine, marker.get("from_revision"), result.to_revision, "restored")
            marker_file.unlink(missing_ok=True)
            result.status = "restored"
            result.message = (f"{head}. The store was restored from the backup at {backup_path} (revision "
                              f"{marker.get('from_revision')}, as before the upgrade); fix the cause and run "
                              "upgrade again")
            raise error(result.message)
        current = alembic_driver.current_revision(engine, db)
        _journal_finish(engine, marker.get("journal_id"), "failed")
        marker["status"] = "failed"
        write_marker(marker_file, marker)
    dialect = get_dialect(ref)
    half = (f"; {dialect.label} commits DDL at once, so {step.revision} may be half applied (the next upgrade "
            "refuses until it is restored)" if not dialect.rolls_back_failed_revision
            else f"; {step.revision} was rolled back")
    why = ("kept at the last completed revision (--keep-partial)" if backup_path else
           "left at the last completed revision: no backup was taken (--no-backup)")
    saved = f"; the backup of the original is at {backup_path}" if backup_path else ""
    result.message = f"{head}. The store was {why}: {current}{half}{saved}; fix the cause and run upgrade again"
    raise error(result.message)


def _restore(ref: StoreRef, backup_path: str) -> None:
    try:
        restore(backup_path, ref.uri, force=True)
    except errors.MlflowUpgradeError as exc:
        raise errors.OperationFailed(
            f"restoring {ref.masked} from {backup_path} failed too ({exc}): run upgrade again once the cause is "
            f"fixed (it restores the backup first), or restore by hand with `mlflow-upgrade restore {backup_path} "
            "--force`"
        ) from None


def _refuse_if_alive(ref: StoreRef, marker: dict[str, Any], marker_file: Path) -> None:
    """The marker may belong to a run that is still going (another terminal): never 'recover' under it."""
    pid = marker.get("pid")
    if not isinstance(pid, int) or marker.get("host") != socket.gethostname() or pid == os.getpid():
        return
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return
    except PermissionError:
        pass  # exists, owned by someone else
    raise errors.Refused(
        f"another mlflow-upgrade (pid {pid}, started {marker.get('started')}) is upgrading {ref.masked}: wait for "
        f"it to finish; if that process is not mlflow-upgrade, delete {marker_file} and run upgrade again"
    )


# --- resuming an interrupted run ----------------------------------------------------------------------------


def _recover(ref: StoreRef, db: str, opts: Options, marker_file: Path, marker: dict[str, Any]) -> DatabaseUpgrade:
    """A previous run died (marker still 'running'): resume from a clean revision, or restore a half-applied one
    from the recorded backup first. Either way the final verify compares against the original fingerprint."""
    target = alembic_driver.head(db)
    result = DatabaseUpgrade(db=db, store=ref.masked, dialect=ref.kind, from_revision=marker.get("from_revision"),
                             to_revision=target, resumed=True, backup=marker.get("backup"))
    engine = open_engine(ref, read_only=False)
    try:
        current = alembic_driver.current_revision(engine, db)
        known = [r.revision for r in alembic_driver.chain(db)]
        with engine.connect() as conn:
            half = find_half_applied(ref, conn, db, current) if current in known or current is None else None
        interrupted_restore = marker.get("phase") == "restoring"
        if interrupted_restore or half is not None or (current is not None and current not in known):
            backup_path = marker.get("backup")
            what = ("an interrupted restore" if interrupted_restore else
                    f"revision {half['revision']} half applied ({', '.join(half['tables'] + half['columns'])})"
                    if half else f"unknown revision {current}")
            if not backup_path:
                raise errors.PreflightFailed(
                    f"an interrupted upgrade left {ref.masked} with {what} and no backup was recorded: drop those "
                    f"objects by hand (or restore your own backup), then delete {marker_file} and run upgrade again"
                )
            marker["phase"] = "restoring"
            write_marker(marker_file, marker)
            _restore(ref, backup_path)
            marker.pop("phase", None)
            write_marker(marker_file, marker)
            result.restored_before_resume = True
            result.warnings.append(f"interrupted run left {what}: restored from {backup_path} before resuming")
        result.warnings.append(
            f"resuming the upgrade interrupted at {alembic_driver.current_revision(engine, db)} "
            f"(started {marker.get('started')}, pid {marker.get('pid')})"
        )
        if result.restored_before_resume:
            # The journal lived in the restored-over database: record the run again.
            marker["journal_id"] = _journal_start(engine, marker.get("from_revision"), target)
            write_marker(marker_file, marker)
        _migrate_and_finish(ref, db, engine, opts, marker_file, marker, result)
    finally:
        engine.dispose()
    return result


# --- verify and journal (the verify helper's modules; optional until they land) -----------------------------


def _verify(ref: StoreRef, db: str, engine: Engine, marker: dict[str, Any], opts: Options,
            result: DatabaseUpgrade) -> None:
    fp_path = marker.get("fingerprint")
    if not opts.verify or not fp_path:
        result.verify = {"skipped": True}
        return
    if marker.get("fingerprint_source") and not Path(fp_path).is_file():
        # interrupted before the child that fingerprints the backup copy had finished: take it again
        fingerprint_file(Path(marker["fingerprint_source"]), Path(fp_path), marker.get("fingerprint_tables"))
    before = Fingerprint.load(fp_path)
    t0 = time.monotonic()
    try:
        diffs = compare_fingerprints(before, engine)
    except Exception as exc:
        if not connection_lost(exc):
            raise
        result.verify = {"not_done": _one_line(exc)}
        result.read_back_not_done = (f"the comparison with the data as it was before was not done (lost the "
                                     f"database: {_one_line(exc)}): run `mlflow-upgrade upgrade` again when it is "
                                     "reachable; it finds the upgrade complete and verifies")
        return
    result.verify = {"tables": len(before.tables), "rows": before.rows, "differences": [str(d) for d in diffs[:20]],
                     "difference_count": len(diffs), "seconds": round(time.monotonic() - t0, 3)}
    alembic_driver.pause_point("read_back")  # test-only: stop the server here
    read_back = _read_back(ref, db) if before.rows <= READ_BACK_MAX_ROWS else {
        "skipped": f"{before.rows} rows > {READ_BACK_MAX_ROWS}: run `mlflow-upgrade verify` for a full read-back"}
    if read_back is not None:
        result.verify["read_back"] = read_back
        if read_back.get("not_done"):
            result.read_back_not_done = (f"MLflow's read-back was not done ({read_back['not_done']}): run "
                                         f"`mlflow-upgrade verify {ref.masked}` when the database is reachable")
        elif read_back.get("ok") is False:
            result.warnings.append(f"MLflow's read-back disagrees with SQL: {str(read_back.get('mismatches') or read_back.get('error'))[:300]}")
    if diffs:
        result.status = "failed"
        where = f"; the original is in {marker['backup']}" if marker.get("backup") else ""
        result.message = (f"{ref.masked} reached {result.to_revision} but verify found {len(diffs)} difference(s) in "
                          f"pre-existing data (first: {diffs[0]}){where}")


# MLflow's engine retries ten times over ~100 s, logging a warning block each time, when the server is gone.
READ_BACK_RETRIES = 2


@contextmanager
def _mlflow_quiet_and_bounded() -> Iterator[None]:
    """While MLflow's store reads back: its retry warnings stay out of the terminal and its engine retries a
    bounded number of times (module globals of ``mlflow.store.db.utils``, restored afterwards)."""
    from mlflow.store.db import utils as mlflow_db_utils  # lazy: importing MLflow takes seconds

    logger = logging.getLogger("mlflow")
    level, retries = logger.level, mlflow_db_utils.MAX_RETRY_COUNT
    logger.setLevel(logging.ERROR)
    mlflow_db_utils.MAX_RETRY_COUNT = min(retries, READ_BACK_RETRIES)
    try:
        yield
    finally:
        logger.setLevel(level)
        mlflow_db_utils.MAX_RETRY_COUNT = retries


def _read_back(ref: StoreRef, db: str) -> dict[str, Any] | None:
    """The verify module's read-back (MLflow's own store reading every entity) for a tracking store."""
    if db != TRACKING:
        return None
    try:
        with _mlflow_quiet_and_bounded():
            out = verify_module.read_back(ref.uri)
    except Exception as exc:  # a read-back problem is reported, not fatal: the fingerprint check already passed
        if connection_lost(exc):
            return {"ok": None, "not_done": f"cannot reach the database: {_one_line(exc)}"}
        return {"ok": False, "error": mask_uri(str(exc))[:200]}
    return out.to_dict()


def _journal_record(engine: Engine, from_rev: str | None, to_rev: str, status: str) -> None:
    """A finished journal entry (after a restore the journal is the backup's: record this run again)."""
    with suppress(Exception):  # the journal is advisory; the marker file is authoritative
        _journal_finish(engine, _journal_start(engine, from_rev, to_rev), status)


def _journal_start(engine: Engine, from_rev: str | None, to_rev: str) -> Any:
    with engine.begin() as conn:
        journal.ensure_journal(conn)
        return journal.record_start(conn, from_rev, to_rev)


def _journal_finish(engine: Engine, entry_id: Any, status: str) -> None:
    if entry_id is None:
        return
    try:
        with engine.begin() as conn:
            journal.record_finish(conn, entry_id, status)
    except Exception:  # the journal is advisory; the marker file is authoritative
        pass
