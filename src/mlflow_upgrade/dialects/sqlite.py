"""SQLite: native backup and restore with the online backup API (consistent while the database is in use).

The logical dump replays the exact ``CREATE`` statements SQLite keeps in ``sqlite_master`` and the
AUTOINCREMENT counters of ``sqlite_sequence``.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy.engine import Connection, Engine

from mlflow_upgrade import errors, safe_files
from mlflow_upgrade.dialects import (
    Dialect,
    HeldLock,
    NativeCheck,
    NativeResult,
    is_disk_full,
    lock_owner_tag,
    run_statement,
)
from mlflow_upgrade.progress import Progress
from mlflow_upgrade.store.uri import StoreRef

# Pages copied per backup step: large steps so a concurrently written database restarts the copy rarely.
_PAGES_PER_STEP = 16384


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


LOCK_SUFFIX = ".mlflow-upgrade.lock"


class SQLiteDialect(Dialect):
    name = "sqlite"
    native_suffix = ".sqlite"
    native_method = "sqlite-backup-api"

    # ---- catalog -------------------------------------------------------------------------------------
    def drop_all_tables(self, engine: Engine) -> None:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
            objects = conn.exec_driver_sql(
                "SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table') AND name NOT LIKE 'sqlite~_%' "
                "ESCAPE '~' ORDER BY type = 'table'"
            ).fetchall()
            for kind, name in objects:
                run_statement(conn, f"DROP {kind.upper()} IF EXISTS {_quote(name)}")
            if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").first():
                conn.exec_driver_sql("DELETE FROM sqlite_sequence")
            conn.commit()

    # ---- one upgrade at a time -----------------------------------------------------------------------
    def acquire_run_lock(self, ref: StoreRef, name: str) -> HeldLock:
        """An exclusive ``flock`` on ``<db file>.mlflow-upgrade.lock`` (``<db file>.auth…`` for a basic-auth
        DB), held for the whole run and released by the kernel if the process dies. The file (0600, never
        followed through a symlink) holds our pid, host and start time for a second run to print; it is
        removed on release."""
        assert ref.path is not None
        path = ref.path.with_name(ref.path.name + ("" if name == "tracking" else f".{name}") + LOCK_SUFFIX)
        while True:
            fd = _open_lock_file(path)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "a process that just started"
                os.close(fd)
                raise errors.Refused(f"another upgrade of {ref.masked} is running ({holder}; lock file {path}): "
                                     "wait for it to finish, then run upgrade again") from None
            if _same_file(fd, path):  # not unlinked by a holder that released it meanwhile
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, lock_owner_tag().encode() + b"\n", 0)

        def release() -> None:
            try:
                path.unlink(missing_ok=True)  # while still locked: a waiting run then re-opens a fresh file
            finally:
                os.close(fd)

        return HeldLock(release)

    # ---- native: the backup API ------------------------------------------------------------------------
    def can_dump_natively(self, ref: StoreRef, engine: Engine) -> NativeCheck:
        return NativeCheck(True, "SQLite online backup API", tool="sqlite3", tool_version=f"SQLite {sqlite3.sqlite_version}")

    def can_restore_natively(self, ref: StoreRef, engine: Engine, details: dict[str, Any]) -> NativeCheck:
        return self.can_dump_natively(ref, engine)

    def backup_native(
        self, ref: StoreRef, engine: Engine, dest_dir: Path, progress: Progress, version_tables: Sequence[str] = ()
    ) -> NativeResult:
        assert ref.path is not None
        target = dest_dir / f"{ref.path.stem}{self.native_suffix}"
        os.close(safe_files.create_new(target, "backup file"))
        source = connect_readonly(ref.path)
        copy = sqlite3.connect(target)
        try:
            _copy(source, copy, progress, f"backup {ref.path.name}")
            tables = _user_tables(copy)
            counts = {t: copy.execute(f"SELECT COUNT(*) FROM {_quote(t)}").fetchone()[0] for t in tables}
            versions = {
                t: sorted(str(r[0]) for r in copy.execute(f"SELECT version_num FROM {_quote(t)}"))
                for t in version_tables if t in tables
            }
        except sqlite3.OperationalError as exc:
            raise _sqlite_failure(exc, target) from None
        finally:
            source.close()
            copy.close()
        return NativeResult(files=[target], row_counts=counts, versions=versions,
                            details={"sqlite_version": sqlite3.sqlite_version})

    def restore_native(
        self, ref: StoreRef, engine: Engine, files: Sequence[Path], details: dict[str, Any], progress: Progress
    ) -> None:
        assert ref.path is not None
        source = connect_readonly(files[0])
        target = sqlite3.connect(ref.path)
        try:
            _copy(source, target, progress, f"restore {ref.path.name}")
        except sqlite3.OperationalError as exc:
            raise _sqlite_failure(exc, ref.path) from None
        finally:
            source.close()
            target.close()

    # ---- logical hooks --------------------------------------------------------------------------------
    def begin_consistent_read(self, conn: Connection) -> None:
        # pysqlite only opens transactions before writes: an explicit BEGIN makes the reads one snapshot.
        conn.exec_driver_sql("BEGIN")

    def capture_schema(self, conn: Connection, tables: Sequence[str]) -> dict[str, Any]:
        wanted = set(tables)
        rows = conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
        ).fetchall()
        pre = [sql for kind, name, _, sql in rows if kind == "table" and name in wanted]
        post = [sql for kind, _, tbl, sql in rows if kind in ("index", "trigger") and tbl in wanted]
        post += [sql for kind, _, _, sql in rows if kind == "view"]
        if any(name == "sqlite_sequence" for _, name, _, _ in rows):
            for name, seq in conn.exec_driver_sql("SELECT name, seq FROM sqlite_sequence").fetchall():
                post.append(f"DELETE FROM sqlite_sequence WHERE name = {_literal(name)}")
                post.append(f"INSERT INTO sqlite_sequence (name, seq) VALUES ({_literal(name)}, {int(seq)})")
        user_version = conn.exec_driver_sql("PRAGMA user_version").scalar()
        post.append(f"PRAGMA user_version = {int(user_version or 0)}")
        return {"pre": pre, "post": post}

    def create_schema(self, conn: Connection, schema: dict[str, Any]) -> None:
        _begin(conn)  # pysqlite runs DDL outside transactions: one fsync per statement without this
        super().create_schema(conn, schema)

    def finish_schema(self, conn: Connection, schema: dict[str, Any]) -> None:
        _begin(conn)
        super().finish_schema(conn, schema)

    def table_order(self, conn: Connection, tables: Sequence[str]) -> list[str]:
        # SQLite loads with foreign keys off: any order works, and reflection of odd schemas is avoided.
        return list(tables)

    # ---- copying between dialects (migrate-db) ---------------------------------------------------------
    def copy_session(self, conn: Connection) -> None:
        # a 64 MB page cache: index pages of large tables stay in memory while rows arrive in key order
        conn.exec_driver_sql("PRAGMA cache_size = -65536")

    def value_adapter(self, sql_type: Any) -> Any:
        if isinstance(sql_type, sqlalchemy.DateTime):
            return _sqlalchemy_datetime
        return None

    def integer_bits(self, sql_type: Any) -> int | None:
        bits = super().integer_bits(sql_type)
        return None if bits is None else 64  # every SQLite INTEGER is a 64-bit signed integer

    def holds_negative_zero(self) -> bool:
        return False  # a REAL -0.0 is stored as the integer 0

    def text_limit(self, sql_type: Any) -> tuple[int, str] | None:
        return None  # SQLite keeps a value of any length whatever the declared VARCHAR(n)


def _sqlalchemy_datetime(value: Any) -> Any:
    """SQLAlchemy's SQLite DATETIME text (always with microseconds), which MLflow's models read back."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _open_lock_file(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise errors.Refused(f"{path} is a symbolic link: remove it (mlflow-upgrade never writes through one)") from None
        raise errors.OperationFailed(f"cannot create the upgrade lock file {path}: {exc.strerror}") from None


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path, follow_symlinks=False).st_ino
    except FileNotFoundError:
        return False


def _begin(conn: Connection) -> None:
    if not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _user_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~' ORDER BY name"
    )
    return [r[0] for r in rows]


def _copy(source: sqlite3.Connection, target: sqlite3.Connection, progress: Progress, description: str) -> None:
    with progress.task(description, total=None, unit="pages") as task:

        def step(status: int, remaining: int, total: int) -> None:
            task.update(total=total, completed=total - remaining)

        source.backup(target, pages=_PAGES_PER_STEP, progress=step)


def _sqlite_failure(exc: sqlite3.OperationalError, path: Path) -> errors.MlflowUpgradeError:
    text = str(exc)
    if ("disk" in text.lower() and "full" in text.lower()) or is_disk_full(exc):
        return errors.OperationFailed(f"disk full while writing {path}: free space and retry")
    return errors.OperationFailed(f"SQLite backup API failed on {path}: {text}")


DIALECT = SQLiteDialect()
