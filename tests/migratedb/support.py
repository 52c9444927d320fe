"""Helpers for the migrate-db tests: build a source on any dialect, compare two stores row by row.

The comparison is independent of migrate-db's own digest: every row of every table is read through SQLAlchemy's
raw driver values on both sides, normalised by what the value means (see ``_norm``), and compared as sorted
lists, so a wrong, missing or extra row names itself.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from mlflow_upgrade.migratedb.schema import create_at
from mlflow_upgrade.store.schema import TRACKING
from tests.support.fixture_stores import any_dialect_store

VERSION_TABLES = {"alembic_version", "alembic_version_auth"}


def source_store(release: str, dialect: str, tmp_path: Path, pg_uri: str, mysql_uri: str) -> str:
    return any_dialect_store(release, dialect, tmp_path, pg_uri=pg_uri, mysql_uri=mysql_uri)


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float):
        return ("float", repr(value)) if not math.isnan(value) else ("float", "nan")
    if isinstance(value, (bytes, memoryview)):
        return ("bytes", bytes(value).hex())
    if isinstance(value, (dict, list)):
        return ("json", json.dumps(value, sort_keys=True))
    if isinstance(value, dt.datetime):
        return ("when", value.isoformat(" "))
    if isinstance(value, dt.date):
        return ("when", value.isoformat())
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return ("json", json.dumps(json.loads(value), sort_keys=True))
        except ValueError:
            return value
    return value


def _engine(uri: str) -> sa.Engine:
    url = sa.make_url(uri)
    if url.get_backend_name() == "sqlite":
        return sa.create_engine(f"sqlite:///file:{url.database}?mode=ro&uri=true", poolclass=NullPool)
    return sa.create_engine(uri, poolclass=NullPool)


def all_rows(uri: str) -> dict[str, list[tuple]]:
    """Every table's rows (columns by name, values normalised), sorted; version tables left out."""
    engine = _engine(uri)
    out: dict[str, list[tuple]] = {}
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            for table in meta.sorted_tables:
                if table.name in VERSION_TABLES:
                    continue
                names = sorted(c.name for c in table.columns if c.computed is None)
                q = conn.dialect.identifier_preparer.quote
                sql = f"SELECT {', '.join(q(n) for n in names)} FROM {q(table.name)}"
                rows = [tuple(_norm(v) for v in r) for r in conn.exec_driver_sql(sql)]
                out[table.name] = sorted(rows, key=repr)
    finally:
        engine.dispose()
    return out


def revision(uri: str, table: str = "alembic_version") -> str | None:
    engine = _engine(uri)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql(f"SELECT version_num FROM {table}").scalar()
    finally:
        engine.dispose()


def table_names(uri: str) -> list[str]:
    engine = _engine(uri)
    try:
        return sorted(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlflow_upgrade", "migrate-db", *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200",
                                                           **(env or {})})


def kill_at(pause: str, args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    """Run migrate-db until it pauses at ``pause`` (the test-only hook), then SIGKILL it; returns its stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow_upgrade", "migrate-db", *args, "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **env, "MLFLOW_UPGRADE_TEST_PAUSE_AT": pause},
    )
    lines = []
    deadline = time.monotonic() + timeout
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("MLFLOW_UPGRADE_PAUSED") or time.monotonic() > deadline:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    text = "".join(lines)
    assert "MLFLOW_UPGRADE_PAUSED" in text, f"never paused at {pause}: {text[-2000:]}"
    return text


def fresh_schema(uri: str, at_revision: str) -> str:
    """MLflow's tracking schema at ``at_revision`` in the empty database ``uri``, made by its migrations alone."""
    engine = _engine_rw(uri)
    try:
        create_at(engine, TRACKING, at_revision)
    finally:
        engine.dispose()
    return uri


def _engine_rw(uri: str) -> sa.Engine:
    return sa.create_engine(uri, poolclass=NullPool)


def ddl(uri: str) -> list[str]:
    """The schema as the database itself states it, names included: PostgreSQL's constraint and index
    definitions, SQLite's stored CREATE statements, MariaDB's SHOW CREATE TABLE (its AUTO_INCREMENT counter left
    out). Two stores with equal ``ddl`` have the same tables, keys, indexes and constraints, by the same names."""
    engine = _engine(uri)
    try:
        with engine.connect() as conn:
            kind = conn.dialect.name
            if kind == "postgresql":
                rows = conn.exec_driver_sql(
                    "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) "
                    "FROM pg_constraint WHERE connamespace = 'public'::regnamespace UNION ALL "
                    "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'").scalars()
                return sorted(rows)
            if kind == "sqlite":
                return sorted(map(_clauses, conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'").scalars()))
            names = sorted(sa.inspect(conn).get_table_names())
            return [_clauses(re.sub(r" AUTO_INCREMENT=\d+", "", conn.exec_driver_sql(f"SHOW CREATE TABLE `{n}`").one()[1]))
                    for n in names]
    finally:
        engine.dispose()


def _clauses(statement: str) -> str:
    """A CREATE TABLE with its lines (columns, keys, constraints) sorted: Alembic's batch mode on SQLite writes
    CHECK constraints in an order that changes from one process to the next."""
    return "\n".join(sorted(line.strip().rstrip(",").strip() for line in statement.splitlines()))


def run_until_paused(pause: str, args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.Popen:
    """Start migrate-db and return once it has paused at ``pause``; SIGUSR1 lets it go on."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow_upgrade", "migrate-db", *args, "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **env, "MLFLOW_UPGRADE_TEST_PAUSE_AT": pause},
    )
    assert proc.stderr is not None
    lines = []
    deadline = time.monotonic() + timeout
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("MLFLOW_UPGRADE_PAUSED") or time.monotonic() > deadline:
            break
    if not any(line.startswith("MLFLOW_UPGRADE_PAUSED") for line in lines):
        proc.kill()
        proc.wait()
        raise AssertionError(f"never paused at {pause}: {''.join(lines)[-2000:]}")
    return proc
