"""Per-dialect database work behind one small interface.

``get_dialect(ref)`` returns the :class:`Dialect` for a store (a :class:`~mlflow_upgrade.store.uri.StoreRef`, a URI,
or a dialect name). Each dialect module implements native backup/restore with the server's own tools, the
schema capture and replay used by the logical (SQLAlchemy) dump, and the catalog helpers other code needs
(``list_tables``, ``row_counts``, ``is_empty``, ``drop_all_tables``). Later features (preflight checks:
connections, privileges, disk space) are added as further methods on the same classes.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import sqlalchemy
from sqlalchemy.engine import Connection, Engine

from mlflow_upgrade import errors
from mlflow_upgrade.dialects.fingerprint import FingerprintSql
from mlflow_upgrade.progress import Progress
from mlflow_upgrade.store.ref import StoreRef, translate_db_error
from mlflow_upgrade.store.schema import read_version_rows

# The modules under mlflow_upgrade.dialects that define a dialect; each registers its class with @register on
# import. Supporting another server: a module here, nothing elsewhere.
_BUILTIN_MODULES = ("sqlite", "postgres", "mysql", "mssql")
_REGISTRY: dict[str, Dialect] = {}


_D = TypeVar("_D", bound="Dialect")


@dataclass
class NativeCheck:
    """Whether a native dump tool can back up / restore this server, and why (not)."""

    ok: bool
    reason: str
    tool: str | None = None  # absolute path of the tool that would run
    tool_version: str | None = None


@dataclass
class NativeResult:
    """What a native backup produced: its files, exact row counts of the dumped snapshot, details."""

    files: list[Path]
    row_counts: dict[str, int]
    versions: dict[str, list[str]] = field(default_factory=dict)  # version table -> its revisions
    details: dict[str, Any] = field(default_factory=dict)
    sha256: dict[Path, str] = field(default_factory=dict)  # of files hashed while written: not read again


@dataclass(frozen=True)
class Privileges:
    """Whether the connecting user may run migrations (CREATE, ALTER, DROP on the store), and why (not)."""

    ok: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class RebuildPlan:
    """What re-creates the indexes and keys a bulk load dropped (those still missing): ``builds`` are index
    builds that may run at the same time, each on a connection and in a transaction of its own; ``finish``
    runs after all of them, in order, in the caller's transaction. Both hold (name, statement) pairs."""

    builds: list[tuple[str, str]]
    finish: list[tuple[str, str]]


@dataclass
class HeldLock:
    """An upgrade lock this process holds until :meth:`release` (see :meth:`Dialect.acquire_run_lock`)."""

    release: Any  # () -> None
    session_ids: frozenset[int] = frozenset()  # server sessions the lock keeps open: ours, not "other clients"


def lock_owner_tag() -> str:
    """Who we are, as other runs see it: pid, host, start time (UTC)."""
    import datetime as dt
    import socket

    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    return f"mlflow-upgrade pid={os.getpid()} host={socket.gethostname()} since={started}"


def hold_session_lock(ref: StoreRef, connect_args: Mapping[str, Any], try_lock: Callable[[Connection], int],
                      unlock: Callable[[Connection], object]) -> HeldLock:
    """A server-side lock held by a connection of its own (autocommit, outside any pool) for the whole run.

    ``try_lock`` takes the lock and returns this session's id, or raises :class:`errors.Refused` naming the
    holder; ``unlock`` gives it back when the run ends.
    """
    assert ref.url is not None
    engine = sqlalchemy.create_engine(ref.url, poolclass=sqlalchemy.pool.NullPool, isolation_level="AUTOCOMMIT",
                                      connect_args={**connect_args, "connect_timeout": 10})
    try:
        conn = engine.connect()
    except Exception as exc:
        engine.dispose()
        raise translate_db_error(ref, exc) from None
    try:
        own = try_lock(conn)
    except BaseException:
        conn.close()
        engine.dispose()
        raise

    def release() -> None:
        try:
            unlock(conn)
        except Exception:  # the session is gone (server restarted): so is its lock
            pass
        finally:
            conn.close()
            engine.dispose()

    return HeldLock(release, frozenset({own}))


class Dialect(FingerprintSql):
    """Base class: SQLAlchemy-generic implementations; subclasses override what their server does better.

    Code outside this package asks a dialect (its attributes and methods) instead of comparing dialect names."""

    name: str = ""
    label: str = ""  # as people write it in messages ("PostgreSQL")
    aliases: tuple[str, ...] = ()  # other names users give it ("pg", "mariadb")
    # mlflow-upgrade backs up, upgrades and restores it (False: known to the URI parser, plan and inspect only)
    supported: bool = True

    # ---- URIs and connections (store/uri.py) -----------------------------------------------------------
    uri_schemes: tuple[str, ...] = ()  # URI schemes naming it besides its name ("mariadb://")
    # (SQLAlchemy driver, module to import) in order of preference, for a URI naming no driver
    default_drivers: tuple[tuple[str, str], ...] = ()
    driver_install_hints: ClassVar[Mapping[str, str]] = {}  # SQLAlchemy driver -> what to install for it
    needs_driver_package: bool = True  # False: the driver ships with Python (sqlite3)
    open_probe_sql: str = "SELECT 1"  # run once on opening: proves the server (or file) answers

    def connect_timeout_args(self, ref: StoreRef, seconds: int) -> dict[str, Any]:
        """Driver connect arguments bounding how long opening a connection may take; {} where not settable."""
        return {}
    # file suffix of the native backup (one file), and the method name the manifest records for it
    native_suffix: str = ".dump"
    native_method: str = "native"
    # The database is one local file (SQLite): locks, free disk and run markers go by that file.
    is_file_database: bool = False
    # ALTER changes a table in place (SQLite instead rewrites a table only in Alembic's batch mode)
    alters_in_place: bool = True
    # Rough upgrade timings (upgrade/estimate.py): seconds per revision, and per row of a table a revision
    # rewrites / indexes / backfills. Measured on this project's CI machine; see docs/plan.md "Estimates".
    revision_base_seconds: float = 0.1
    per_row_seconds: ClassVar[Mapping[str, float]] = {"rewrite": 2.5e-6, "index": 4.0e-6, "data": 5.0e-6}
    # A failing revision is rolled back whole by the server (no restore needed to continue)
    rolls_back_failed_revision: bool = False
    # Preflight SQL: the database's size in bytes (other sessions: other_sessions)
    database_size_sql: str | None = None
    # Preflight `conflicts`: index names are unique per table (else per schema); constraint names per database
    # (else per table); reflected constraint names can be trusted; a unique constraint is also an index of
    # the same name
    index_names_per_table: bool = False
    constraint_names_per_database: bool = False
    reflects_constraint_names: bool = True
    unique_constraint_is_index: bool = False
    # Preflight `case_only_versions`: the case-sensitive collation MLflow's revisions compare text with where
    # the default one ignores case; None: comparisons are case-sensitive already
    case_sensitive_collation: str | None = None

    def native_tool_name(self, tool: str | None) -> str:
        """The method a manifest records for a native backup made with ``tool``."""
        return self.native_method

    # ---- planning and upgrading ------------------------------------------------------------------------
    def revision_transaction(self, ops: Sequence[dict[str, Any]]) -> tuple[bool, str]:
        """(one transaction?, why) for a revision doing ``ops`` on this dialect."""
        return False, "not known for this dialect"

    def failed_revision_state(self, current: str | None) -> str:
        """What a failed revision left behind, when no backup was taken."""
        return f"possibly half applied on top of {current}"

    def migration_guard(self) -> AbstractContextManager[None]:
        """A context the migrations run in (SQLite: transactional DDL)."""
        return nullcontext()

    def offline_url(self, ref: StoreRef) -> str:
        """A URL naming only the dialect and driver: offline SQL needs no host, so no password can leak."""
        assert ref.url is not None
        return f"{ref.url.drivername}://"

    # ---- bulk load (migrate-filestore) -----------------------------------------------------------------
    # INTEGER columns hold 64-bit values whatever their declared type (SQLite)
    integers_are_64_bit: bool = False
    # declared VARCHAR lengths are enforced (a longer value is refused or truncated); SQLite stores it whole
    enforces_lengths: bool = True
    # Connections writing runs in parallel (None: one per core, at most 2). One keeps the rows on disk in the
    # order they are written (runs in id order): what makes the deferred index builds cheap (PostgreSQL).
    bulk_writers: int | None = None

    def bulk_connection(self, engine: Engine) -> Any:
        """A raw DBAPI connection (SQLAlchemy's pool proxy) for a bulk load."""
        return engine.raw_connection()

    def metric_format(self, driver: str, raw: Any = None) -> str:
        """How migrate-filestore's readers encode metric points for this dialect and driver (filestore/encode.py):
        "rows" (tuples), "flat" (one flat list), "pgbinary" (binary COPY tuples), "values" (MySQL VALUES text), "tsv"
        (MySQL LOAD DATA text: :meth:`bulk_load_stream`). ``raw``: the connection from :meth:`bulk_connection`."""
        return "rows"

    def bulk_session_start(self, cur: Any) -> None:
        """Session settings on the raw DBAPI connection before a bulk load."""

    def bulk_session_end(self, cur: Any) -> None:
        """Undo what only the load needed (after its last commit)."""

    def bulk_insert(self, cur: Any, driver: str, table: str, cols: Sequence[str], rows: list[tuple]) -> None:
        """Insert ``rows`` (values in ``cols`` order) into ``table`` the fastest safe way on the raw cursor."""
        raise NotImplementedError

    def bulk_load_stream(self, raw: Any, table: str, cols: Sequence[str], data: Iterable[bytes], rows: int) -> None:
        """Load ``rows`` rows encoded in the dialect's streamed metric format ("pgbinary", "tsv"; ``data``: its
        pieces) into ``table``."""
        raise NotImplementedError

    def dangling_references(self, conn: Connection, tables: Sequence[str]) -> list[str]:
        """Foreign keys of ``tables`` whose rows point at no parent row, described; [] where the database checked
        every row itself (a bulk session that turned the checks off must answer here)."""
        return []

    def deferrable_indexes(self, conn: Connection, tables: Sequence[str]) -> list[tuple[str, str]]:
        """(name, CREATE statement) of the secondary indexes of ``tables`` a bulk load may drop and rebuild."""
        return []

    def deferrable_constraints(self, conn: Connection, table: str) -> list[tuple[str, str]]:
        """(name, ALTER TABLE … ADD CONSTRAINT statement) of ``table``'s primary and foreign keys a bulk load may
        drop and re-create, primary key first; [] where they are kept."""
        return []

    def rebuild_plan(self, conn: Connection, recorded: Sequence[tuple[str, str]], tables: Sequence[str]
                     ) -> RebuildPlan:
        """How to re-create what of ``recorded`` (from :meth:`deferrable_constraints` and
        :meth:`deferrable_indexes`, keys first) ``tables`` lack now: here each one, in order, in the caller's
        transaction."""
        present = {name for table in tables for name, _ in self.deferrable_constraints(conn, table)}
        present |= {name for name, _ in self.deferrable_indexes(conn, tables)}
        return RebuildPlan([], [(name, ddl) for name, ddl in recorded if name not in present])

    def index_build_lanes(self, conn: Connection) -> int:
        """How many index builds may run at the same time, each on a connection of its own (1: one after the
        other in the caller's transaction)."""
        return 1

    def before_index_build(self, conn: Connection, tables: Sequence[str], lanes: int = 1) -> None:
        """Settings for building indexes of ``tables`` in the open transaction (they end with it), on one of
        ``lanes`` connections building at the same time."""

    def cancel_statement(self, dbapi_connection: Any) -> None:
        """Ask the server to stop the statement running on ``dbapi_connection`` (called from another thread)."""

    def drop_deferred_sql(self, conn: Connection, table: str, constraints: Sequence[str],
                          indexes: Sequence[str]) -> list[str]:
        """Statements dropping ``table``'s ``constraints`` (from :meth:`deferrable_constraints`, foreign keys
        first) and secondary ``indexes`` (from :meth:`deferrable_indexes`) before a bulk load (migrate-db)."""
        q = self.quote
        return ([f"ALTER TABLE {q(conn, table)} DROP CONSTRAINT {q(conn, name)}" for name in constraints]
                + [f"DROP INDEX {q(conn, name)}" for name in indexes])

    def after_explicit_ids(self, conn: Connection, table: str, column: str) -> None:
        """Rows were inserted with explicit ids: make the next generated id follow them."""

    # ---- guard -----------------------------------------------------------------------------------------
    def guard_sql(self, role: str, database: str, *, schema: str, owner: str | None, host: str, secret: str,
                  what: str, version_table: str) -> str | None:
        """SQL creating ``role`` with DML rights only, so MLflow servers cannot migrate; None: no such SQL
        (a SQLite file is guarded by file permissions)."""
        return None

    # ---- preflight -------------------------------------------------------------------------------------
    def file_in_use(self, ref: StoreRef) -> tuple[bool, list[str]] | None:
        """For a file database: (another process holds a lock, side files such as -wal present); else None."""
        return None

    def database_size(self, ref: StoreRef, conn: Connection) -> int:
        """Bytes the database takes (data and indexes); 0 when unknown."""
        if self.database_size_sql is None:
            return 0
        return int(conn.exec_driver_sql(self.database_size_sql).scalar_one())

    def migrate_privileges(self, ref: StoreRef, conn: Connection) -> Privileges | None:
        """Whether the connecting user may migrate the store; None where it is not checked."""
        return None

    # ---- catalog helpers -------------------------------------------------------------------------------
    def list_tables(self, engine: Engine | Connection) -> list[str]:
        """User tables of the store's database/schema, sorted by name."""
        return sorted(sqlalchemy.inspect(engine).get_table_names())

    def row_counts(self, engine: Engine | Connection, tables: Iterable[str]) -> dict[str, int]:
        """Exact row count per table (``COUNT(*)``: a full scan of a large server table)."""
        counts: dict[str, int] = {}
        with _connection(engine) as conn:
            for table in tables:
                counts[table] = int(run_statement(conn, f"SELECT COUNT(*) FROM {self.quote(conn, table)}").scalar())
        return counts

    def row_estimates(self, conn: Connection) -> dict[str, float]:
        """{table: approximate rows} from the server's statistics (SQLite: its rowid range), instant; {} where
        the dialect has none. Tables never analysed are left out."""
        return {}

    def is_empty(self, engine: Engine | Connection) -> bool:
        """True when the database holds no table at all (an empty target for a restore)."""
        return not self.list_tables(engine)

    def drop_all_tables(self, engine: Engine) -> None:
        """Drop every table (and dependent objects) of the target database. Used by ``restore --force`` only."""
        raise NotImplementedError

    def quote(self, conn: Engine | Connection, name: str) -> str:
        return conn.dialect.identifier_preparer.quote(name)

    # ---- shipped schema templates (filestore/template.py owns their key, format and use) -----------------
    def template_server(self, conn: Connection) -> dict[str, Any]:
        """What of the server and the database's defaults a dumped template's statements depend on: a template
        is applied only where this equals what it was built on ({}: nothing, SQLite)."""
        return {}

    def dump_template(self, conn: Connection) -> dict[str, Any]:
        """Every object and row of the database as statements that recreate it exactly (a template's body,
        JSON-able); raises :class:`errors.OperationFailed` for objects it cannot recreate."""
        raise NotImplementedError(f"{self.label} has no schema templates")

    def apply_template(self, engine: Engine, body: dict[str, Any]) -> None:
        """Recreate a :meth:`dump_template` body in the database of ``engine``, which holds none of its
        objects: all or nothing (on failure what was created is gone again, and the error is raised)."""
        raise NotImplementedError(f"{self.label} has no schema templates")

    def canonical_template(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with what MLflow's own migrations order differently from run to run put in a fixed order,
        to compare two builds (``build_schema_templates.py --check``); applied, both give the same schema."""
        return body

    # ---- scratch databases (diffcheck) -----------------------------------------------------------------
    # The SQLAlchemy driver old MLflow releases (SQLAlchemy 1.4/2.0, psycopg2/pymysql in their venvs) load.
    old_release_driver: str | None = None

    create_database_sql: str | None = None  # "{name}" is the quoted database name
    drop_database_sql: str | None = None

    def create_database(self, ref: StoreRef, name: str) -> str:
        """Create database ``name`` on ``ref``'s server (same credentials); return its URI. File databases have
        none (they are copied as files)."""
        if self.create_database_sql is None or ref.url is None:
            raise NotImplementedError(f"{self.label} has no scratch databases")
        self._admin_statement(ref, self.create_database_sql, name)
        return ref.url.set(database=name).render_as_string(hide_password=False)

    def drop_database(self, ref: StoreRef, name: str) -> None:
        if self.drop_database_sql is None:
            raise NotImplementedError(f"{self.label} has no scratch databases")
        self._admin_statement(ref, self.drop_database_sql, name)

    def _admin_statement(self, ref: StoreRef, sql: str, name: str) -> None:
        engine = sqlalchemy.create_engine(ref.url, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(sql.format(name=self.quote(conn, name)))
        finally:
            engine.dispose()

    def server_version(self, engine: Engine | Connection) -> str:
        with _connection(engine) as conn:
            info = conn.dialect.server_version_info
        return ".".join(str(p) for p in info) if info else "unknown"

    # ---- one upgrade at a time -----------------------------------------------------------------------
    def acquire_run_lock(self, ref: StoreRef, name: str) -> HeldLock:
        """Take the lock that lets exactly one ``upgrade`` run on this database (``name`` tells the tracking and
        auth databases apart); raise :class:`errors.Refused` naming the holder when another run has it."""
        raise NotImplementedError

    def other_sessions(self, conn: Connection, own: frozenset[int]) -> list[str] | None:
        """Every other session on this database, whatever its role, as ``user@host`` strings (``own`` are this
        process's sessions). None when this dialect cannot list sessions."""
        return None

    # ---- native dump tools ----------------------------------------------------------------------------
    def can_dump_natively(self, ref: StoreRef, engine: Engine) -> NativeCheck:
        return NativeCheck(False, f"no native dump tool is supported for {self.name}")

    def can_restore_natively(self, ref: StoreRef, engine: Engine, details: dict[str, Any]) -> NativeCheck:
        return NativeCheck(False, f"no native restore tool is supported for {self.name}")

    def backup_native(
        self, ref: StoreRef, engine: Engine, dest_dir: Path, progress: Progress, version_tables: Sequence[str] = ()
    ) -> NativeResult:
        """Dump with the native tool (:meth:`can_dump_natively` said yes) into a new file of ``dest_dir``."""
        check = self.can_dump_natively(ref, engine)
        assert check.ok and check.tool is not None
        target = dest_dir / f"{self.backup_stem(ref)}{self.native_suffix}"
        return self.native_dump(ref, engine, check, target, progress, version_tables)

    def backup_stem(self, ref: StoreRef) -> str:
        """The name a native backup file of ``ref`` starts with."""
        return ref.database_name or "database"

    def native_dump(self, ref: StoreRef, engine: Engine, check: NativeCheck, target: Path, progress: Progress,
                    version_tables: Sequence[str]) -> NativeResult:
        """Dump with ``check.tool`` into ``target`` (0600); counts and versions of the same snapshot."""
        raise NotImplementedError

    def restore_native(
        self, ref: StoreRef, engine: Engine, files: Sequence[Path], details: dict[str, Any], progress: Progress
    ) -> None:
        """Load a native backup into the (empty) database of ``engine`` (:meth:`can_restore_natively` said yes)."""
        check = self.can_restore_natively(ref, engine, details)
        assert check.ok and check.tool is not None
        self.native_load(ref, engine, check, files, progress)

    def native_load(self, ref: StoreRef, engine: Engine, check: NativeCheck, files: Sequence[Path],
                    progress: Progress) -> None:
        """Load the native backup ``files`` with ``check.tool``."""
        raise NotImplementedError

    def read_versions(self, conn: Connection, version_tables: Sequence[str]) -> dict[str, list[str]]:
        """The revisions held by each Alembic version table that exists (tracking and auth)."""
        present = set(self.list_tables(conn))
        return {table: read_version_rows(conn, table) for table in version_tables if table in present}

    # ---- logical dump hooks ---------------------------------------------------------------------------
    def begin_consistent_read(self, conn: Connection) -> None:
        """Start a transaction whose reads all see one snapshot of the database."""
        conn.begin()

    def capture_schema(self, conn: Connection, tables: Sequence[str]) -> dict[str, Any]:
        """A JSON-able description of the schema that :meth:`create_schema` can replay on the same dialect."""
        raise NotImplementedError

    def create_schema(self, conn: Connection, schema: dict[str, Any]) -> None:
        """Create the tables of ``schema`` (before the rows are loaded: without what slows loading)."""
        for statement in schema.get("pre", ()):
            run_statement(conn, statement)

    def finish_schema(self, conn: Connection, schema: dict[str, Any]) -> None:
        """After the rows are loaded: indexes/constraints deferred by :meth:`create_schema`, sequences."""
        for statement in schema.get("post", ()):
            run_statement(conn, statement)

    def prepare_load(self, conn: Connection) -> None:
        """Session settings for a bulk load (e.g. no foreign-key checks)."""
        return None

    def reflect(self, conn: Connection, tables: Sequence[str]) -> sqlalchemy.MetaData:
        """Reflected tables, cached on the connection (reflecting table by table is slow on servers)."""
        cache = conn.info.setdefault("mlflow_upgrade_reflected", {})
        key = tuple(sorted(tables))
        if key not in cache:
            metadata = sqlalchemy.MetaData()
            metadata.reflect(conn, only=list(key))
            cache[key] = metadata
        return cache[key]

    def _table(self, conn: Connection, table: str) -> sqlalchemy.Table:
        for metadata in conn.info.get("mlflow_upgrade_reflected", {}).values():
            if table in metadata.tables:
                return metadata.tables[table]
        return self.reflect(conn, [table]).tables[table]

    def select_all_sql(self, conn: Connection, table: str) -> tuple[list[str], str]:
        """The column names of ``table`` and a SELECT returning them in that order (raw driver values)."""
        columns = self.stored_columns(conn, table)
        names = ", ".join(self.quote(conn, c) for c in columns)
        return columns, f"SELECT {names} FROM {self.quote(conn, table)}"

    def stored_columns(self, conn: Connection, table: str) -> list[str]:
        """Columns whose values a dump must carry: all but generated (computed) ones, which the server derives."""
        return [c.name for c in self._table(conn, table).columns if c.computed is None]

    def insert_sql(self, conn: Connection, table: str, columns: Sequence[str]) -> str:
        """A driver-level INSERT of one row of ``columns`` (positional parameters) for executemany."""
        qmark = conn.dialect.paramstyle == "qmark"
        marker = "?" if qmark else "%s"

        def q(name: str) -> str:  # a '%' in a name would read as a placeholder for format-style drivers
            return self.quote(conn, name) if qmark else self.quote(conn, name).replace("%", "%%")

        names = ", ".join(q(c) for c in columns)
        values = ", ".join([marker] * len(columns))
        return f"INSERT INTO {q(table)} ({names}) VALUES ({values})"

    def load_rows(self, conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert one batch of rows (driver values, ``columns`` order) into ``table``."""
        key = ("mlflow_upgrade_insert", table, tuple(columns))
        if key not in conn.info:
            conn.info[key] = self.insert_sql(conn, table, columns)
        conn.exec_driver_sql(conn.info[key], rows)

    def table_order(self, conn: Connection, tables: Sequence[str]) -> list[str]:
        """Order in which to dump and load tables (parents first where foreign keys exist)."""
        ordered = [t.name for t in self.reflect(conn, tables).sorted_tables]
        return ordered + [t for t in tables if t not in ordered]

    # ---- copying between dialects (migrate-db) ---------------------------------------------------------
    def copy_session(self, conn: Connection) -> None:
        """Session settings on a destination connection that receives copied rows with their own ids."""
        return None

    def streaming_cursor(self, conn: Connection) -> Any:
        """A DBAPI cursor on ``conn`` that fetches a large result in batches instead of all at once."""
        return conn.connection.dbapi_connection.cursor()

    def finish_copy(self, conn: Connection) -> None:
        """After rows were copied with explicit ids: move id generators past them (no-op where the server
        follows explicit ids itself: SQLite, MySQL/MariaDB AUTO_INCREMENT)."""
        return None

    def value_adapter(self, sql_type: Any) -> Any:
        """A function turning another driver's raw value into what this dialect stores for ``sql_type``, or None
        when the driver's own adaptation already stores the same thing."""
        return None

    def row_digest_sql(self, table: str, columns: Sequence[tuple[str, str]]) -> str | None:
        """A query returning (row count, digest) of ``table`` by migrate-db's SQL digest formula (see
        ``migratedb/digest.py``), ``columns`` as (name, kind: int/bool/float/text/bytes) in order; None where
        this server cannot compute it (the rows are then read back and hashed in Python)."""
        return None

    def integer_bits(self, sql_type: Any) -> int | None:
        """Width of an integer column (None: not an integer column)."""
        if isinstance(sql_type, sqlalchemy.BigInteger):
            return 64
        if isinstance(sql_type, sqlalchemy.SmallInteger):
            return 16
        if isinstance(sql_type, (sqlalchemy.Integer,)) and not isinstance(sql_type, sqlalchemy.Boolean):
            return 32
        return None

    def text_limit(self, sql_type: Any) -> tuple[int, str] | None:
        """The longest value a text column holds, as (limit, "chars" or "bytes"); None: unlimited."""
        length = getattr(sql_type, "length", None)
        if isinstance(sql_type, sqlalchemy.String) and isinstance(length, int):
            return length, "chars"
        return None

    def holds_mlflow_auth(self) -> bool:
        """Whether MLflow's basic-auth migrations can create their schema here."""
        return True

    def holds_negative_zero(self) -> bool:
        """Whether float columns keep the sign of -0.0."""
        return True

    def negative_zero_condition(self, conn: Connection, column: str) -> str | None:
        """A WHERE condition true for -0.0 in float ``column`` (quoted); None where it cannot be stored."""
        return None

    def holds_non_finite_floats(self) -> bool:
        """Whether float columns can hold NaN and ±infinity."""
        return True

    def non_finite_condition(self, conn: Connection, column: str) -> str:
        """A WHERE condition true for NaN or ±infinity in float ``column`` (quoted)."""
        return f"({column} <> {column} OR {column} > 1.7976931348623157e308 OR {column} < -1.7976931348623157e308)"


def known_estimates(rows: Iterable[Sequence[Any]]) -> dict[str, float]:
    """{table: estimate} from (name, estimate) rows, without the tables the server has no figure for."""
    return {str(name): float(n) for name, n in rows if n is not None and float(n) >= 0}


def sql_literal(text: str) -> str:
    """A SQL string literal (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def run_statement(conn: Connection, statement: str) -> Any:
    """Execute literal SQL: without parameters, so a '%' in it is not taken for a placeholder by the driver."""
    return conn.exec_driver_sql(statement, execution_options={"no_parameters": True})


class _connection:
    """Use an Engine (opening a connection) or an already open Connection in a ``with`` block."""

    def __init__(self, bind: Engine | Connection) -> None:
        self.bind = bind
        self.conn: Connection | None = None

    def __enter__(self) -> Connection:
        if isinstance(self.bind, Connection):
            return self.bind
        self.conn = self.bind.connect()
        return self.conn

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()


def register(cls: type[_D]) -> type[_D]:
    """Class decorator: make ``cls`` (a :class:`Dialect` with a ``name``) the dialect for stores of that kind."""
    _REGISTRY[cls.name] = cls()
    return cls


def _registry() -> dict[str, Dialect]:
    """Every registered dialect, supported or only known (MSSQL)."""
    for module in _BUILTIN_MODULES:  # imported once; each module's @register fills the registry
        importlib.import_module(f"mlflow_upgrade.dialects.{module}")
    return _REGISTRY


def _supported() -> dict[str, Dialect]:
    return {name: d for name, d in _registry().items() if d.supported}


def by_name(text: str) -> Dialect | None:
    """The supported dialect called ``text`` (its name or an alias, any case), or None."""
    wanted = text.strip().lower()
    return next((d for d in _supported().values() if wanted == d.name or wanted in d.aliases), None)


def for_scheme(scheme: str) -> Dialect | None:
    """The dialect a URI scheme (without ``+driver``) names, supported or not; None for an unknown scheme."""
    wanted = scheme.lower()
    return next((d for d in _registry().values() if wanted == d.name or wanted in d.uri_schemes), None)


def supported() -> tuple[str, ...]:
    """The store kinds (SQLAlchemy dialect names) mlflow-upgrade supports, in a fixed order."""
    return tuple(_supported())


def known() -> tuple[str, ...]:
    """Every SQL store kind the URI parser accepts (the supported ones, then those plan and inspect describe)."""
    return tuple(_registry())


def is_supported(kind: str) -> bool:
    return kind in _supported()


def get_dialect(ref: StoreRef | str) -> Dialect:
    """The dialect object for a StoreRef, a database URI, or a dialect name ("sqlite", "postgresql", "mysql")."""
    registry = _supported()
    if isinstance(ref, StoreRef):
        kind = ref.kind
    elif ref in registry:
        kind = ref
    else:
        kind = _kind_of_uri(ref)
    if kind not in registry:
        raise errors.UsageError(f"backup and restore support {_spoken(supported())} stores, not {kind}")
    return registry[kind]


def _kind_of_uri(text: str) -> str:
    """The store kind a URI names, by its scheme ("file" for a path); the URI itself is parsed by store/uri.py."""
    scheme = text.split("://", 1)[0].split("+", 1)[0] if "://" in text else "file"
    dialect = for_scheme(scheme)
    return dialect.name if dialect is not None else scheme


def dialect_for(kind: str) -> Dialect:
    """The registered dialect of ``kind`` (MSSQL: one plan and inspect still describe, though unsupported), or
    the SQLAlchemy-generic base for another kind."""
    registry = _registry()
    if kind in registry:
        return registry[kind]
    generic = Dialect()
    generic.name = kind
    return generic


# The dialect whose offline SQL stands in where a store's own dialect cannot render a revision offline.
REFERENCE_DIALECT = "postgresql"


def offline_probe(kind: str) -> StoreRef:
    """A StoreRef naming only a dialect: enough for Alembic's offline SQL, nothing to connect to."""
    return StoreRef(kind=kind, uri=f"{kind}://", url=sqlalchemy.engine.make_url(f"{kind}://"))


def _spoken(names: Sequence[str]) -> str:
    """("a", "b", "c") -> "a, b and c"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
