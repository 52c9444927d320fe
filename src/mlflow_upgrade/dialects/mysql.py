"""MySQL and MariaDB: ``mariadb-dump``/``mysqldump --single-transaction`` and the ``mariadb``/``mysql`` client.

The credentials reach the tools in a temporary 0600 option file (``--defaults-extra-file``), never the command
line. The dump (tables, indexes, triggers; no routines or events: MLflow has none) is gzip-compressed as it
streams. A MariaDB server needs a MariaDB client; a MySQL server a MySQL client at least as new as the server.

The logical dump replays ``SHOW CREATE TABLE`` (which also carries each AUTO_INCREMENT counter) and loads rows
with foreign-key checks off and ``NO_AUTO_VALUE_ON_ZERO`` (experiment id 0 stays 0). A schema template
(``dump_template``) is the same ``SHOW CREATE TABLE`` text, the rows as server-quoted literals and the triggers;
each CREATE commits by itself, so a failing template drops the tables it made.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import importlib
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy
from sqlalchemy.engine import Connection, Engine

from mlflow_upgrade import errors
from mlflow_upgrade.dialects import (
    Dialect,
    HeldLock,
    NativeCheck,
    NativeResult,
    Privileges,
    _connection,
    hold_session_lock,
    known_estimates,
    register,
    run_statement,
    sql_literal,
)
from mlflow_upgrade.dialects.fingerprint import MySQLFingerprintSql
from mlflow_upgrade.dialects.tools import find_tool, is_disk_full, private_file, run_tool, tool_version
from mlflow_upgrade.progress import Progress, ProgressTask
from mlflow_upgrade.store.ref import StoreRef

_log = logging.getLogger(__name__)
_TOOL_DIRS = ("/usr/local/mysql/bin", "/opt/homebrew/opt/mysql-client/bin", "/opt/homebrew/opt/mariadb/bin")
_DUMP_TOOLS = ("mariadb-dump", "mysqldump")
_CLIENT_TOOLS = ("mariadb", "mysql")
_INSERT_BYTES = 4 << 20
# The session mode a template is dumped (SHOW CREATE TABLE's quoting) and applied in (seeded ids of 0 kept)
_TEMPLATE_SQL_MODE = "NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION"
# Column types whose values travel as hex literals in a template (QUOTE() of bytes is not safe text)
_BINARY_TYPES = ("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit", "geometry")
# byte limits of the TEXT/BLOB types (0: up to 4 GB, treated as unlimited)
_TEXT_BYTES = {"TINYTEXT": 255, "TEXT": 65535, "MEDIUMTEXT": 16777215, "LONGTEXT": 0,
               "TINYBLOB": 255, "BLOB": 65535, "MEDIUMBLOB": 16777215, "LONGBLOB": 0}


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _version_tuple(text: str) -> tuple[int, ...]:
    match = re.search(r"Distrib\s+(\d+)\.(\d+)\.(\d+)", text) or re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(p) for p in match.groups()) if match else ()


@register
class MySQLDialect(MySQLFingerprintSql, Dialect):
    name = "mysql"
    label = "MySQL/MariaDB"
    aliases = ("mariadb",)
    uri_schemes = ("mariadb",)
    # pymysql first: it is pure Python and is what our extras install
    default_drivers = (("pymysql", "pymysql"), ("mysqldb", "MySQLdb"))
    driver_install_hints: ClassVar[Mapping[str, str]] = {
        "pymysql": "pip install pymysql",
        "mysqldb": "pip install mysqlclient (or use mysql+pymysql://)",
    }
    index_names_per_table = True
    constraint_names_per_database = True  # foreign keys
    case_sensitive_collation = "utf8mb4_bin"
    old_release_driver = "mysql+pymysql"
    create_database_sql = "CREATE DATABASE {name} CHARACTER SET utf8mb4"
    drop_database_sql = "DROP DATABASE IF EXISTS {name}"  # diffcheck's scratch database, after its servers stopped
    native_suffix = ".sql.gz"
    native_method = "mariadb-dump"
    revision_base_seconds = 0.12
    per_row_seconds: ClassVar[Mapping[str, float]] = {"rewrite": 5.0e-6, "index": 3.1e-6, "data": 8.0e-6}
    database_size_sql = (
        "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.TABLES "
        "WHERE table_schema = DATABASE()"
    )

    def native_tool_name(self, tool: str | None) -> str:
        return Path(tool).name if tool else self.native_method  # mariadb-dump or mysqldump

    def connect_timeout_args(self, ref: StoreRef, seconds: int) -> dict[str, Any]:
        # only pymysql's connect() is known to take it under this name
        driver = ref.url.get_dialect().driver if ref.url is not None else None
        return {"connect_timeout": seconds} if driver == "pymysql" else {}

    # ---- planning and upgrading ------------------------------------------------------------------------
    def revision_transaction(self, ops: Sequence[dict[str, Any]]) -> tuple[bool, str]:
        ddl = [o for o in ops if o.get("op") not in ("execute", "bind.execute", "session.query", "bind.scalars")]
        if len(ddl) <= 1:
            return False, "MySQL/MariaDB commits each DDL statement at once; a single statement here"
        return False, (
            f"MySQL/MariaDB commits each of its {len(ddl)} DDL statements at once: a failure part way leaves "
            "it half applied (mlflow-upgrade then restores the backup)"
        )

    def failed_revision_state(self, current: str | None) -> str:
        return f"possibly half applied on top of {current} (MySQL/MariaDB commits DDL at once)"

    # ---- guard: least-privilege SQL for MLflow servers (upgrade/guard.py) -------------------------------
    def guard_sql(self, role: str, database: str, *, schema: str, owner: str | None, host: str, secret: str,
                  what: str, version_table: str) -> str:
        account = f"{sql_literal(role)}@{sql_literal(host)}"
        db = "`" + database.replace("`", "``") + "`"
        lines = [
            f"-- Least-privilege account for MLflow servers on the {what} database {database} (MySQL/MariaDB).",
            "-- Run as an admin. Servers log in as this account; only the owner migrates (mlflow-upgrade upgrade).",
            "-- No CREATE, ALTER, DROP, INDEX or REFERENCES: a newer MLflow server fails at startup with",
            "-- 'CREATE command denied' / 'ALTER command denied' before changing anything, instead of migrating.",
            f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY {sql_literal(secret)};",
            f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {account};",
            "-- Database-level DML rights also cover tables that later upgrades create.",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {db}.* TO {account};",
            "FLUSH PRIVILEGES;",
        ]
        return "\n".join(lines) + "\n"

    # ---- bulk load (migrate-filestore) -----------------------------------------------------------------
    def bulk_connection(self, engine: Engine) -> Any:
        if engine.dialect.driver != "pymysql":
            return engine.raw_connection()
        from mlflow_upgrade.dialects import mysql_local  # lazy: imports the driver

        if not sqlalchemy.event.contains(engine, "do_connect", mysql_local.connect_hook):
            sqlalchemy.event.listen(engine, "do_connect", mysql_local.connect_hook)
        with mysql_local.streaming_connects():
            return engine.raw_connection()

    def metric_format(self, driver: str, raw: Any = None) -> str:
        if driver != "pymysql":
            return "rows"
        # LOAD DATA LOCAL costs the server a third less than the same rows as INSERT ... VALUES; only on a
        # connection that streams our own data and nothing else (mysql_local.py), when the server allows it.
        if raw is not None and hasattr(raw.dbapi_connection, "offering"):  # a mysql_local.StreamingConnection
            cur = raw.cursor()
            try:
                cur.execute("SELECT @@GLOBAL.local_infile")
                if int(cur.fetchone()[0] or 0):
                    return "tsv"
            finally:
                cur.close()
        return "values"

    def bulk_session_start(self, cur: Any) -> None:
        # Experiment 0 (Default) must keep id 0 in an AUTO_INCREMENT column, as MLflow itself does.
        cur.execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO')")
        # Checking each row's foreign key costs the server a fifth of the load: every reference is checked
        # once at the end instead (dangling_references). Unique checks stay on (a secondary UNIQUE index,
        # e.g. experiments' names, must still refuse a duplicate).
        cur.execute("SET SESSION unique_checks = 1, foreign_key_checks = 0")

    def bulk_session_end(self, cur: Any) -> None:
        cur.execute("SET SESSION foreign_key_checks = 1")

    def bulk_load_stream(self, raw: Any, table: str, cols: Sequence[str], data: Iterable[bytes], rows: int) -> None:
        """``LOAD DATA LOCAL`` of ``rows`` tab-separated lines (encode.py ``tsv``) into ``table``. With LOCAL
        the server turns a duplicate key or a bad value into a warning and goes on: both are refused here."""
        conn = raw.dbapi_connection
        quoted = ", ".join(_ident(c) for c in cols)
        cur = conn.cursor()
        try:
            with conn.offering(data) as name:
                cur.execute(f"LOAD DATA LOCAL INFILE '{name}' INTO TABLE {_ident(table)} CHARACTER SET utf8mb4 "
                            f"FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ({quoted})")
            loaded, warnings = cur.rowcount, conn._result.warning_count if conn._result else 0
            if loaded != rows or warnings:
                cur.execute("SHOW WARNINGS LIMIT 3")
                said = "; ".join(f"{r[1]}: {r[2]}" for r in cur.fetchall())
                raise errors.OperationFailed(
                    f"loading {rows} rows into {table} stored {loaded} ({warnings} warning(s): {said or 'none'}): "
                    "nothing of this transaction is kept"
                )
        finally:
            cur.close()

    def dangling_references(self, conn: Connection, tables: Sequence[str]) -> list[str]:
        # Each foreign key's distinct child values (read from the index every foreign key has) that find no
        # parent row: what foreign_key_checks would have refused, checked once.
        rows = conn.exec_driver_sql(
            "SELECT k.CONSTRAINT_NAME, k.TABLE_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME "
            "FROM information_schema.KEY_COLUMN_USAGE k WHERE k.TABLE_SCHEMA = DATABASE() "
            "AND k.REFERENCED_TABLE_NAME IS NOT NULL ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"
        ).all()
        keys: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
        for name, table, column, parent, parent_column in rows:
            if table in tables:
                keys.setdefault((name, table, parent), []).append((column, parent_column))
        self._refresh_statistics(conn, sorted({table for _, table, _ in keys}))
        found = []
        for (name, table, parent), pairs in keys.items():
            cols = ", ".join(_ident(c) for c, _ in pairs)
            not_null = " AND ".join(f"{_ident(c)} IS NOT NULL" for c, _ in pairs)
            match = " AND ".join(f"p.{_ident(pc)} = d.{_ident(c)}" for c, pc in pairs)
            n = conn.exec_driver_sql(
                f"SELECT COUNT(*) FROM (SELECT DISTINCT {cols} FROM {_ident(table)} WHERE {not_null}) d "
                f"WHERE NOT EXISTS (SELECT 1 FROM {_ident(parent)} p WHERE {match})"
            ).scalar()
            if n:
                found.append(f"{n} value(s) of {table}({', '.join(c for c, _ in pairs)}) missing from {parent} "
                             f"(foreign key {name})")
        return found

    def _refresh_statistics(self, conn: Connection, tables: Sequence[str]) -> None:
        """InnoDB's statistics of ``tables``, which a bulk load has just filled: the optimizer still sees them as
        they were when the load began (nearly empty), and then reads a foreign key's index whole to list its
        distinct values (2 M metric rows: 1.1 s) instead of jumping from one value to the next (0.1 s). The MLflow
        server gets the fresh statistics too. ``ANALYZE TABLE`` samples a few pages per index; it runs on a
        connection of its own because it commits implicitly, with a short lock wait, and a failure only costs
        speed. MariaDB's engine-independent statistics (a full scan, where ``use_stat_tables`` asks for them) are
        left out."""
        if not tables:
            return
        try:
            with conn.engine.connect() as own:
                if self.server_info(own)[0]:  # MariaDB
                    own.exec_driver_sql("SET SESSION use_stat_tables = 'NEVER'")
                own.exec_driver_sql("SET SESSION lock_wait_timeout = 5")
                own.exec_driver_sql(f"ANALYZE TABLE {', '.join(map(_ident, tables))}").all()
        except sqlalchemy.exc.DBAPIError as exc:
            _log.debug("statistics of %s not refreshed: %s", ", ".join(tables), exc)

    def bulk_insert(self, cur: Any, driver: str, table: str, cols: Sequence[str], rows: list[tuple]) -> None:
        quoted = ", ".join(f"`{c}`" for c in cols)
        marks = ", ".join(["%s"] * len(cols))
        cur.executemany(f"INSERT INTO `{table}` ({quoted}) VALUES ({marks})", rows)

    # ---- preflight -------------------------------------------------------------------------------------
    def migrate_privileges(self, ref: StoreRef, conn: Connection) -> Privileges:
        grants = [str(r[0]) for r in conn.exec_driver_sql("SHOW GRANTS")]
        database = conn.exec_driver_sql("SELECT DATABASE()").scalar_one()
        have: set[str] = set()
        for grant in grants:
            m = re.match(r"GRANT (.+?) ON (\S+) TO", grant, re.IGNORECASE)
            if not m or not _scope_matches(m.group(2), database):
                continue
            privs = {p.strip().upper() for p in m.group(1).split(",")}
            if "ALL PRIVILEGES" in privs or "ALL" in privs:
                have.update(_MIGRATE_PRIVILEGES)
            have.update(p.split("(")[0].strip() for p in privs)
        missing = [p for p in _MIGRATE_PRIVILEGES if p not in have]
        if missing:
            return Privileges(False,
                              f"the connecting user lacks {', '.join(missing)} on `{database}`: GRANT "
                              f"{', '.join(missing)} ON `{database}`.* TO the user (or run the upgrade as the schema "
                              "owner)", details={"missing": missing, "grants": grants})
        return Privileges(True, f"the connecting user may create, alter and drop in `{database}`")

    # ---- catalog -------------------------------------------------------------------------------------
    def drop_all_tables(self, engine: Engine) -> None:
        with engine.connect() as conn:
            conn.exec_driver_sql("SET SESSION FOREIGN_KEY_CHECKS = 0")
            rows = conn.exec_driver_sql(
                "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
            ).fetchall()
            for name, kind in sorted(rows, key=lambda r: r[1] != "VIEW"):
                run_statement(conn, f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {_ident(name)}")
            conn.commit()

    def row_estimates(self, conn: Connection) -> dict[str, float]:
        rows = conn.exec_driver_sql(  # InnoDB's estimate: can be off by tens of percent
            "SELECT table_name, table_rows FROM information_schema.tables WHERE table_schema = DATABASE()"
        ).all()
        return known_estimates(rows)

    def acquire_run_lock(self, ref: StoreRef, name: str) -> HeldLock:
        """``GET_LOCK`` (server-wide names, hence the database in the name) on a connection of its own, held for
        the whole run; a second run names the holder's connection, user, host and idle time."""
        lock_name = "mlflow_upgrade:" + hashlib.sha256(f"{ref.database_name}:{name}".encode()).hexdigest()[:40]

        def try_lock(conn: Connection) -> int:
            if conn.exec_driver_sql("SELECT GET_LOCK(%s, 0)", (lock_name,)).scalar() != 1:
                holder_id = conn.exec_driver_sql("SELECT IS_USED_LOCK(%s)", (lock_name,)).scalar()
                row = conn.exec_driver_sql(
                    "SELECT USER, HOST, TIME FROM information_schema.PROCESSLIST WHERE ID = %s", (holder_id,)
                ).first() if holder_id is not None else None
                who = (f"server connection {holder_id} of {row[0]}@{row[1]}, idle {row[2]} s" if row else
                       f"server connection {holder_id}" if holder_id is not None else "its session just ended")
                raise errors.Refused(f"another upgrade of {ref.masked} is running ({who}): wait for it to finish, "
                                     "then run upgrade again")
            return int(conn.exec_driver_sql("SELECT CONNECTION_ID()").scalar())

        return hold_session_lock(ref, {}, try_lock,
                                 lambda conn: conn.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (lock_name,)))

    def other_sessions(self, conn: Connection, own: frozenset[int]) -> list[str] | None:
        # Without the PROCESS privilege PROCESSLIST shows this user's own sessions only: say we cannot tell.
        if not _sees_all_sessions(conn):
            return None
        rows = conn.exec_driver_sql(
            "SELECT ID, USER, HOST FROM information_schema.PROCESSLIST "
            "WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND COMMAND <> 'Daemon'"
        ).all()
        return [f"{r[1]}@{str(r[2]).rsplit(':', 1)[0]}" for r in rows if int(r[0]) not in own]

    def server_info(self, engine: Engine | Connection) -> tuple[bool, tuple[int, ...], str]:
        """(is MariaDB, version, version string) of the server."""
        with _connection(engine) as conn:
            text = str(conn.exec_driver_sql("SELECT VERSION()").scalar())
        return "mariadb" in text.lower(), _version_tuple(text), text

    # ---- native ---------------------------------------------------------------------------------------
    def _pick(self, names: Sequence[str], engine: Engine) -> NativeCheck:
        mariadb, server, server_text = self.server_info(engine)
        found = [(p, tool_version(p)) for p in find_tool(names, _TOOL_DIRS)]
        reasons = []
        for path, line in found:
            client_is_mariadb = "mariadb" in line.lower()
            if mariadb and client_is_mariadb:
                return NativeCheck(True, line, tool=path, tool_version=line)
            if not mariadb and not client_is_mariadb and _version_tuple(line)[:2] >= server[:2]:
                return NativeCheck(True, line, tool=path, tool_version=line)
            reasons.append(f"{Path(path).name} ({line.strip()[:60]})")
        flavour = "MariaDB" if mariadb else f"MySQL {'.'.join(map(str, server[:2]))}+"
        if not found:
            return NativeCheck(False, f"{' / '.join(names)} not installed (install the {flavour} client tools)")
        return NativeCheck(False, f"no {flavour} client for server {server_text}: found {', '.join(reasons)}")

    def can_dump_natively(self, ref: StoreRef, engine: Engine) -> NativeCheck:
        return self._pick(_DUMP_TOOLS, engine)

    def can_restore_natively(self, ref: StoreRef, engine: Engine, details: dict[str, Any]) -> NativeCheck:
        return self._pick(_CLIENT_TOOLS, engine)

    def native_dump(self, ref: StoreRef, engine: Engine, check: NativeCheck, target: Path, progress: Progress,
                    version_tables: Sequence[str]) -> NativeResult:
        with engine.connect() as lock_conn:
            tables = self.list_tables(lock_conn)
            # Hold READ locks while counting and until the dump has opened its snapshot: the counts then
            # describe exactly the dumped rows (writers wait a moment). Without the LOCK TABLES privilege,
            # count in a snapshot just before the dump instead and say so in the manifest.
            locked = _lock_tables(lock_conn, tables)
            if not locked:
                self.begin_consistent_read(lock_conn)
            counts = self.row_counts(lock_conn, tables)
            versions = self.read_versions(lock_conn, version_tables)
            if not locked:
                lock_conn.rollback()
            description = f"{Path(check.tool).name} {ref.database_name}"
            with progress.task(description, total=len(tables), unit="tables") as task, _defaults_file(ref) as cnf, \
                    _unlock_after_snapshot(lock_conn, locked) as started:
                cmd = [check.tool, f"--defaults-extra-file={cnf}", "--single-transaction", "--quick", "--hex-blob",
                       "--no-tablespaces", "--triggers", "--skip-dump-date", "--default-character-set=utf8mb4",
                       "--verbose", "--", ref.database_name or ""]
                started.set()
                try:
                    with open(private_file(target), "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb",
                                                                                  compresslevel=3) as out:
                        run_tool(cmd, _tool_env(), stdout_sink=out, on_stderr_line=_table_counter(task),
                                 secrets=_secrets(ref))
                except OSError as exc:
                    if is_disk_full(exc):
                        raise errors.OperationFailed(
                            f"disk full while writing {target}: free space and retry"
                        ) from None
                    raise
        details = {"dump_tool": check.tool_version, "server": self.server_info(engine)[2],
                   "counts": "exact (tables locked until the dump's snapshot)" if locked
                   else "snapshot taken just before the dump (no LOCK TABLES privilege)"}
        return NativeResult(files=[target], row_counts=counts, versions=versions, details=details)

    def native_load(self, ref: StoreRef, engine: Engine, check: NativeCheck, files: Sequence[Path],
                    progress: Progress) -> None:
        size = files[0].stat().st_size
        description = f"{Path(check.tool).name} {ref.database_name}"
        with progress.task(description, total=size, unit="bytes") as task, _defaults_file(ref) as cnf:
            cmd = [check.tool, f"--defaults-extra-file={cnf}", "--default-character-set=utf8mb4", "--binary-mode",
                   "--batch", f"--database={ref.database_name}"]
            run_tool(cmd, _tool_env(), stdin_chunks=_gunzip_chunks(files[0], task), secrets=_secrets(ref))

    # ---- logical hooks --------------------------------------------------------------------------------
    def begin_consistent_read(self, conn: Connection) -> None:
        conn.exec_driver_sql("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        conn.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")

    def capture_schema(self, conn: Connection, tables: Sequence[str]) -> dict[str, Any]:
        pre = [run_statement(conn, f"SHOW CREATE TABLE {_ident(t)}").one()[1] for t in tables]
        # triggers are not part of SHOW CREATE TABLE; created after the load so none fires on dumped rows
        names = conn.exec_driver_sql(
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() "
            "ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER"
        ).scalars().all()
        post = [_without_definer(run_statement(conn, f"SHOW CREATE TRIGGER {_ident(n)}").one()[2]) for n in names]
        return {"pre": pre, "post": post}

    def stored_columns(self, conn: Connection, table: str) -> list[str]:
        # Reflection does not see every MariaDB generated column: ask the catalog.
        generated = {r[0] for r in conn.exec_driver_sql(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
            "AND TABLE_NAME = %s AND EXTRA IN ('VIRTUAL GENERATED', 'STORED GENERATED', 'PERSISTENT')", (table,)
        )}
        return [c for c in super().stored_columns(conn, table) if c not in generated]

    def prepare_load(self, conn: Connection) -> None:
        mode = str(conn.exec_driver_sql("SELECT @@SESSION.sql_mode").scalar() or "")
        modes = [m for m in mode.split(",") if m] + ["NO_AUTO_VALUE_ON_ZERO"]
        conn.exec_driver_sql(f"SET SESSION sql_mode = '{','.join(dict.fromkeys(modes))}'")
        conn.exec_driver_sql("SET SESSION FOREIGN_KEY_CHECKS = 0")
        conn.exec_driver_sql("SET SESSION UNIQUE_CHECKS = 0")

    def table_order(self, conn: Connection, tables: Sequence[str]) -> list[str]:
        return list(tables)  # loaded with foreign-key checks off

    def list_tables(self, engine: Engine | Connection) -> list[str]:
        return sorted(sqlalchemy.inspect(engine).get_table_names())

    # ---- shipped schema templates ------------------------------------------------------------------------
    def template_server(self, conn: Connection) -> dict[str, Any]:
        # SHOW CREATE TABLE's text is one server version's; tables created without options take the database's
        # defaults, which the dumped statements spell out: the defaults must be the same where they replay
        mariadb, version, _ = self.server_info(conn)
        row = run_statement(conn, "SELECT @@character_set_database, @@collation_database, "
                                  "@@default_storage_engine, @@lower_case_table_names, "
                                  "@@explicit_defaults_for_timestamp").one()
        return {"server": "MariaDB" if mariadb else "MySQL", "version": ".".join(map(str, version[:2])),
                "charset": row[0], "collation": row[1], "engine": row[2], "lower_case_table_names": int(row[3]),
                "explicit_defaults_for_timestamp": int(row[4])}

    def dump_template(self, conn: Connection) -> dict[str, Any]:
        """``SHOW CREATE TABLE`` of every table by name (columns, keys, indexes, checks, foreign keys with their
        actions, ENGINE, charset, collation, the AUTO_INCREMENT counter), then every row as ``QUOTE()``d (or
        hex) literals; applied with foreign-key checks off, so the order of the tables does not matter."""
        found = [f"{kind.lower()} {name}" for kind, name in run_statement(
            conn, "SELECT TABLE_TYPE, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                  "AND TABLE_TYPE <> 'BASE TABLE' UNION ALL SELECT ROUTINE_TYPE, "
                  "ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() UNION ALL "
                  "SELECT 'event', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()")]
        if found:  # MLflow makes none of these on MySQL: fail the build rather than ship less
            raise errors.OperationFailed(f"cannot make a schema template of this database: {', '.join(found[:5])}")
        run_statement(conn, f"SET SESSION sql_mode = '{_TEMPLATE_SQL_MODE}'")  # backquoted names, no ANSI_QUOTES
        tables = list(run_statement(conn, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                                          "DATABASE() ORDER BY TABLE_NAME").scalars())
        statements = [run_statement(conn, f"SHOW CREATE TABLE {_ident(t)}").one()[1] for t in tables]
        for table in tables:
            statements += _template_rows(conn, table)
        # each trigger keeps the sql_mode and character set of the session that creates it: applied in the
        # destination's own session, as MLflow's migration would; without DEFINER (the applying user, as MLflow's)
        names = run_statement(conn, "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = "
                                    "DATABASE() ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER").scalars().all()
        triggers = [_without_definer(run_statement(conn, f"SHOW CREATE TRIGGER {_ident(n)}").one()[2]) for n in names]
        return {"statements": statements, "triggers": triggers}

    def apply_template(self, engine: Engine, body: dict[str, Any]) -> None:
        """In order on one connection (each CREATE commits by itself); on a failure the tables it created are
        dropped again before the error is raised."""
        with engine.connect() as conn:
            before = set(self.list_tables(conn))
            mode = run_statement(conn, "SELECT @@SESSION.sql_mode").scalar()
            run_statement(conn, f"SET SESSION sql_mode = '{_TEMPLATE_SQL_MODE}'")  # seeded id 0 stays 0
            run_statement(conn, "SET SESSION FOREIGN_KEY_CHECKS = 0")  # tables by name, not by reference
            try:
                for statement in body["statements"]:
                    run_statement(conn, statement)
                conn.execute(sqlalchemy.text("SET SESSION sql_mode = :mode"), {"mode": mode})
                for statement in body["triggers"]:
                    run_statement(conn, statement)
                conn.commit()
            except BaseException:
                conn.rollback()
                for table in sorted(set(self.list_tables(conn)) - before):  # its triggers go with it
                    run_statement(conn, f"DROP TABLE IF EXISTS {_ident(table)}")
                raise
            finally:
                run_statement(conn, "SET SESSION FOREIGN_KEY_CHECKS = 1")
                conn.execute(sqlalchemy.text("SET SESSION sql_mode = :mode"), {"mode": mode})

    def canonical_template(self, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "statements": [_sorted_keys(sql) for sql in body["statements"]]}

    # ---- copying between dialects (migrate-db) ---------------------------------------------------------
    def copy_session(self, conn: Connection) -> None:
        # Experiment 0 (Default) keeps id 0 in its AUTO_INCREMENT column, as MLflow itself does.
        mode = str(conn.exec_driver_sql("SELECT @@SESSION.sql_mode").scalar() or "")
        modes = [m for m in mode.split(",") if m] + ["NO_AUTO_VALUE_ON_ZERO"]
        conn.exec_driver_sql(f"SET SESSION sql_mode = '{','.join(dict.fromkeys(modes))}'")

    def streaming_cursor(self, conn: Connection) -> Any:
        dbapi = conn.connection.dbapi_connection
        module = importlib.import_module(type(dbapi).__module__.split(".")[0] + ".cursors")
        return dbapi.cursor(module.SSCursor)  # unbuffered: rows arrive as they are fetched

    def load_rows(self, conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """PyMySQL's executemany sends multi-row INSERTs; statements of ~4 MB instead of its default 1 MB
        (under the default max_allowed_packet of 16 MB)."""
        key = ("mlflow_upgrade_insert", table, tuple(columns))
        if key not in conn.info:
            conn.info[key] = self.insert_sql(conn, table, columns)
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.max_stmt_length = _INSERT_BYTES
            cursor.executemany(conn.info[key], rows)
        finally:
            cursor.close()

    def text_limit(self, sql_type: Any) -> tuple[int, str] | None:
        name = type(sql_type).__name__.upper()
        if name in _TEXT_BYTES:
            return (_TEXT_BYTES[name], "bytes") if _TEXT_BYTES[name] else None
        return super().text_limit(sql_type)

    def holds_non_finite_floats(self) -> bool:
        return False  # DOUBLE has no NaN or infinity

    def holds_negative_zero(self) -> bool:
        return False  # DOUBLE stores -0.0 as 0

    def holds_mlflow_auth(self) -> bool:
        return False  # the initial auth migration names two foreign keys fk_user_id (mlflow/mlflow#9642)


def _sees_all_sessions(conn: Connection) -> bool:
    grants = " ".join(str(r[0]) for r in conn.exec_driver_sql("SHOW GRANTS")).upper()
    return bool(re.search(r"GRANT (ALL PRIVILEGES|[^']*\bPROCESS\b)[^']* ON \*\.\*", grants))


def _lock_tables(conn: Connection, tables: Sequence[str]) -> bool:
    if not tables:
        return False
    try:
        run_statement(conn, "LOCK TABLES " + ", ".join(f"{_ident(t)} READ" for t in tables))
    except sqlalchemy.exc.DBAPIError:
        conn.rollback()
        return False
    return True


# What mariadb-dump/mysqldump runs only after START TRANSACTION WITH CONSISTENT SNAPSHOT.
_AFTER_SNAPSHOT = re.compile(r"show create table|sql_no_cache|show table status|show fields|show triggers", re.I)
_SNAPSHOT_WAIT_S = 30.0


@contextlib.contextmanager
def _unlock_after_snapshot(conn: Connection, locked: bool) -> Iterator[threading.Event]:
    """Yield an event to set once the dump tool is started; UNLOCK TABLES as soon as its snapshot exists
    (seen in the processlist), when the block ends, or after 30 s at the latest."""
    started, finished = threading.Event(), threading.Event()
    if not locked:
        yield started
        return
    known = {r[0] for r in conn.exec_driver_sql("SELECT ID FROM information_schema.PROCESSLIST").fetchall()}

    def watch() -> None:
        started.wait(_SNAPSHOT_WAIT_S)
        deadline = time.monotonic() + _SNAPSHOT_WAIT_S
        try:
            while not finished.is_set() and time.monotonic() < deadline:
                rows = conn.exec_driver_sql("SELECT ID, INFO FROM information_schema.PROCESSLIST").fetchall()
                if any(pid not in known and info and _AFTER_SNAPSHOT.search(str(info)) for pid, info in rows):
                    break
                finished.wait(0.02)
        finally:
            run_statement(conn, "UNLOCK TABLES")

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield started
    finally:
        started.set()
        finished.set()
        watcher.join()


def _secrets(ref: StoreRef) -> list[str]:
    return [ref.password] if ref.password else []


def _tool_env() -> dict[str, str]:
    # MYSQL_PWD would put the password in the environment of every child: the option file replaces it.
    return {k: v for k, v in os.environ.items() if k not in ("MYSQL_PWD", "MYSQL_HOST", "MYSQL_TCP_PORT")}


def _option_value(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@contextlib.contextmanager
def _defaults_file(ref: StoreRef) -> Iterator[str]:
    """A [client] option file (0600, in a 0700 temporary directory) with the URI's connection settings."""
    url = ref.url
    assert url is not None
    lines = ["[client]"]
    if url.username:
        lines.append(f"user={_option_value(url.username)}")
    if ref.password:  # the userinfo's, or ?password= / ?passwd=
        lines.append(f"password={_option_value(ref.password)}")
    socket = url.query.get("unix_socket")
    if socket:
        lines.append(f"socket={_option_value(socket if isinstance(socket, str) else socket[0])}")
    else:
        lines += [f"host={_option_value(url.host or '127.0.0.1')}", "protocol=TCP"]
        if url.port:
            lines.append(f"port={url.port}")
    with tempfile.TemporaryDirectory(prefix="mlflow-upgrade-") as tmp:
        path = Path(tmp) / "client.cnf"
        with open(private_file(path), "w") as fh:
            fh.write("\n".join(lines) + "\n")
        yield str(path)


def _table_counter(task: ProgressTask) -> Any:
    def on_line(line: str) -> None:
        match = re.search(r"Retrieving table structure for table (\S+)", line)
        if match:
            task.advance(1)
            task.update(description=match.group(1).strip("`."))

    return on_line


# A trigger's DEFINER names the user who created it; recreating it under another user's name needs SUPER (or
# SET USER), which a restore into a copy rarely has. Without the clause the restoring user becomes the definer.
_DEFINER = re.compile(r"(?:/\*!50017 )?DEFINER=(`(?:[^`]|``)*`|'[^']*'|\S+)@(`(?:[^`]|``)*`|'[^']*'|\S+)(?:\s*\*/)?\s*")
_DEFINER_BYTES = re.compile(_DEFINER.pattern.encode())


def _without_definer(statement: str) -> str:
    return _DEFINER.sub("", statement, count=1)


def _gunzip_chunks(path: Path, task: ProgressTask) -> Iterator[bytes]:
    """The dump, line by line (rows lines are at most ~1 MB), trigger definers removed."""
    with open(path, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as src:
        pending: list[bytes] = []
        size = 0
        for line in src:
            if line.startswith(b"/*!50003 CREATE*/ /*!50017 DEFINER="):
                line = _DEFINER_BYTES.sub(b"", line, count=1)
            pending.append(line)
            size += len(line)
            if size >= 1 << 20:
                task.update(completed=raw.tell())
                yield b"".join(pending)
                pending, size = [], 0
        task.update(completed=raw.tell())
        yield b"".join(pending)


# Privileges MLflow's migrations use on the store's database.
_MIGRATE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "INDEX", "REFERENCES")


def _scope_matches(scope: str, database: str) -> bool:
    """Whether a GRANT's ``db.table`` scope covers ``database`` (wildcards ``%``/``_``, escaped ``\\_``)."""
    scope = scope.replace("`", "")
    if scope == "*.*":
        return True
    db_part = scope.split(".", 1)[0].replace("\\_", "_")
    if db_part == database:
        return True
    pattern = "^" + re.escape(db_part).replace("%", ".*").replace("_", ".") + "$"
    return bool(re.match(pattern, database))


def _template_rows(conn: Connection, table: str) -> list[str]:
    """``table``'s rows as INSERTs of literals made by the server (generated columns are the server's)."""
    columns = conn.execute(sqlalchemy.text(
        "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
        "TABLE_NAME = :t AND EXTRA NOT LIKE '%GENERATED%' AND EXTRA NOT IN ('VIRTUAL', 'PERSISTENT') "
        "ORDER BY ORDINAL_POSITION"), {"t": table}).all()
    head = f"INSERT INTO {_ident(table)} ({', '.join(_ident(c) for c, _ in columns)}) VALUES ("
    values = ", ', ', ".join(
        f"IF({_ident(c)} IS NULL, 'NULL', CONCAT('0x', HEX({_ident(c)})))" if kind.lower() in _BINARY_TYPES
        else f"QUOTE({_ident(c)})" for c, kind in columns)
    return list(run_statement(conn, f"SELECT CONCAT({sql_literal(head)}, {values}, ')') FROM {_ident(table)} "
                                    "ORDER BY 1").scalars())


_KEY_LINE = re.compile(r"\s*(PRIMARY KEY|UNIQUE KEY|KEY|CONSTRAINT) ")


def _sorted_keys(statement: str) -> str:
    """A ``SHOW CREATE TABLE`` with its key and constraint lines in a fixed order (columns keep theirs): MLflow's
    migrations add some tables' indexes in the order of a set, which changes from one process to the next, and
    InnoDB lists them in the order they were made."""
    if not statement.startswith("CREATE TABLE"):
        return statement
    lines = statement.splitlines()
    inner = [line.rstrip(",") for line in lines[1:-1]]
    keys = sorted(line for line in inner if _KEY_LINE.match(line))
    return "\n".join([lines[0], *(line for line in inner if not _KEY_LINE.match(line)), *keys, lines[-1]])
