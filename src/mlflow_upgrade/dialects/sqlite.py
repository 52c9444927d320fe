"""SQLite: native backup and restore with the online backup API (consistent while the database is in use).

The logical dump replays the exact ``CREATE`` statements SQLite keeps in ``sqlite_master`` and the
AUTOINCREMENT counters of ``sqlite_sequence``; so does a schema template (``dump_template``), in one transaction.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import itertools
import os
import queue
import re
import sqlite3
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from mlflow_upgrade import errors, safe_files
from mlflow_upgrade.dialects import (
    Dialect,
    HeldLock,
    NativeCheck,
    NativeResult,
    Privileges,
    lock_owner_tag,
    register,
    run_statement,
)
from mlflow_upgrade.dialects.fingerprint import SQLiteFingerprintSql
from mlflow_upgrade.dialects.tools import is_disk_full
from mlflow_upgrade.progress import Progress
from mlflow_upgrade.store.ref import StoreRef
from mlflow_upgrade.store.schema import read_version_rows

# Database-wide settings a template carries besides its statements (page_size etc. are SQLite's defaults).
_TEMPLATE_PRAGMAS = ("user_version", "application_id")
# Pages copied per backup step: large steps so a concurrently written database restarts the copy rarely.
_PAGES_PER_STEP = 16384


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


LOCK_SUFFIX = ".mlflow-upgrade.lock"


@register
class SQLiteDialect(SQLiteFingerprintSql, Dialect):
    name = "sqlite"
    label = "SQLite"
    native_suffix = ".sqlite"
    native_method = "sqlite-backup-api"
    is_file_database = True
    alters_in_place = False
    needs_driver_package = False
    # SQLite reads nothing of the file for "SELECT 1": reading its schema is what finds a file that is not one
    open_probe_sql = "SELECT count(*) FROM sqlite_master"
    reflects_constraint_names = False  # unreliably: the conflicts preflight does not judge them
    revision_base_seconds = 0.03
    per_row_seconds: ClassVar[Mapping[str, float]] = {"rewrite": 2.0e-6, "index": 3.5e-6, "data": 4.0e-6}

    # ---- planning and upgrading ------------------------------------------------------------------------
    def revision_transaction(self, ops: Sequence[dict[str, Any]]) -> tuple[bool, str]:
        return True, (
            "one transaction (mlflow-upgrade wraps each revision in BEGIN IMMEDIATE…COMMIT; plain pysqlite "
            "would commit each DDL statement at once)"
        )

    def failed_revision_state(self, current: str | None) -> str:
        return f"rolled back: the store is intact at {current}"

    def migration_guard(self) -> AbstractContextManager[None]:
        return transactional_ddl()

    def offline_url(self, ref: StoreRef) -> str:
        return "sqlite://"

    # ---- bulk load (migrate-filestore) -----------------------------------------------------------------
    integers_are_64_bit = True
    enforces_lengths = False

    def metric_format(self, driver: str, raw: Any = None) -> str:
        return "flat"

    def bulk_session_start(self, cur: Any) -> None:
        cur.connection.commit()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA cache_size=-65536")
        cur.execute("PRAGMA foreign_keys=OFF")

    def bulk_session_end(self, cur: Any) -> None:
        cur.execute("PRAGMA journal_mode=DELETE")  # leave the database as MLflow would create it

    def bulk_insert(self, cur: Any, driver: str, table: str, cols: Sequence[str], rows: list[tuple]) -> None:
        insert_flat(cur, _quote(table), cols, list(itertools.chain.from_iterable(rows)))

    def deferrable_indexes(self, conn: Connection, tables: Sequence[str]) -> list[tuple[str, str]]:
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({', '.join(_literal(t) for t in tables)}) ORDER BY name"
        )
        return [(r[0], r[1]) for r in rows]

    # ---- preflight -------------------------------------------------------------------------------------
    def file_in_use(self, ref: StoreRef) -> tuple[bool, list[str]]:
        assert ref.path is not None
        extras = [p.name for p in (ref.path.with_name(ref.path.name + s) for s in ("-wal", "-journal")) if p.exists()]
        try:
            # A write lock, taken and given back at once: fails while another process writes or holds a lock.
            raw = sqlite3.connect(str(ref.path), timeout=0.5, isolation_level=None)
            try:
                raw.execute("BEGIN IMMEDIATE")
                raw.execute("ROLLBACK")
            finally:
                raw.close()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return True, extras
            raise
        return False, extras

    def database_size(self, ref: StoreRef, conn: Connection) -> int:
        assert ref.path is not None
        wal = ref.path.with_name(ref.path.name + "-wal")
        return ref.path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)

    def migrate_privileges(self, ref: StoreRef, conn: Connection) -> Privileges:
        assert ref.path is not None
        bad = [str(p) for p in (ref.path, ref.path.parent) if not os.access(p, os.W_OK)]
        if bad:
            return Privileges(False, f"not writable by this user: {', '.join(bad)} (SQLite needs the file and its "
                              "directory writable for its journal): fix the permissions or run as the file's owner")
        return Privileges(True, "the database file and its directory are writable")

    # ---- catalog -------------------------------------------------------------------------------------
    def row_estimates(self, conn: Connection) -> dict[str, float]:
        """{table: MAX(rowid) - MIN(rowid) + 1}: two b-tree descents per table, a few pages even from a cold
        disk, where COUNT(*) reads a whole index (~10 s for 20 M metric rows). Rows deleted between the ends
        make it an overestimate (it is shown as one, ``~``); WITHOUT ROWID tables are left out (counted)."""
        names = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~'"
        ).scalars().all()
        out: dict[str, float] = {}
        for name in names:
            q = _quote(name)
            try:  # one MIN or MAX per SELECT: SQLite answers each from the b-tree's end, not by a scan
                lo, hi = conn.exec_driver_sql(
                    f"SELECT (SELECT MIN(_rowid_) FROM {q}), (SELECT MAX(_rowid_) FROM {q})").one()
            except sqlalchemy.exc.DBAPIError:  # WITHOUT ROWID
                continue
            out[name] = 0.0 if lo is None else float(hi - lo + 1)
        return out

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

    def backup_stem(self, ref: StoreRef) -> str:
        assert ref.path is not None
        return ref.path.stem

    def native_dump(self, ref: StoreRef, engine: Engine, check: NativeCheck, target: Path, progress: Progress,
                    version_tables: Sequence[str]) -> NativeResult:
        assert ref.path is not None  # copied in process (no tool runs)
        out = safe_files.create_new(target, "backup file")
        source = connect_readonly(ref.path)
        digests: dict[Path, str] = {}
        method = "backup API"
        try:
            try:
                with write_behind(target):
                    copied = _copy_file_locked(source, ref.path.resolve(), out, progress, f"backup {ref.path.name}")
            finally:
                os.close(out)
            if copied is None:  # a WAL database: its committed pages may be in the -wal file, not the file
                copy = sqlite3.connect(target)
                try:
                    _copy(source, copy, progress, f"backup {ref.path.name}")
                finally:
                    copy.close()
            else:
                digests[target], method = copied
            copy = connect_readonly(target)
            try:
                tables = _user_tables(copy)
                counts = {t: copy.execute(f"SELECT COUNT(*) FROM {_quote(t)}").fetchone()[0] for t in tables}
                versions = {t: read_version_rows(copy, t) for t in version_tables if t in tables}
            finally:
                copy.close()
        except (sqlite3.OperationalError, OSError) as exc:
            raise _sqlite_failure(exc, target) from None
        finally:
            source.close()
        return NativeResult(files=[target], row_counts=counts, versions=versions,
                            details={"sqlite_version": sqlite3.sqlite_version, "method": method}, sha256=digests)

    def native_load(self, ref: StoreRef, engine: Engine, check: NativeCheck, files: Sequence[Path],
                    progress: Progress) -> None:
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

    # ---- shipped schema templates ------------------------------------------------------------------------
    def dump_template(self, conn: Connection) -> dict[str, Any]:
        """Every ``sqlite_master`` statement verbatim, then every row as ``quote()``d literals, and the header
        settings (``PRAGMA user_version``, ``application_id``)."""
        pragmas = {p: conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in _TEMPLATE_PRAGMAS}
        # MLflow's own order varies between runs (sets inside its migrations): tables, then indexes, views and
        # triggers, each by name, is deterministic and valid (SQLite resolves foreign keys at use, not creation)
        master = conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY "
            "CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, name").fetchall()
        schema = [sql for _, name, sql in master if name != "sqlite_sequence"]  # made by AUTOINCREMENT tables
        rows: list[str] = []
        for kind, name, _ in master:
            if kind != "table":
                continue
            cols = [r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({_quote(name)})")]
            values = " || ',' || ".join(f"quote({_quote(c)})" for c in cols)
            rows += sorted(f"INSERT INTO {_quote(name)} VALUES({text})"
                           for (text,) in conn.exec_driver_sql(f"SELECT {values} FROM {_quote(name)}"))
        return {"pragmas": pragmas, "schema": schema, "rows": rows}

    def apply_template(self, engine: Engine, body: dict[str, Any]) -> None:
        """One transaction (pysqlite would commit each CREATE on its own): all of it or nothing."""
        with engine.connect() as conn:
            _begin(conn)
            for sql in [*body["schema"], *body["rows"]]:
                run_statement(conn, sql)
            for name, value in body["pragmas"].items():
                if name in _TEMPLATE_PRAGMAS and re.fullmatch(r"-?\d+", str(value)):
                    conn.exec_driver_sql(f"PRAGMA {name} = {int(value)}")
            conn.commit()

    def canonical_template(self, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "schema": [sorted_constraints(sql) for sql in body["schema"]]}

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


# ---- transactional DDL ------------------------------------------------------------------------------------
# pysqlite opens no transaction for DDL (each CREATE/DROP/ALTER commits at once, so a failing revision leaves half
# its tables behind). While a migration runs, SQLite connections are switched to autocommit at the driver level
# and SQLAlchemy emits ``BEGIN IMMEDIATE`` itself, so each revision commits or rolls back as a whole, also when the
# process is killed (SQLite's rollback journal undoes it on next open).


def _on_connect(dbapi_connection: object, connection_record: object) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None  # driver-level autocommit: SQLAlchemy's BEGIN below rules


def _on_begin(conn: Connection) -> None:
    if conn.engine.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def transactional_ddl() -> Iterator[None]:
    """While active, every SQLite connection opened in this process runs each transaction as BEGIN IMMEDIATE …
    COMMIT/ROLLBACK, DDL included. MLflow's env.py opens its own engine, hence class-level listeners."""
    event.listen(Engine, "connect", _on_connect)
    event.listen(Engine, "begin", _on_begin)
    try:
        yield
    finally:
        event.remove(Engine, "begin", _on_begin)
        event.remove(Engine, "connect", _on_connect)


def _begin(conn: Connection) -> None:
    if not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")


_CONSTRAINT = re.compile(r"(CONSTRAINT \w+ )?(CHECK|FOREIGN KEY|UNIQUE|PRIMARY KEY)\b")


def sorted_constraints(sql: str | None) -> str | None:
    """A stored ``CREATE TABLE`` with its constraint clauses in a fixed order. MLflow's own migrations write them
    in an order that varies from run to run (Alembic's batch mode recreates ``runs`` from a set of constraint
    objects, ordered by their addresses); columns keep their order and every clause its exact text."""
    if not sql or not sql.startswith("CREATE TABLE"):
        return sql
    head, _, body = sql.partition("(\n")
    body, _, tail = body.rpartition("\n)")
    parts = body.split(", \n")
    columns = [p for p in parts if not _CONSTRAINT.match(p.strip())]
    constraints = sorted(p for p in parts if _CONSTRAINT.match(p.strip()))
    return head + "(\n" + ", \n".join(columns + constraints) + "\n)" + tail


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


_COPY_CHUNK = 4 << 20  # bytes per read of the locked file copy (at most 3 queued for the hash: 16 MB)


def _copy_file_locked(source: sqlite3.Connection, path: Path, out: int, progress: Progress,
                      description: str) -> tuple[str, str] | None:
    """Copy the database file ``path`` byte for byte to the descriptor ``out`` and return the copy's SHA-256
    and how it was made, or None (nothing written) when the database is in WAL mode.

    In rollback-journal mode a writer must hold an EXCLUSIVE lock to change the file, which our open read
    transaction's SHARED lock excludes: the file is one consistent snapshot for the whole copy (a hot journal
    left by a crashed writer makes the first read fail, and nothing is copied). Twice as fast as the backup
    API (which copies page by page through the pager) and hashed on the way, so the manifest's checksum needs
    no second read (20 M metric rows, 3.6 GB: backup API 9.1 s + SHA-256 2.7 s). Where the filesystem can
    share the file's blocks with the copy (:func:`_clone`), nothing is copied at all."""
    if str(source.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return None
    source.execute("BEGIN")
    try:
        source.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # takes the SHARED lock
        # Closing any descriptor of the file drops this process's POSIX locks on it, SQLite's too: ours is
        # closed only after the last byte is copied.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            if _clone(fd, out):
                # the clone holds the very blocks of the file, which our lock keeps unchanged: hashing the
                # file reads what the page cache likely holds, where the clone's pages would come from disk
                return _hash_file(fd, progress, description), "locked file clone (reflink)"
            return _copy_and_hash(fd, out, progress, description), "locked file copy"
        finally:
            os.close(fd)
    finally:
        source.execute("ROLLBACK")


_FICLONE = 0x40049409  # linux/fs.h: _IOW(0x94, 9, int)


def _clone(fd: int, out: int) -> bool:
    """Make ``out`` share ``fd``'s blocks, copy-on-write (XFS, Btrfs, bcachefs, OCFS2: one metadata operation,
    whatever the size; 3.6 GB copied at this disk's speed took 9.6 s). Later writes to the database then
    get new blocks and the backup keeps the old ones. False, with ``out`` left empty, where the filesystem
    cannot (ext4, another filesystem than the backup's, not Linux)."""
    if sys.platform != "linux":
        return False
    try:
        fcntl.ioctl(out, _FICLONE, fd)
        os.fsync(out)
        return True
    except OSError:  # EOPNOTSUPP, EXDEV, EINVAL, ENOSPC, ...: copy instead, from an empty file
        os.ftruncate(out, 0)
        return False


def _hash_file(fd: int, progress: Progress, description: str) -> str:
    digest = hashlib.sha256()
    with progress.task(description, total=os.fstat(fd).st_size, unit="bytes") as task:
        offset = 0
        while chunk := os.pread(fd, _COPY_CHUNK, offset):
            digest.update(chunk)
            offset += len(chunk)
            task.advance(len(chunk))
    return digest.hexdigest()


def _copy_and_hash(fd: int, out: int, progress: Progress, description: str) -> str:
    """Copy ``fd`` to ``out`` while a thread hashes the same chunks (hashlib releases the GIL); the caller's
    :func:`write_behind` flushes ``out`` meanwhile, so the final fsync does not wait for gigabytes."""
    digest = hashlib.sha256()
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=3)
    hasher = threading.Thread(target=lambda: _hash_chunks(chunks, digest), name="backup-sha256", daemon=True)
    hasher.start()
    try:
        with progress.task(description, total=os.fstat(fd).st_size, unit="bytes") as task:
            while chunk := os.read(fd, _COPY_CHUNK):
                chunks.put(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view):]
                task.advance(len(chunk))
        os.fsync(out)
    finally:
        chunks.put(None)
        hasher.join()
    return digest.hexdigest()


def _hash_chunks(chunks: queue.Queue[bytes | None], digest: Any) -> None:
    while (chunk := chunks.get()) is not None:
        digest.update(chunk)


def _sqlite_failure(exc: sqlite3.OperationalError | OSError, path: Path) -> errors.MlflowUpgradeError:
    text = str(exc)
    if ("disk" in text.lower() and "full" in text.lower()) or is_disk_full(exc):
        return errors.OperationFailed(f"disk full while writing {path}: free space and retry")
    how = "copy" if isinstance(exc, OSError) else "backup API"
    return errors.OperationFailed(f"SQLite {how} failed on {path}: {text}")


# Bound variables per SQLite statement: under the 999 of SQLite builds older than 3.32.
_SQLITE_VARIABLES = 900


def insert_flat(cur: Any, table: str, cols: Sequence[str], flat: list[Any]) -> None:
    """Rows given as one flat list of values, in multi-row ``INSERT ... VALUES (...), (...)`` statements of 150
    rows (one statement step per 150 rows instead of per row: about 30 % less CPU than a one-row ``executemany``
    on the 2 M-row benchmark); ``cur``: a cursor or connection, ``table`` quoted."""
    quoted = ", ".join(f'"{c}"' for c in cols)
    sql = f"INSERT INTO {table} ({quoted}) VALUES "
    one = f"({', '.join(['?'] * len(cols))})"
    per = max(1, _SQLITE_VARIABLES // len(cols))
    width = per * len(cols)
    full = len(flat) // width * width
    if full:
        cur.executemany(sql + ", ".join([one] * per), [flat[i:i + width] for i in range(0, full, width)])
    if full < len(flat):
        cur.execute(sql + ", ".join([one] * ((len(flat) - full) // len(cols))), flat[full:])


@contextmanager
def write_behind(path: Path, every: float = 0.25) -> Iterator[None]:
    """While the block runs, a thread flushes ``path``'s dirty pages to disk every ``every`` seconds, so the
    disk writes overlap the CPU-bound work (sorting, index builds) instead of all waiting for COMMIT's fsync:
    on the 2 M-point benchmark's final step the COMMIT went from ~1.1 s to ~0.1 s. Only durability comes
    earlier: SQLite syncs its journal before it writes a page that existed, so an early flush of the database
    file writes nothing the OS could not have written back on its own."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:  # nothing to gain, nothing to lose: COMMIT still syncs
        yield
        return
    finished = threading.Event()

    def flush() -> None:
        while not finished.wait(every):
            try:
                os.fdatasync(fd)
            except OSError:  # e.g. EIO: COMMIT's own sync reports it
                return

    thread = threading.Thread(target=flush, name="sqlite-write-behind", daemon=True)
    thread.start()
    try:
        yield
    finally:
        finished.set()
        thread.join()
        os.close(fd)
