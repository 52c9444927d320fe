"""Backup and restore of a tracking (or auth) database, each backup described by a checksummed manifest.

A backup is a directory (0700) holding the dump file(s) and ``manifest.json`` (all 0600). The manifest is
written last: a directory without one is an interrupted backup. Methods:

* ``sqlite-backup-api``: the database file copied under a read lock (rollback-journal mode) or SQLite's online
  backup API (WAL mode), consistent while the database is in use;
* ``pg_dump`` / ``mariadb-dump`` (or ``mysqldump``): the server's own dump tools when a compatible client is
  installed;
* ``logical``: a streaming dump through SQLAlchemy (any of the three dialects), see
  :mod:`mlflow_upgrade.dialects.logical`.

``restore`` checks every checksum before touching the target, refuses a non-empty target unless forced, restores
and compares the row count of every table with the manifest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy.exc
from sqlalchemy.engine import Engine

from mlflow_upgrade import __version__, errors, safe_files
from mlflow_upgrade.dialects import Dialect, NativeResult, get_dialect, logical
from mlflow_upgrade.dialects.tools import is_disk_full
from mlflow_upgrade.progress import QUIET, Progress
from mlflow_upgrade.store.masking import MASK, mask_uri
from mlflow_upgrade.store.ref import StoreRef
from mlflow_upgrade.store.schema import ALL_VERSION_TABLES, TRACKING_VERSION_TABLE
from mlflow_upgrade.store.uri import open_engine, parse_store_uri, require_database, sqlite_url

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
DEFAULT_PARENT = "mlflow-upgrade-backups"
LOGICAL_FILE = "logical.jsonl.gz"
METHODS = ("auto", "native", "logical")


@dataclass
class BackupFile:
    name: str  # relative to the backup directory
    size: int
    sha256: str


@dataclass
class BackupManifest:
    """What a backup holds. ``source_uri`` is masked: a manifest never holds a password."""

    tool_version: str
    dialect: str
    source_uri: str
    database: str
    method: str
    created: str  # ISO 8601, UTC
    schema_revision: str | None  # the tracking store's alembic_version (None: no MLflow tracking tables)
    version_tables: dict[str, list[str]]  # every Alembic version table found -> its revisions (auth included)
    row_counts: dict[str, int]
    files: list[BackupFile]
    server_version: str = ""
    details: dict[str, Any] = field(default_factory=dict)  # method specifics (tool versions, formats)
    format: int = MANIFEST_FORMAT
    path: Path = field(default=Path(MANIFEST_NAME))  # the manifest file

    @property
    def directory(self) -> Path:
        return self.path.parent

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def source_has_password(self) -> bool:
        return MASK in self.source_uri  # userinfo or a ?password= parameter

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "tool_version": self.tool_version,
            "dialect": self.dialect,
            "source_uri": self.source_uri,
            "database": self.database,
            "method": self.method,
            "created": self.created,
            "schema_revision": self.schema_revision,
            "version_tables": self.version_tables,
            "server_version": self.server_version,
            "row_counts": self.row_counts,
            "total_rows": self.total_rows,
            "files": [vars(f) for f in self.files],
            "details": self.details,
            "path": str(self.path),
        }

    @classmethod
    def load(cls, path: str | Path) -> BackupManifest:
        """Read a manifest (``path`` is the manifest file or the backup directory)."""
        path = Path(path).expanduser()
        if path.is_dir():
            path = path / MANIFEST_NAME
        if not path.is_file() and not path.is_symlink():  # a link, even a dangling one, is refused below
            raise errors.StoreNotFound(f"no backup manifest at {path}: give a backup directory or its {MANIFEST_NAME}")
        try:
            data = json.loads(safe_files.read_own(path, "backup manifest", "refusing it: give the backup's own folder"))
            if data.get("format") != MANIFEST_FORMAT:
                raise ValueError(f"manifest format {data.get('format')!r}")
            for entry in data["files"]:
                _confined(path.parent, entry["name"])
            return cls(
                tool_version=data["tool_version"], dialect=data["dialect"], source_uri=data["source_uri"],
                database=data["database"], method=data["method"], created=data["created"],
                schema_revision=data.get("schema_revision"), version_tables=data.get("version_tables", {}),
                row_counts={k: int(v) for k, v in data["row_counts"].items()},
                files=[BackupFile(**f) for f in data["files"]], server_version=data.get("server_version", ""),
                details=data.get("details", {}), path=path.resolve(),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise errors.OperationFailed(f"backup manifest {path} is corrupt or unreadable ({exc})") from None
        except OSError as exc:
            raise errors.OperationFailed(f"cannot read backup manifest {path}: {exc.strerror}") from None

    def write(self) -> None:
        """Write atomically (temporary 0600 file, then rename)."""
        safe_files.write_atomic(self.path, json.dumps(self.to_dict(), indent=2) + "\n", "backup manifest",
                                given=False)


def _confined(directory: Path, name: object) -> None:
    """A manifest names files inside its own folder only: refuse ``../x``, ``/abs`` and links leading out, before
    anything is read."""
    inside = isinstance(name, str) and name and not Path(name).is_absolute() and ".." not in Path(name).parts
    if inside:
        base = directory.resolve()
        inside = (base / str(name)).resolve().is_relative_to(base)
    if not inside:
        raise errors.OperationFailed(
            f"backup manifest {directory / MANIFEST_NAME} names a file outside its folder ({name!r}): refusing it; "
            "a backup lists only its own files"
        )


@dataclass
class RestoreReport:
    backup: Path  # the manifest restored
    target_uri: str  # masked
    dialect: str
    method: str
    dropped_tables: list[str]  # what --force removed from the target first
    expected_counts: dict[str, int]
    restored_counts: dict[str, int]
    duration_s: float
    schema_revision: str | None = None

    @property
    def mismatches(self) -> dict[str, tuple[int, int | None]]:
        return {t: (n, self.restored_counts.get(t)) for t, n in self.expected_counts.items()
                if self.restored_counts.get(t) != n}

    @property
    def verified(self) -> bool:
        return not self.mismatches

    def to_dict(self) -> dict[str, Any]:
        return {
            "backup": str(self.backup), "target_uri": self.target_uri, "dialect": self.dialect,
            "method": self.method, "schema_revision": self.schema_revision, "verified": self.verified,
            "dropped_tables": self.dropped_tables, "expected_counts": self.expected_counts,
            "restored_counts": self.restored_counts, "total_rows": sum(self.restored_counts.values()),
            "duration_s": round(self.duration_s, 3),
        }


# ---- backup ------------------------------------------------------------------------------------------------
def backup(
    uri: str,
    dest: str | Path | None = None,
    *,
    method: str = "auto",
    force: bool = False,
    progress: Progress = QUIET,
    tables_with_version: tuple[str, ...] = ALL_VERSION_TABLES,
) -> BackupManifest:
    """Back up the database of ``uri`` into ``dest`` (a directory, created 0700; default
    ``./mlflow-upgrade-backups/<db>-<UTC timestamp>/``) and return its manifest.

    ``method``: "auto" (native tool when compatible, else logical), "native" or "logical".
    """
    if method not in METHODS:
        raise errors.UsageError(f"unknown backup method '{method}': use one of {', '.join(METHODS)}")
    ref = parse_store_uri(uri)
    require_database(ref, file_store_hint="copy its directory, or migrate it to a database first")
    dialect = get_dialect(ref)
    engine = open_engine(ref, read_only=True)
    try:
        chosen, note = _choose_method(dialect, ref, engine, method)
        directory = _prepare_directory(ref, dest, force)
        started = time.monotonic()
        result = _run_backup(dialect, ref, engine, directory, chosen, progress, tables_with_version)
        manifest = BackupManifest(
            tool_version=__version__, dialect=dialect.name, source_uri=ref.masked, database=_database_label(ref),
            method=chosen, created=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            schema_revision=_tracking_revision(result.versions), version_tables=result.versions,
            row_counts=dict(sorted(result.row_counts.items())),
            files=[_describe(directory, p, result.sha256.get(p)) for p in result.files],
            server_version=dialect.server_version(engine),
            details={**result.details, "duration_s": round(time.monotonic() - started, 3),
                     **({"note": note} if note else {})},
            path=directory / MANIFEST_NAME,
        )
        manifest.write()
        return manifest
    finally:
        engine.dispose()


def _choose_method(dialect: Dialect, ref: StoreRef, engine: Engine, method: str) -> tuple[str, str]:
    """The method name to record, and a note saying why the native tool was not used (if it was not)."""
    if method == "logical":
        return "logical", ""
    check = dialect.can_dump_natively(ref, engine)
    if check.ok:
        return _native_name(dialect, check.tool), ""
    if method == "native":
        raise errors.PreflightFailed(f"cannot back up {ref.masked} natively: {check.reason}; or use --method logical")
    return "logical", f"native dump not used: {check.reason}"


def _native_name(dialect: Dialect, tool: str | None) -> str:
    return dialect.native_tool_name(tool)


def _database_label(ref: StoreRef) -> str:
    if ref.database_file is not None:
        return str(ref.database_file)
    return ref.database_name or ""


def _prepare_directory(ref: StoreRef, dest: str | Path | None, force: bool) -> Path:
    if dest is None:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        dest = Path.cwd() / DEFAULT_PARENT / f"{ref.short_name}-{stamp}"
        n = 1
        while dest.exists():  # a name the user did not choose never refuses: two backups in one second
            n += 1
            dest = Path.cwd() / DEFAULT_PARENT / f"{ref.short_name}-{stamp}-{n}"
    directory = Path(dest).expanduser().resolve()
    if directory.exists() and not directory.is_dir():
        raise errors.UsageError(f"backup destination {directory} exists and is not a directory")
    existing = [p for p in directory.iterdir()] if directory.is_dir() else []
    if existing:
        if not force:
            raise errors.Refused(
                f"{directory} is not empty (it may hold a backup): choose another --out, or pass --force to replace it"
            )
        _remove_previous_backup(directory)
    _make_private_dirs(directory)
    return directory


def _make_private_dirs(directory: Path) -> None:
    missing = []
    for parent in [directory, *directory.parents]:
        if parent.exists():
            break
        missing.append(parent)
    try:
        for path in reversed(missing):
            path.mkdir(mode=0o700)
            os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask
        os.chmod(directory, 0o700)
    except OSError as exc:
        raise errors.OperationFailed(f"cannot create backup directory {directory}: {exc.strerror}") from None


def _remove_previous_backup(directory: Path) -> None:
    """--force: replace a previous backup of this tool, recognised by its manifest: delete the files that
    manifest lists and the manifest, nothing else. Anything else in ``directory`` refuses before any deletion."""
    if not (directory / MANIFEST_NAME).is_file():
        raise errors.Refused(
            f"{directory} is not empty and holds no mlflow-upgrade backup (no {MANIFEST_NAME}): --force replaces "
            "only a previous backup; choose another --out"
        )
    try:
        previous = BackupManifest.load(directory)
    except errors.MlflowUpgradeError as exc:
        raise errors.Refused(f"--force replaces only a readable previous backup: {exc}") from None
    ours = {MANIFEST_NAME, *(f.name for f in previous.files)}
    foreign = sorted(p.name for p in directory.iterdir() if p.name not in ours or not p.is_file() or p.is_symlink())
    if foreign:
        raise errors.Refused(
            f"{directory} holds files that are not part of its backup ({', '.join(foreign[:3])}): nothing was "
            "removed; choose another --out, or move them away"
        )
    for name in ours:
        (directory / name).unlink(missing_ok=True)


def _run_backup(
    dialect: Dialect, ref: StoreRef, engine: Engine, directory: Path, method: str, progress: Progress,
    version_tables: tuple[str, ...],
) -> NativeResult:
    try:
        if method == "logical":
            return logical.dump(dialect, engine, directory / LOGICAL_FILE, progress, version_tables)
        return dialect.backup_native(ref, engine, directory, progress, version_tables)
    except BaseException as exc:
        _cleanup(directory)
        if is_disk_full(exc):
            raise errors.OperationFailed(f"disk full while writing the backup to {directory}: free space and retry") from None
        if isinstance(exc, sqlalchemy.exc.DBAPIError):
            raise errors.OperationFailed(f"backup of {ref.masked} failed: {_db_error_line(exc)}") from None
        raise


def _cleanup(directory: Path) -> None:
    """Remove the partial files of a failed backup (never a manifest: none is written before success)."""
    for child in directory.iterdir():
        if child.is_file() and child.name != MANIFEST_NAME:
            with contextlib.suppress(OSError):
                child.unlink()
    with contextlib.suppress(OSError):
        directory.rmdir()


def _tracking_revision(versions: dict[str, list[str]]) -> str | None:
    revisions = versions.get(TRACKING_VERSION_TABLE) or []
    return revisions[0] if len(revisions) == 1 else (",".join(revisions) or None)


def _describe(directory: Path, path: Path, sha256: str | None = None) -> BackupFile:
    """``sha256``: the digest of the bytes as they were written, when the writer hashed them on the way."""
    os.chmod(path, 0o600)
    return BackupFile(name=path.relative_to(directory).as_posix(), size=path.stat().st_size,
                      sha256=sha256 or _sha256(path))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# ---- restore -----------------------------------------------------------------------------------------------
def restore(
    backup: str | Path,
    target_uri: str | None = None,
    *,
    force: bool = False,
    progress: Progress = QUIET,
) -> RestoreReport:
    """Restore ``backup`` (a manifest or backup directory) into ``target_uri`` (default: the backup's source).

    Checks every checksum first, refuses a non-empty target unless ``force`` (which drops the target's tables),
    restores, and raises :class:`errors.OperationFailed` when a table's row count differs from the manifest.
    """
    manifest = BackupManifest.load(backup)
    verify_checksums(manifest)
    ref = _target_ref(manifest, target_uri)
    dialect = get_dialect(ref)
    started = time.monotonic()
    engine = _open_target(ref)
    try:
        dropped = _clear_target(dialect, ref, engine, force)
        _run_restore(dialect, ref, engine, manifest, progress)
        present = set(dialect.list_tables(engine))  # re-counted from the target itself; a missing table counts -1
        counts = dialect.row_counts(engine, [t for t in manifest.row_counts if t in present])
        counts.update({t: -1 for t in manifest.row_counts if t not in present})
    finally:
        engine.dispose()
    report = RestoreReport(
        backup=manifest.path, target_uri=ref.masked, dialect=dialect.name, method=manifest.method,
        dropped_tables=dropped, expected_counts=manifest.row_counts, restored_counts=counts,
        duration_s=time.monotonic() - started, schema_revision=manifest.schema_revision,
    )
    if not report.verified:
        diffs = ", ".join(f"{t}: expected {e}, found {f if f != -1 else 'no table'}"
                          for t, (e, f) in list(report.mismatches.items())[:3])
        raise errors.OperationFailed(f"restore into {ref.masked} does not match the backup's row counts ({diffs})")
    return report


def verify_checksums(manifest: BackupManifest) -> None:
    """Refuse a backup whose files are missing, truncated or altered (one line naming the file)."""
    if not manifest.files:
        raise errors.OperationFailed(f"backup {manifest.directory} is corrupt: its manifest lists no files")
    for entry in manifest.files:
        path = manifest.directory / entry.name
        if not path.is_file():
            raise errors.OperationFailed(f"backup {manifest.directory} is incomplete: {entry.name} is missing")
        if path.stat().st_size != entry.size or _sha256(path) != entry.sha256:
            raise errors.OperationFailed(
                f"backup {manifest.directory} is corrupt: {entry.name} does not match its SHA-256 in the manifest; "
                "do not restore it"
            )


def _target_ref(manifest: BackupManifest, target_uri: str | None) -> StoreRef:
    if target_uri is None:
        if manifest.source_has_password:
            raise errors.UsageError(
                f"the manifest holds only the masked source URI {manifest.source_uri}: pass the target URI with "
                "its password (--to URI)"
            )
        target_uri = manifest.source_uri
        if get_dialect(manifest.dialect).is_file_database:  # the absolute path: the URI may be relative to another cwd
            target_uri = sqlite_url(manifest.database)
    ref = parse_store_uri(target_uri)
    if ref.kind != manifest.dialect:
        raise errors.UsageError(
            f"this is a {manifest.dialect} backup: restore it into a {manifest.dialect} database, not {ref.masked}"
        )
    return ref


def _open_target(ref: StoreRef) -> Engine:
    if ref.database_file is not None and not ref.database_file.exists():
        if not ref.path.parent.is_dir():
            raise errors.StoreNotFound(f"cannot create {ref.path}: directory {ref.path.parent} does not exist")
        # a new SQLite file: open_engine refuses missing files, so create an empty one first
        import sqlite3

        sqlite3.connect(ref.path).close()
    return open_engine(ref, read_only=False)


def _clear_target(dialect: Dialect, ref: StoreRef, engine: Engine, force: bool) -> list[str]:
    if dialect.is_empty(engine):
        return []
    tables = dialect.list_tables(engine)
    if not force:
        raise errors.Refused(
            f"target {ref.masked} is not empty ({len(tables)} tables): restore into an empty database, or pass "
            "--force to drop its tables first"
        )
    dialect.drop_all_tables(engine)
    return tables


def _run_restore(dialect: Dialect, ref: StoreRef, engine: Engine, manifest: BackupManifest, progress: Progress) -> None:
    files = [manifest.directory / f.name for f in manifest.files]
    if manifest.method != "logical":
        check = dialect.can_restore_natively(ref, engine, manifest.details)
        if not check.ok:
            raise errors.PreflightFailed(f"cannot restore a {manifest.method} backup into {ref.masked}: {check.reason}")
    try:
        if manifest.method == "logical":
            logical.load(dialect, engine, files[0], progress, manifest.row_counts)
        else:
            dialect.restore_native(ref, engine, files, manifest.details, progress)
    except sqlalchemy.exc.DBAPIError as exc:
        raise errors.OperationFailed(f"restore into {ref.masked} failed: {_db_error_line(exc)}") from None
    except OSError as exc:
        if is_disk_full(exc):
            raise errors.OperationFailed(f"disk full while restoring into {ref.masked}: free space and retry") from None
        raise


def _db_error_line(exc: sqlalchemy.exc.DBAPIError) -> str:
    """The driver's own message, first line, passwords masked (SQLAlchemy's adds the statement and a link)."""
    text = str(exc.orig if exc.orig is not None else exc).strip()
    return mask_uri(text.splitlines()[0] if text else type(exc).__name__)
