"""PostgreSQL: ``pg_dump -Fc`` / ``pg_restore`` when a client at least as new as the server is installed.

The dump reads the snapshot exported by our own REPEATABLE READ transaction (``pg_dump --snapshot``), so the
row counts and Alembic revisions written to the manifest describe exactly the dumped data. Connection settings
reach the tools through libpq's environment (PGHOST, PGPASSWORD, ...), never the command line.

The logical dump recreates tables from reflection (compiled to this dialect's DDL at backup time), loads the
rows, then adds indexes and foreign keys and puts every sequence back at its exact position.

A schema template (``dump_template``) is read from ``pg_catalog`` instead, in pg_dump's order and with names
unqualified, so that it recreates MLflow's migrated schema exactly, in one transaction, without client tools.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable

from mlflow_upgrade import errors, safe_files
from mlflow_upgrade.dialects import (
    Dialect,
    HeldLock,
    NativeCheck,
    NativeResult,
    Privileges,
    RebuildPlan,
    _connection,
    hold_session_lock,
    known_estimates,
    lock_owner_tag,
    register,
    run_statement,
    sql_literal,
)
from mlflow_upgrade.dialects.fingerprint import PostgresFingerprintSql
from mlflow_upgrade.dialects.tools import find_tool, private_file, run_tool, tool_version
from mlflow_upgrade.progress import Progress, ProgressTask
from mlflow_upgrade.store.ref import StoreRef

_TOOL_DIRS = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/opt/homebrew/opt/postgresql@*/bin",
              "/usr/local/opt/postgresql@*/bin", "/Applications/Postgres.app/Contents/Versions/*/bin")
# Column types the raw driver values of which round-trip through the logical format; others travel as text.
_PLAIN_TYPES = (sqlalchemy.Integer, sqlalchemy.Numeric, sqlalchemy.String, sqlalchemy.Boolean,
                sqlalchemy.LargeBinary, sqlalchemy.DateTime, sqlalchemy.Date, sqlalchemy.Time,
                sqlalchemy.Interval)
# libpq settings that may appear in the URI's query string, and their environment variables
# Advisory lock keys (two int4s): "MLUP" and one per database kind, in the lock space of the current database.
_LOCK_CLASS = 0x4D4C5550
_LOCK_KEYS = {"tracking": 1, "auth": 2}
_QUERY_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
              "sslkey": "PGSSLKEY", "host": "PGHOST", "port": "PGPORT", "application_name": "PGAPPNAME",
              "options": "PGOPTIONS", "connect_timeout": "PGCONNECT_TIMEOUT", "passfile": "PGPASSFILE"}


def _major(version_line: str) -> int | None:
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", version_line) or re.search(r"\b(\d+)\.\d+", version_line)
    return int(match.group(1)) if match else None


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# A primary key as deferrable_constraints records it (pg_get_constraintdef's plain form, no INCLUDE/WITH)
_PRIMARY_KEY_DDL = re.compile(
    r'ALTER TABLE (?P<table>\S+) ADD CONSTRAINT (?P<name>"(?:[^"]|"")+") PRIMARY KEY \((?P<columns>[^()]+)\)')
_INDEX_ON = re.compile(r" ON (?:ONLY )?(?P<table>\S+) ")  # the table of a CREATE INDEX statement
# COPY's binary format: signature, flags (no OIDs), header extension length; the trailer is a -1 field count
_COPY_BINARY_HEADER = b"PGCOPY\n\xff\r\n\0" + bytes(8)
_COPY_BINARY_TRAILER = b"\xff\xff"
# Sort memory of one index build: at most this, and never more than the server's own setting. More is slower:
# metrics' three indexes of 2 M rows built at once took 3.6-3.9 s with 256 MB each, 3.0 s with 64 MB, 2.85 s
# with 32 MB; its primary key alone 2.9-3.0 s with 256 MB, 2.7 s with 64 MB (quick-sorting one large array
# misses the CPU caches; merging sorted 64 MB runs does not). PostgreSQL 15, 2026-12-04, quiet machine.
_INDEX_SORT_MEMORY = 64 << 20

_PARTITIONED_ESTIMATE = (
    "CASE WHEN c.relkind = 'p' THEN (SELECT CASE WHEN bool_or(l.reltuples < 0) THEN -1 ELSE sum(l.reltuples) END "
    "FROM pg_partition_tree(c.oid) t JOIN pg_class l ON l.oid = t.relid WHERE t.isleaf) ELSE c.reltuples END"
)


@register
class PostgresDialect(PostgresFingerprintSql, Dialect):
    name = "postgresql"
    label = "PostgreSQL"
    aliases = ("postgres", "pg")
    default_drivers = (("psycopg", "psycopg"), ("psycopg2", "psycopg2"))
    driver_install_hints: ClassVar[Mapping[str, str]] = {
        "psycopg": "pip install 'psycopg[binary]'",
        "psycopg2": "pip install psycopg2-binary (or use postgresql+psycopg://)",
    }
    unique_constraint_is_index = True
    old_release_driver = "postgresql+psycopg2"
    create_database_sql = "CREATE DATABASE {name}"
    drop_database_sql = "DROP DATABASE IF EXISTS {name} WITH (FORCE)"  # diffcheck's scratch database, after its servers stopped
    native_suffix = ".pgdump"
    native_method = "pg_dump"
    revision_base_seconds = 0.07
    rolls_back_failed_revision = True
    database_size_sql = "SELECT pg_database_size(current_database())"

    def connect_timeout_args(self, ref: StoreRef, seconds: int) -> dict[str, Any]:
        return {"connect_timeout": seconds}

    # ---- planning and upgrading ------------------------------------------------------------------------
    def revision_transaction(self, ops: Sequence[dict[str, Any]]) -> tuple[bool, str]:
        return True, "PostgreSQL has transactional DDL: the revision commits or rolls back as a whole"

    # ---- guard: least-privilege SQL for MLflow servers (upgrade/guard.py) -------------------------------
    def guard_sql(self, role: str, database: str, *, schema: str, owner: str | None, host: str, secret: str,
                  what: str, version_table: str) -> str:
        q = lambda n: '"' + n.replace('"', '""') + '"'  # noqa: E731
        r, db, s = q(role), q(database), q(schema)
        lines = [
            f"-- Least-privilege role for MLflow servers on the {what} database {database} (PostgreSQL).",
            "-- Run as the owner of MLflow's tables (or a superuser). Servers log in as this role; only the owner",
            "-- migrates (mlflow-upgrade upgrade). A newer MLflow server then fails at startup with",
            "-- 'permission denied for schema' / 'must be owner of table' instead of migrating silently.",
            f"CREATE ROLE {r} LOGIN PASSWORD {sql_literal(secret)};",
            f"GRANT CONNECT ON DATABASE {db} TO {r};",
            "-- PostgreSQL < 15 lets every role CREATE in schema public: take that away.",
            f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC;",
            f"REVOKE CREATE, TEMPORARY ON DATABASE {db} FROM {r};",
            f"GRANT USAGE ON SCHEMA {s} TO {r};",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r};",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {s} TO {r};",
            "-- The schema revision is read, never written, by servers.",
            f"REVOKE INSERT, UPDATE, DELETE ON {s}.{q(version_table)}"
            f" FROM {r};",
        ]
        owner_clause = f"FOR ROLE {q(owner)} " if owner else ""
        lines += [
            "-- Tables and sequences that later upgrades create (run by the owner) get the same DML rights.",
            f"ALTER DEFAULT PRIVILEGES {owner_clause}IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r};",
            f"ALTER DEFAULT PRIVILEGES {owner_clause}IN SCHEMA {s} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {r};",
        ]
        return "\n".join(lines) + "\n"

    # ---- bulk load (migrate-filestore) -----------------------------------------------------------------
    # One connection: two fill the table's pages in turn, and the run indexes' sorts would no longer find the
    # rows presorted (runs in id order, each by key and step). Measured on 2 M points: server CPU of the load
    # and index builds ~4 s lower; the server inserts binary COPY rows faster than the readers make them.
    bulk_writers = 1

    def metric_format(self, driver: str, raw: Any = None) -> str:
        return "pgbinary" if driver == "psycopg" else "rows"

    def bulk_session_start(self, cur: Any) -> None:
        # A commit does not wait for its WAL to reach the disk. A server crash may then lose the last commits
        # (at the end of the WAL, never one before another that survives): each holds runs with their checkpoint
        # rows, so the resumed migration writes exactly those again from the files. The final step's
        # connections keep the server's setting, and their first synchronous commit makes everything durable.
        cur.execute("SET synchronous_commit = off")

    def bulk_session_end(self, cur: Any) -> None:
        cur.execute("RESET synchronous_commit")

    def bulk_load_stream(self, raw: Any, table: str, cols: Sequence[str], data: Iterable[bytes], rows: int) -> None:
        """COPY of binary tuples (encode.py ``pgbinary``) into ``table``; the stream's header and trailer are
        written here."""
        with raw.cursor() as cur, cur.copy(
                f"COPY {_ident(table)} ({', '.join(map(_ident, cols))}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(_COPY_BINARY_HEADER)
            for piece in data:
                copy.write(piece)
            copy.write(_COPY_BINARY_TRAILER)

    def bulk_insert(self, cur: Any, driver: str, table: str, cols: Sequence[str], rows: list[tuple]) -> None:
        quoted = ", ".join(f'"{c}"' for c in cols)
        if driver == "psycopg":
            with cur.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            from psycopg2.extras import execute_values  # the optional driver: only when it is the one in use

            execute_values(cur, f'INSERT INTO "{table}" ({quoted}) VALUES %s', rows, page_size=1000)

    def deferrable_indexes(self, conn: Connection, tables: Sequence[str]) -> list[tuple[str, str]]:
        rows = conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            f"AND tablename IN ({', '.join(_literal(t) for t in tables)}) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname"
        )
        return [(r[0], r[1]) for r in rows]

    def deferrable_constraints(self, conn: Connection, table: str) -> list[tuple[str, str]]:
        rows = conn.exec_driver_sql(
            "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            f"WHERE conrelid = {_literal(table)}::regclass AND contype IN ('p', 'f') ORDER BY contype DESC, conname"
        )
        return [(name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}') for name, definition, _ in rows]

    def rebuild_plan(self, conn: Connection, recorded: Sequence[tuple[str, str]], tables: Sequence[str]
                     ) -> RebuildPlan:
        """The index builds at the same time, the largest first, a primary key among them as a unique index
        (CREATE INDEX takes a SHARE lock, which lets other builds of the table run; ADD PRIMARY KEY takes
        ACCESS EXCLUSIVE and would wait for them), attached at the end by ``ADD CONSTRAINT … USING INDEX``
        (no scan). Foreign keys after every build: validating one takes SHARE ROW EXCLUSIVE, which conflicts
        with CREATE INDEX (so NOT VALID + VALIDATE CONSTRAINT, SHARE UPDATE EXCLUSIVE, would not overlap the
        builds either). A unique index whose attach a killed migration never ran is attached as it is: a
        plain CREATE INDEX commits whole or not at all, so it is complete."""
        constraints = {name for table in tables for name, _ in self.deferrable_constraints(conn, table)}
        indexes = {name for name, _ in self.deferrable_indexes(conn, tables)}
        builds: list[tuple[str, str]] = []
        finish: list[tuple[str, str]] = []
        for name, ddl in recorded:
            if name in constraints:
                continue
            key = _PRIMARY_KEY_DDL.fullmatch(ddl)
            if key is not None:
                table, index = key["table"], key["name"]
                if name not in indexes:
                    builds.append((name, f"CREATE UNIQUE INDEX {index} ON {table} ({key['columns']})"))
                finish.append((name, f"ALTER TABLE {table} ADD CONSTRAINT {index} PRIMARY KEY USING INDEX {index}"))
            elif ddl.startswith("ALTER TABLE"):
                finish.append((name, ddl))
            elif name not in indexes:
                builds.append((name, ddl))
        return RebuildPlan(_largest_first(conn, builds), finish)

    def index_build_lanes(self, conn: Connection) -> int:
        # As many builds at once as processes the server lets one build use (itself and its parallel workers):
        # separate builds keep the cores busier than one build's workers, whose leader merges and writes alone.
        # A server on this machine (the same address at both ends of the connection, or a Unix socket) has no
        # more cores than we see: more builds than cores only take turns. On 2 cores, metrics' primary key on
        # one and its two run indexes one after the other on the other: 2.5 s instead of 2.9 s for all three at
        # once (2 M points).
        workers, same_host = conn.exec_driver_sql(
            "SELECT current_setting('max_parallel_maintenance_workers')::int, "
            "inet_server_addr() IS NOT DISTINCT FROM inet_client_addr()"
        ).one()
        lanes = 1 + int(workers or 0)
        return min(lanes, os.cpu_count() or lanes) if same_host else lanes

    def before_index_build(self, conn: Connection, tables: Sequence[str], lanes: int = 1) -> None:
        row = conn.exec_driver_sql(
            "SELECT (SELECT setting::bigint * 1024 FROM pg_settings WHERE name = 'maintenance_work_mem'), "
            "current_setting('max_parallel_maintenance_workers')::int"
        ).one()
        current, workers = (int(v) for v in row)
        if current > _INDEX_SORT_MEMORY:
            conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{_INDEX_SORT_MEMORY // 1024}kB'")
        if lanes > 1:  # the builds share the workers one build may have
            conn.exec_driver_sql(f"SET LOCAL max_parallel_maintenance_workers = {max(0, (workers + 1) // lanes - 1)}")
        if (conn.dialect.server_version_info or (0,)) >= (14,):
            # A build whose client died (a killed migration) stops within a second instead of holding its lock
            # on the table, and the name of its index, until the sort is done.
            conn.exec_driver_sql("SET LOCAL client_connection_check_interval = '1s'")

    def cancel_statement(self, dbapi_connection: Any) -> None:
        cancel = getattr(dbapi_connection, "cancel_safe", None) or dbapi_connection.cancel  # psycopg 3.2+ / psycopg2
        cancel()

    def after_explicit_ids(self, conn: Connection, table: str, column: str) -> None:
        # A SERIAL sequence does not see explicit ids: move it past them, or the next insert collides.
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence({_literal(table)}, {_literal(column)}), "
            f"GREATEST((SELECT COALESCE(MAX({column}), 0) FROM {table}), 1))"
        )

    # ---- preflight -------------------------------------------------------------------------------------
    def migrate_privileges(self, ref: StoreRef, conn: Connection) -> Privileges:
        row = conn.exec_driver_sql(
            "SELECT current_user, has_database_privilege(current_database(), 'CREATE'), "
            "has_schema_privilege(current_schema(), 'CREATE'), "
            "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user), current_schema()"
        ).one()
        user, db_create, schema_create, superuser, schema = row
        if superuser:
            return Privileges(True, f"{user} is a superuser")
        problems = []
        if not schema_create:
            problems.append(f"no CREATE on schema {schema} (GRANT CREATE ON SCHEMA {schema} TO {user})")
        not_owned = [r[0] for r in conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND NOT pg_has_role(current_user, tableowner, 'USAGE')"
        )]
        if not_owned:
            problems.append(f"{len(not_owned)} table(s) owned by another role ({', '.join(not_owned[:4])}): only "
                            "the owner can ALTER them; run as the owner or GRANT the owning role to this user")
        if problems:
            return Privileges(False, f"{user} cannot migrate: " + "; ".join(problems),
                              details={"user": user, "not_owned": not_owned, "database_create": bool(db_create)})
        return Privileges(True, f"{user} owns the tables and may CREATE in schema {schema}")

    # ---- catalog -------------------------------------------------------------------------------------
    def list_tables(self, engine: Engine | Connection) -> list[str]:
        return sorted(sqlalchemy.inspect(engine).get_table_names())

    def row_estimates(self, conn: Connection) -> dict[str, float]:
        # Planner statistics: approximate (-1: never analysed). A partitioned table ('p') holds no rows itself and
        # autovacuum never analyses it: its estimate is the sum over its leaf partitions (pg_partition_tree,
        # PostgreSQL 12+), unknown while any leaf is never analysed.
        info = conn.dialect.server_version_info or (0,)
        estimate = _PARTITIONED_ESTIMATE if info >= (12,) else "c.reltuples"
        rows = conn.exec_driver_sql(
            f"SELECT c.relname, {estimate} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()"
        ).all()
        return known_estimates(rows)

    def is_empty(self, engine: Engine | Connection) -> bool:
        with _connection(engine) as conn:
            return not conn.exec_driver_sql(
                "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S') LIMIT 1"
            ).first() and not _functions(conn)

    def drop_all_tables(self, engine: Engine) -> None:
        with engine.begin() as conn:
            for kind, relkinds in (("MATERIALIZED VIEW", "'m'"), ("VIEW", "'v'"), ("TABLE", "'r', 'p'"),
                                   ("SEQUENCE", "'S'")):
                names = [r[0] for r in conn.exec_driver_sql(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    f"WHERE n.nspname = current_schema() AND c.relkind IN ({relkinds})"
                )]
                if names:
                    run_statement(conn, f"DROP {kind} IF EXISTS {', '.join(map(_ident, names))} CASCADE")
            for (typname,) in conn.exec_driver_sql(
                "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                "WHERE n.nspname = current_schema() AND t.typtype = 'e'"
            ).fetchall():
                run_statement(conn, f"DROP TYPE IF EXISTS {_ident(typname)} CASCADE")
            for signature, _ in _functions(conn):
                run_statement(conn, f"DROP ROUTINE IF EXISTS {signature} CASCADE")

    def acquire_run_lock(self, ref: StoreRef, name: str) -> HeldLock:
        """A session-level advisory lock on a connection of its own, open for the whole run; the connection's
        application_name carries our pid, host and start time so that a second run can name us."""
        key = _LOCK_KEYS.get(name, 0)

        def try_lock(conn: Connection) -> int:
            if not conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({_LOCK_CLASS}, {key})").scalar():
                holder = conn.exec_driver_sql(
                    "SELECT a.application_name, a.usename, a.client_addr::text, a.backend_start::text, a.pid "
                    "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
                    f"AND l.classid = {_LOCK_CLASS} AND l.objid = {key} AND l.objsubid = 2 AND l.granted "
                    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ).first()
                raise errors.Refused(f"another upgrade of {ref.masked} is running ({_describe_holder(holder)}): "
                                     "wait for it to finish, then run upgrade again")
            return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar())

        return hold_session_lock(
            ref, {"application_name": lock_owner_tag()[:63]}, try_lock,
            lambda conn: conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_LOCK_CLASS}, {key})"))

    def other_sessions(self, conn: Connection, own: frozenset[int]) -> list[str] | None:
        # Sessions of other roles show backend_type NULL to a non-superuser: count those too (background
        # workers have no user name).
        rows = conn.exec_driver_sql(
            "SELECT pid, usename, client_addr::text FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND (backend_type = 'client backend' OR "
            "(backend_type IS NULL AND usename IS NOT NULL))"
        ).all()
        return [f"{r[1]}@{r[2] or 'local'}" for r in rows if int(r[0]) not in own]

    def server_major(self, engine: Engine | Connection) -> int:
        with _connection(engine) as conn:
            return int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000

    # ---- native: pg_dump / pg_restore -------------------------------------------------------------------
    def _pick(self, tool: str, minimum: int) -> NativeCheck:
        found = [(p, tool_version(p)) for p in find_tool([tool], _TOOL_DIRS)]
        versions = [(p, v, _major(v)) for p, v in found]
        usable = sorted((m, p, v) for p, v, m in versions if m is not None and m >= minimum)
        if usable:
            _, path, line = usable[0]  # the oldest compatible client: its archives restore most widely
            return NativeCheck(True, f"{line}", tool=path, tool_version=line)
        if not found:
            return NativeCheck(False, f"{tool} is not installed (install the PostgreSQL {minimum} client tools)")
        have = ", ".join(f"{Path(p).name} {m}" for p, _, m in versions)
        return NativeCheck(False, f"{have} is older than {minimum} (install postgresql-client-{minimum})")

    def can_dump_natively(self, ref: StoreRef, engine: Engine) -> NativeCheck:
        return self._pick("pg_dump", self.server_major(engine))

    def can_restore_natively(self, ref: StoreRef, engine: Engine, details: dict[str, Any]) -> NativeCheck:
        return self._pick("pg_restore", int(details.get("pg_dump_major") or 0))

    def native_dump(self, ref: StoreRef, engine: Engine, check: NativeCheck, target: Path, progress: Progress,
                    version_tables: Sequence[str]) -> NativeResult:
        os.close(private_file(target))
        with engine.connect() as base:
            conn = base.execution_options(isolation_level="REPEATABLE READ")
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            tables = self.list_tables(conn)
            counts = self.row_counts(conn, tables)
            versions = self.read_versions(conn, version_tables)
            cmd = [check.tool, "--format=custom", "--verbose", "--no-password", f"--snapshot={snapshot}",
                   f"--file={target}"]
            with progress.task(f"pg_dump {ref.database_name}", total=len(tables), unit="tables") as task, \
                    _libpq_env(ref) as env:
                run_tool(cmd, env, on_stderr_line=_table_counter(task, "dumping contents of table"),
                         secrets=[ref.password or ""])
            conn.rollback()
        os.chmod(target, 0o600)
        return NativeResult(files=[target], row_counts=counts, versions=versions,
                            details={"pg_dump": check.tool_version, "pg_dump_major": _major(check.tool_version or ""),
                                     "server_major": self.server_major(engine), "format": "custom"})

    def native_load(self, ref: StoreRef, engine: Engine, check: NativeCheck, files: Sequence[Path],
                    progress: Progress) -> None:
        # --no-owner/--no-privileges: the restoring user owns what it creates (a copy may use another role).
        cmd = [check.tool, "--verbose", "--no-password", "--no-owner", "--no-privileges", "--exit-on-error",
               "--single-transaction", f"--dbname={ref.database_name}", str(files[0])]
        with progress.task(f"pg_restore {ref.database_name}", total=None, unit="tables") as task, \
                _libpq_env(ref) as env:
            run_tool(cmd, env, on_stderr_line=_table_counter(task, "processing data for table"),
                     secrets=[ref.password or ""])

    # ---- logical hooks --------------------------------------------------------------------------------
    def begin_consistent_read(self, conn: Connection) -> None:
        conn.execution_options(isolation_level="REPEATABLE READ")
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")

    def select_all_sql(self, conn: Connection, table: str) -> tuple[list[str], str]:
        columns = [c for c in self._table(conn, table).columns if c.computed is None]
        exprs = [_ident(c.name) if isinstance(c.type, _PLAIN_TYPES) else f"{_ident(c.name)}::text" for c in columns]
        return [c.name for c in columns], f"SELECT {', '.join(exprs)} FROM {_ident(table)}"

    def insert_sql(self, conn: Connection, table: str, columns: Sequence[str]) -> str:
        # OVERRIDING SYSTEM VALUE keeps the dumped ids of GENERATED ALWAYS identity columns.
        names = ", ".join(map(_ident, columns))
        return (f"INSERT INTO {_ident(table).replace('%', '%%')} ({names.replace('%', '%%')}) OVERRIDING SYSTEM VALUE "
                f"VALUES ({', '.join(['%s'] * len(columns))})")

    def load_rows(self, conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        dbapi = conn.connection.dbapi_connection
        if type(dbapi).__module__.startswith("psycopg2") or not hasattr(dbapi, "cursor"):
            super().load_rows(conn, table, columns, rows)
            return
        # psycopg 3: COPY is several times faster than INSERTs; values go through psycopg's text dumpers,
        # which write NaN/Infinity, bytea and timestamps exactly. COPY also fills identity columns as given.
        with dbapi.cursor() as cursor, cursor.copy(
            f"COPY {_ident(table)} ({', '.join(map(_ident, columns))}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)

    def capture_schema(self, conn: Connection, tables: Sequence[str]) -> dict[str, Any]:
        # a private copy: the DDL tweaks below must not leak into the cached reflection
        metadata = sqlalchemy.MetaData()
        metadata.reflect(conn, only=list(tables))
        dialect = conn.dialect
        sequences = _sequences(conn)
        # functions first (defaults and triggers use them), bodies unchecked as pg_dump does
        pre = ["SET LOCAL check_function_bodies = false", *(d for _, d in _functions(conn, definitions=True))]
        pre += _enum_types(metadata)
        pre += [_create_sequence(s) for s in sequences if s["deptype"] != "i"]
        post: list[str] = []
        for table in metadata.sorted_tables:
            _keep_sequence_defaults(table)
            pre.append(str(CreateTable(table, include_foreign_key_constraints=[]).compile(dialect=dialect)))
            post += [str(CreateIndex(index).compile(dialect=dialect)) for index in table.indexes]
        for table in metadata.sorted_tables:
            post += [str(AddConstraint(fk).compile(dialect=dialect)) for fk in table.foreign_key_constraints]
        for seq in sequences:
            if seq["deptype"] == "a" and seq["table"] in metadata.tables:
                pre.append(f"ALTER SEQUENCE {_ident(seq['name'])} OWNED BY {_ident(seq['table'])}.{_ident(seq['column'])}")
            post.append(_setval(seq))
        post += _triggers(conn)  # last: no trigger fires while the dumped rows are loaded
        return {"pre": pre, "post": post}

    # ---- shipped schema templates ------------------------------------------------------------------------
    def template_server(self, conn: Connection) -> dict[str, Any]:
        # pg_get_*def's text and the catalog a template reproduces are those of one major version
        return {"server": "PostgreSQL", "major": self.server_major(conn)}

    def dump_template(self, conn: Connection) -> dict[str, Any]:
        """The current schema from pg_catalog, in pg_dump's order: enum types, sequences, tables (columns with
        types, collations, defaults, NOT NULL, identity and generated columns), rows, constraints (primary,
        unique, check, exclusion, then foreign keys with their actions, by ``pg_get_constraintdef``), the other
        indexes (``pg_get_indexdef``), sequence ownership and positions, comments. Names are unqualified, so the
        statements recreate the schema in the destination's current schema. No client tools are needed."""
        _refuse_untemplated(conn)
        run_statement(conn, "SET LOCAL DateStyle = 'ISO, YMD'")  # row literals read back the same everywhere
        run_statement(conn, "SET LOCAL IntervalStyle = 'postgres'")
        run_statement(conn, "SET LOCAL extra_float_digits = 3")
        tables = [r[0] for r in run_statement(
            conn, "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
                  "AND relkind = 'r' ORDER BY relname")]
        sequences = _sequences(conn)
        # functions first (defaults and triggers call them), their bodies unchecked as pg_dump does
        statements = ["SET LOCAL check_function_bodies = false", *_template_functions(conn), *_template_enums(conn)]
        statements += [_create_sequence(seq) for seq in sequences if seq["deptype"] != "i"]
        identities = {(seq["table"], seq["column"]): seq for seq in sequences if seq["deptype"] == "i"}
        statements += [_template_table(conn, table, identities) for table in tables]
        for table in tables:
            statements += _template_rows(conn, table)
        statements += _template_constraints(conn)
        statements += _template_indexes(conn)
        statements += [f"ALTER SEQUENCE {_ident(seq['name'])} OWNED BY {_ident(seq['table'])}.{_ident(seq['column'])}"
                       for seq in sequences if seq["deptype"] == "a"]
        statements += [_setval(seq) for seq in sequences]
        statements += _template_triggers(conn)  # after the rows: none fires on them
        statements += _template_comments(conn)
        return {"statements": statements}

    def apply_template(self, engine: Engine, body: dict[str, Any]) -> None:
        with engine.begin() as conn:  # transactional DDL: every statement or none
            for statement in body["statements"]:
                run_statement(conn, statement)

    # ---- copying between dialects (migrate-db) ---------------------------------------------------------
    def copy_session(self, conn: Connection) -> None:
        # As for migrate-filestore's load (bulk_session_start): each commit holds rows with their checkpoint row,
        # so a server crash loses only the last commits, which the rerun copies again; the cleanup's commit
        # (another connection, the server's setting) makes everything durable before the copy is complete.
        conn.exec_driver_sql("SET synchronous_commit = off")

    def streaming_cursor(self, conn: Connection) -> Any:
        # a named (server-side) cursor, inside the connection's transaction (the snapshot)
        return conn.connection.dbapi_connection.cursor(name=f"mlflow_upgrade_copy_{id(conn):x}")

    def finish_copy(self, conn: Connection) -> None:
        """Serial and identity sequences do not see explicit ids: move each past its column's largest value, or
        the next ``create_experiment`` collides with a copied id."""
        serials = run_statement(
            conn, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')").all()
        for table, column in serials:
            conn.execute(sqlalchemy.text(
                f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX({_ident(column)}), 1), "
                f"MAX({_ident(column)}) IS NOT NULL) FROM {_ident(table)}"), {"t": _ident(table), "c": column})

    def row_digest_sql(self, table: str, columns: Sequence[tuple[str, str]]) -> str | None:
        text = {"int": "{}::text", "bool": "{}::int::text", "float": "encode(float8send({}), 'hex')",
                "text": "{}::text", "bytes": "encode({}, 'hex')"}
        parts = []
        for name, kind in columns:
            value = text[kind].format(_ident(name))
            if kind in ("text", "bytes"):  # a length before strings: no value can pass for two
                value = f"length({value})::text || ':' || {value}"
            parts.append(f"COALESCE({value} || ';', 'n;')")
        row = " || ".join(parts) or "''"
        return (f"SELECT count(*), COALESCE(sum(('x' || substr(md5({row}), 1, 16))::bit(64)::bigint::numeric), 0) "
                f"FROM {_ident(table)}")

    def negative_zero_condition(self, conn: Connection, column: str) -> str | None:
        return f"({column} = 0 AND CAST({column} AS TEXT) = '-0')"

    def non_finite_condition(self, conn: Connection, column: str) -> str:
        return f"({column} IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8))"


def _text_array(names: Sequence[str]) -> str:
    """An ARRAY[...] body of text literals (table names as SQL writes them, for to_regclass)."""
    return ", ".join(f"{_literal(n)}::text" for n in names) or "NULL::text"


def _largest_first(conn: Connection, builds: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Index builds by the size of their table, then their number of columns, largest first: the longest
    builds start first, so the last to finish is a short one."""
    if len(builds) < 2:
        return builds
    tables = [m["table"] if (m := _INDEX_ON.search(ddl)) else "" for _, ddl in builds]
    sizes = dict(conn.exec_driver_sql(
        f"SELECT t, COALESCE(pg_table_size(to_regclass(t)), 0) FROM unnest(ARRAY[{_text_array(sorted(set(tables)))}]) t"
    ).all())
    columns = [ddl[ddl.rfind("(") :].count(",") + 1 for _, ddl in builds]
    order = sorted(range(len(builds)), key=lambda i: (sizes.get(tables[i], 0), columns[i]), reverse=True)
    return [builds[i] for i in order]


def _describe_holder(row: Any) -> str:
    if row is None:
        return "its session just ended"
    app, user, addr, since, pid = row
    if app and str(app).startswith("mlflow-upgrade"):
        return f"{app}, server session {pid}"
    return f"server session {pid} of {user}@{addr or 'local'} since {since}"


def _keep_sequence_defaults(table: sqlalchemy.Table) -> None:
    """Emit ``DEFAULT nextval('<the dumped sequence>')`` rather than SERIAL, which would create another one."""
    for column in table.columns:
        default = column.server_default
        if default is not None and "nextval(" in str(getattr(default, "arg", "")):
            column.autoincrement = False


@contextlib.contextmanager
def _libpq_env(ref: StoreRef) -> Iterator[dict[str, str]]:
    """The environment of pg_dump/pg_restore: never a password on their command line. The user's PG* settings
    (PGSSLROOTCERT, PGPASSWORD, .pgpass via PGPASSFILE...) apply to psycopg too, so they stay; what the URI
    names overrides them. The password comes from the userinfo or ``?password=``; ``?sslpassword=`` has no
    environment variable, so it goes in a 0600 service file in a 0700 temporary folder, removed afterwards."""
    env = dict(os.environ)
    url = ref.url
    assert url is not None
    for key, value in url.query.items():
        if key in _QUERY_ENV:
            env[_QUERY_ENV[key]] = value if isinstance(value, str) else value[0]
    if url.host:
        env["PGHOST"] = url.host
    if url.port:
        env["PGPORT"] = str(url.port)
    if url.username:
        env["PGUSER"] = url.username
    if ref.password:
        env["PGPASSWORD"] = ref.password
    if url.database:
        env["PGDATABASE"] = url.database
    ssl_password = url.query.get("sslpassword")
    if not ssl_password:
        yield env
        return
    with safe_files.private_tempdir() as tmp:
        service = tmp / "pg_service.conf"
        value = ssl_password if isinstance(ssl_password, str) else ssl_password[-1]
        with open(safe_files.create_new(service, "libpq service file"), "w") as fh:
            fh.write(f"[mlflow-upgrade]\nsslpassword={value}\n")
        yield {**env, "PGSERVICEFILE": str(service), "PGSERVICE": "mlflow-upgrade"}


def _table_counter(task: ProgressTask, marker: str) -> Any:
    def on_line(line: str) -> None:
        if marker in line:
            task.advance(1)
            task.update(description=line.rsplit(" ", 1)[-1].strip('"'))

    return on_line


def _sequences(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.exec_driver_sql(
        "SELECT s.relname, d.deptype, c.relname, a.attname, ps.data_type::text, ps.start_value, ps.min_value, "
        "ps.max_value, ps.increment_by, ps.cycle, ps.cache_size "
        "FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace "
        "JOIN pg_sequences ps ON ps.schemaname = n.nspname AND ps.sequencename = s.relname "
        "LEFT JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass "
        "  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
        "LEFT JOIN pg_class c ON c.oid = d.refobjid "
        "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid "
        "WHERE s.relkind = 'S' AND n.nspname = current_schema() ORDER BY s.relname"
    ).fetchall()
    sequences = []
    for name, deptype, table, column, data_type, start, minv, maxv, inc, cycle, cache in rows:
        last_value, is_called = run_statement(conn, f"SELECT last_value, is_called FROM {_ident(name)}").one()
        sequences.append({"name": name, "deptype": deptype, "table": table, "column": column,
                          "data_type": data_type, "start": start, "min": minv, "max": maxv, "increment": inc,
                          "cycle": cycle, "cache": cache, "last_value": last_value, "is_called": is_called})
    return sequences


def _functions(conn: Connection, definitions: bool = False) -> list[tuple[str, str]]:
    """(signature, CREATE statement or "") of the schema's own functions and procedures (not extensions')."""
    definition = "pg_get_functiondef(p.oid)" if definitions else "''"
    return [(r[0], r[1]) for r in conn.exec_driver_sql(
        f"SELECT p.oid::regprocedure::text, {definition} FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema() "
        "AND p.prokind IN ('f', 'p') AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid "
        "AND d.deptype = 'e') ORDER BY p.oid"
    )]


def _triggers(conn: Connection) -> list[str]:
    return [r[0] for r in conn.exec_driver_sql(
        "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND NOT t.tgisinternal "
        "ORDER BY c.relname, t.tgname"
    )]


def _create_sequence(seq: dict[str, Any]) -> str:
    return f"CREATE SEQUENCE {_ident(seq['name'])} AS {seq['data_type']}{_sequence_options(seq)}"


def _sequence_options(seq: dict[str, Any]) -> str:
    return (f" INCREMENT BY {seq['increment']} MINVALUE {seq['min']} MAXVALUE {seq['max']} START WITH {seq['start']}"
            f" CACHE {seq['cache']} {'CYCLE' if seq['cycle'] else 'NO CYCLE'}")


def _setval(seq: dict[str, Any]) -> str:
    called = "true" if seq["is_called"] else "false"
    if seq["deptype"] == "i":  # identity sequences are created (and named) by the table's DDL
        target = f"pg_get_serial_sequence({_literal(_ident(seq['table']))}, {_literal(seq['column'])})"
    else:
        target = f"{_literal(_ident(seq['name']))}::regclass"
    return f"SELECT setval({target}, {int(seq['last_value'])}, {called})"


def _enum_types(metadata: sqlalchemy.MetaData) -> list[str]:
    from sqlalchemy.dialects.postgresql import ENUM

    seen: dict[str, str] = {}
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, ENUM) and column.type.name and column.type.name not in seen:
                labels = ", ".join(_literal(label) for label in column.type.enums)
                seen[column.type.name] = f"CREATE TYPE {_ident(column.type.name)} AS ENUM ({labels})"
    return list(seen.values())


# ---- shipped schema templates --------------------------------------------------------------------------------
_IN_SCHEMA = "relnamespace = current_schema()::regnamespace"


def _refuse_untemplated(conn: Connection) -> None:
    """Objects a template does not recreate (MLflow makes none): fail the build rather than ship less."""
    found = [f"{kind} {name}" for kind, name in run_statement(
        conn, "SELECT CASE relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'p' THEN "
              "'partitioned table' WHEN 'f' THEN 'foreign table' ELSE 'table with row security' END, relname "
              f"FROM pg_class WHERE {_IN_SCHEMA} AND (relkind IN ('v', 'm', 'p', 'f') OR relrowsecurity "
              "OR relkind = 'r' AND (relispartition OR relpersistence <> 'p' OR reloptions IS NOT NULL)) "
              "UNION ALL SELECT 'inheriting table', c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
              f"WHERE c.{_IN_SCHEMA} UNION ALL SELECT 'aggregate', proname FROM pg_proc WHERE pronamespace = "
              "current_schema()::regnamespace AND prokind IN ('a', 'w') UNION ALL SELECT 'rule', rulename FROM pg_rules WHERE schemaname = current_schema() "
              "UNION ALL SELECT 'domain or composite type', typname FROM pg_type WHERE typnamespace = "
              "current_schema()::regnamespace AND (typtype = 'd' OR typtype = 'c' AND typrelid IN "
              "(SELECT oid FROM pg_class WHERE relkind = 'c'))")]
    if found:
        raise errors.OperationFailed(f"cannot make a schema template of this database: {', '.join(found[:5])}")


def _template_enums(conn: Connection) -> list[str]:
    return [f"CREATE TYPE {_ident(name)} AS ENUM ({', '.join(map(_literal, labels))})" for name, labels in
            run_statement(conn, "SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) "
                                "FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typnamespace = "
                                "current_schema()::regnamespace GROUP BY t.typname ORDER BY t.typname")]


def _template_table(conn: Connection, table: str, identities: Mapping[tuple[str, str], dict[str, Any]]) -> str:
    rows = conn.execute(sqlalchemy.text(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), "
        "a.attidentity, a.attgenerated, CASE WHEN a.attcollation <> t.typcollation THEN quote_ident(cn.nspname) "
        "|| '.' || quote_ident(co.collname) END FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "LEFT JOIN pg_collation co ON co.oid = a.attcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace "
        "WHERE a.attrelid = CAST(:t AS regclass) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"),
        {"t": _ident(table)}).all()
    columns = []
    for name, sql_type, not_null, default, identity, generated, collation in rows:
        parts = [_ident(name), sql_type]
        if collation:
            parts.append(f"COLLATE {collation}")
        if generated == "s":
            parts.append(f"GENERATED ALWAYS AS ({_reparsable(default)}) STORED")
        elif default is not None:
            parts.append(f"DEFAULT {_reparsable(default)}")
        if not_null:
            parts.append("NOT NULL")
        if identity:
            seq = identities[(table, name)]
            parts.append(f"GENERATED {'ALWAYS' if identity == 'a' else 'BY DEFAULT'} AS IDENTITY "
                         f"(SEQUENCE NAME {_ident(seq['name'])}{_sequence_options(seq)})")
        columns.append(" ".join(parts))
    return f"CREATE TABLE {_ident(table)} (\n    " + ",\n    ".join(columns) + "\n)"


def _template_rows(conn: Connection, table: str) -> list[str]:
    """The table's rows as INSERTs of ``quote_nullable`` literals (generated columns are the server's)."""
    columns = conn.execute(sqlalchemy.text(
        "SELECT attname, attidentity = 'a' FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 "
        "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum"), {"t": _ident(table)}).all()
    head = (f"INSERT INTO {_ident(table)} ({', '.join(_ident(c) for c, _ in columns)})"
            + (" OVERRIDING SYSTEM VALUE" if any(always for _, always in columns) else "") + " VALUES (")
    values = " || ', ' || ".join(f"quote_nullable({_ident(c)})" for c, _ in columns)
    return list(run_statement(conn, f"SELECT {_literal(head)} || {values} || ')' FROM {_ident(table)} ORDER BY 1")
                .scalars())


# ``(ARRAY['a'::character varying, 'b'::character varying])::text[]``, as PostgreSQL prints the array of
# ``col IN ('a', 'b')`` on a VARCHAR column: parsed again, the cast is pushed into the elements and the
# expression (and its text) differs from the original; with the elements' own type cast first, it is the same.
_LITERAL = r"'(?:[^']|'')*'::([a-z][a-z ]*)"
_CAST_ARRAY = re.compile(rf"\(ARRAY\[(?P<items>{_LITERAL}(?:, {_LITERAL})*)\]\)::(?P<target>[a-z][a-z ]*)\[\]")


def _reparsable(expression: str) -> str:
    """``expression`` (from ``pg_get_expr``/``pg_get_constraintdef``) written so that parsing it gives back the
    same expression tree (see ``_CAST_ARRAY``)."""

    def fix(match: re.Match[str]) -> str:
        types = set(re.findall(_LITERAL, match["items"]))
        if len(types) != 1 or match["target"] in types:
            return match[0]
        return f"(ARRAY[{match['items']}]::{types.pop()}[])::{match['target']}[]"

    return _CAST_ARRAY.sub(fix, expression)


def _template_constraints(conn: Connection) -> list[str]:
    """Primary keys, unique, check and exclusion constraints, then foreign keys (they need the former)."""
    return [f"ALTER TABLE {_ident(table)} ADD CONSTRAINT {_ident(name)} {_reparsable(definition)}"
            for table, name, definition
            in run_statement(conn, "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                                   f"JOIN pg_class c ON c.oid = k.conrelid WHERE c.{_IN_SCHEMA} AND k.contype IN "
                                   "('p', 'u', 'c', 'x', 'f') ORDER BY position(k.contype IN 'pucxf'), c.relname, "
                                   "k.conname")]


def _template_indexes(conn: Connection) -> list[str]:
    """Indexes no constraint owns; ``pg_get_indexdef`` names the table with its schema, which is dropped."""
    rows = run_statement(
        conn, "SELECT pg_get_indexdef(i.indexrelid), quote_ident(current_schema()) FROM pg_index i "
              "JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid "
              f"WHERE c.{_IN_SCHEMA} AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
              "AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')) ORDER BY x.relname").all()
    return [_reparsable(_unqualified(definition, schema, r"( ON (?:ONLY )?)")) for definition, schema in rows]


def _unqualified(definition: str, schema: str, before: str) -> str:
    """``definition`` with the first ``<before><schema>.`` made ``<before>`` (``before``: a pattern in one
    group), so that the name is the destination's current schema's."""
    return re.sub(rf"{before}{re.escape(schema)}\.", r"\1", definition, count=1)


def _template_functions(conn: Connection) -> list[str]:
    schema = run_statement(conn, "SELECT quote_ident(current_schema())").scalar_one()
    return [_unqualified(definition.strip(), schema, r"^(CREATE OR REPLACE (?:FUNCTION|PROCEDURE) )")
            for _, definition in _functions(conn, definitions=True)]


def _template_triggers(conn: Connection) -> list[str]:
    schema = run_statement(conn, "SELECT quote_ident(current_schema())").scalar_one()
    return [_unqualified(_unqualified(definition, schema, r"( ON )"), schema, r"( EXECUTE (?:FUNCTION|PROCEDURE) )")
            for definition in _triggers(conn)]


def _template_comments(conn: Connection) -> list[str]:
    rows = run_statement(
        conn, "SELECT c.relname, NULL, d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid "
              f"AND d.classoid = 'pg_class'::regclass WHERE c.{_IN_SCHEMA} AND c.relkind = 'r' AND d.objsubid = 0 "
              "UNION ALL SELECT c.relname, a.attname, d.description FROM pg_description d JOIN pg_class c "
              "ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass JOIN pg_attribute a ON a.attrelid = c.oid "
              f"AND a.attnum = d.objsubid WHERE c.{_IN_SCHEMA} AND c.relkind = 'r' AND d.objsubid > 0 "
              "ORDER BY 1, 2 NULLS FIRST").all()
    return [f"COMMENT ON {'TABLE ' + _ident(table) if column is None else f'COLUMN {_ident(table)}.{_ident(column)}'}"
            f" IS {_literal(text)}" for table, column, text in rows]
