"""Taking a fingerprint: choose each table's buckets, then one grouped SQL aggregate per table (in parallel
partitions on SQLite when the table is large)."""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import sqlalchemy
from sqlalchemy.engine import Connection, Engine

from mlflow_upgrade import errors
from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.progress import QUIET, Progress
from mlflow_upgrade.store.schema import (
    ALL_VERSION_TABLES,
    JOURNAL_TABLE,
    TRACKING_VERSION_TABLE,
    read_version_rows,
)
from mlflow_upgrade.upgrade.verify.expectations import Expected, expected_changes, pending_revisions
from mlflow_upgrade.upgrade.verify.fingerprint.model import Fingerprint, TableFingerprint
from mlflow_upgrade.upgrade.verify.fingerprint.sql import Sql, column_kind, prepare

EXACT_LIMIT = 50_000  # tables up to this many rows get one bucket per primary key

# Tables that are never fingerprinted: version bookkeeping and our own journal.
SKIP_TABLES = frozenset({*ALL_VERSION_TABLES, JOURNAL_TABLE})
# Owner columns used to bucket large tables, in order of preference.
OWNER_COLUMNS = ("run_uuid", "run_id", "request_id", "trace_id", "experiment_id", "model_id", "name", "dataset_uuid")


# ---------------------------------------------------------------- taking a fingerprint

def norm(value: Any) -> Any:
    """A bucket/key value as JSON: ints for bools, exact floats, ISO datetimes, ints for integral Decimals."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _key(values: Iterable[Any], kinds: list[str]) -> str:
    out = []
    for value, kind in zip(values, kinds, strict=False):
        value = norm(value)
        if value is not None and kind == "int" and isinstance(value, str) and value.lstrip("-").isdigit():
            value = int(value)  # an id column that became a string column, or the reverse
        elif value is not None and kind == "str" and not isinstance(value, str):
            value = str(value)
        out.append(value)
    return json.dumps(out, separators=(",", ":"))


def _spec_for(conn: Connection, name: str, rules: list[Expected]) -> TableFingerprint:
    insp = sqlalchemy.inspect(conn)
    columns = {c["name"]: column_kind(c["type"]) for c in insp.get_columns(name)}
    pk = list(insp.get_pk_constraint(name).get("constrained_columns") or []) or list(columns)
    skipped: dict[str, str] = {}
    where = []
    for rule in rules:
        if rule.table != name:
            continue
        for col in rule.skip_columns:
            if col in columns:
                skipped[col] = f"{rule.revision}: {rule.what}"
        if rule.exclude_where:  # "key" is a reserved word on MySQL: quoted here, per dialect
            where.append(rule.exclude_where.replace("{key}", conn.dialect.identifier_preparer.quote("key")))
    # only "more than EXACT_LIMIT rows?" matters: a bounded probe, not a COUNT(*) of the whole table
    quoted = conn.dialect.identifier_preparer.quote(name)
    rows = conn.exec_driver_sql(f"SELECT COUNT(*) FROM (SELECT 1 FROM {quoted} LIMIT {EXACT_LIMIT + 1}) probe").scalar()
    bucket = _choose_bucket(pk, columns, int(rows or 0))
    cross = _cross_bucket(conn, bucket, pk, columns)
    if cross:
        bucket = bucket[1:]
    compared = [c for c in columns if c not in bucket and c not in cross and c not in skipped]
    return TableFingerprint(name=name, rows=0, columns=columns, pk=pk, bucket=bucket, compared=compared,
                            where=" OR ".join(f"({w})" for w in where) or None, skipped=skipped, cross=cross)


def _cross_bucket(conn: Connection, bucket: list[str], pk: list[str], columns: dict[str, str]) -> list[str]:
    """On SQLite, a large metric-like table whose primary key covers every column and starts with ``key`` is
    bucketed by ``key`` alone: scanning that index needs no sort and no table lookups, and the run id, the
    only other text column, needs no per-row Python hash. The run id is checked by a second, count-only
    bucketing (rows per run, from its own index). Four times faster on 2 M metric rows; what it cannot see
    is two points of one key exchanging their runs."""
    if not get_dialect(conn.dialect.name).fingerprint_key_index_buckets or len(bucket) != 2 or bucket[1] != "key" or pk[:1] != ["key"]:
        return []
    if set(columns) - set(pk):
        return []
    return [bucket[0]]


def _row_key(pk: list[str], columns: dict[str, str]) -> list[str]:
    """The primary key without the value columns (floats, is_nan): a metric whose value changed, or whose NaN
    became 0, stays one "changed" row instead of a missing plus an added one."""
    return [c for c in pk if columns.get(c) != "float" and c != "is_nan"] or pk


def _choose_bucket(pk: list[str], columns: dict[str, str], rows: int) -> list[str]:
    if rows <= EXACT_LIMIT:
        return _row_key(pk, columns)
    for owner in OWNER_COLUMNS:
        if owner in columns and (owner != "name" or owner in pk):
            # metric-like tables: the key joins the bucket, so the only text columns need no per-row hashing
            return [owner, "key"] if "key" in pk and owner in pk else [owner]
    return pk[:1]


def _escape(conn: Connection, sql: str) -> str:
    """psycopg and pymysql (``format`` paramstyles) read ``%`` as a placeholder even without parameters."""
    return sql.replace("%", "%%") if conn.dialect.paramstyle in ("format", "pyformat") else sql


def _fill(conn: Connection, sql: Sql, table: TableFingerprint, engine: Engine | None = None) -> None:
    start = time.perf_counter()
    while True:
        try:
            rows = _aggregate(conn, sql, table, engine)
            break
        except sqlalchemy.exc.OperationalError as exc:
            if "integer overflow" not in str(exc) or table.int_mod:
                raise
            table.int_mod = True  # SQLite's SUM raises on 64-bit overflow: sum integers modulo P instead
    kinds = [table.columns[c] for c in table.bucket]
    width = len(table.bucket)
    buckets: dict[str, list[Any]] = {}
    count = 0
    for row in rows:
        digest = [norm(v) if v is not None else 0 for v in row[width:]]
        key = _key(row[:width], kinds)
        if key in buckets:  # the same bucket from two partitions, or 5 and '5': sums add up
            digest = [a + b for a, b in zip(buckets[key], digest, strict=False)]
        buckets[key] = digest
        count += int(row[width])
    table.buckets = buckets
    table.rows = count
    if table.cross:
        table.cross_buckets = _cross_counts(conn, table)
    table.seconds = time.perf_counter() - start


def _cross_counts(conn: Connection, table: TableFingerprint) -> dict[str, int]:
    q = conn.dialect.identifier_preparer.quote
    cols = ", ".join(q(c) for c in table.cross)
    where = f" WHERE NOT ({table.where})" if table.where else ""
    sql = f"SELECT {cols}, COUNT(*) FROM {q(table.name)}{where} GROUP BY {cols}"
    kinds = [table.columns[c] for c in table.cross]
    out: dict[str, int] = {}
    for row in conn.exec_driver_sql(_escape(conn, sql)):
        key = _key(row[:-1], kinds)
        out[key] = out.get(key, 0) + int(row[-1])
    return out


PARALLEL_MIN_ROWS = 200_000
_PART = "__MLU_PART__"


def _aggregate(conn: Connection, sql: Sql, table: TableFingerprint, engine: Engine | None) -> list[tuple]:
    """The table's per-bucket aggregates. A large table may be cut into ranges (the dialect's
    ``fingerprint_ranges``: rowid or bucket-value ranges on SQLite) aggregated on one connection each at once; every digest
    is a sum, so the ranges' results add up to the table's."""
    query = _escape(conn, sql.query(table))
    lead = table.bucket[0] if table.bucket else None
    parts = (get_dialect(conn.dialect.name).fingerprint_ranges(conn, table.name, query, PARALLEL_MIN_ROWS, lead)
             if engine is not None else None)
    if not parts:
        return [tuple(r) for r in conn.exec_driver_sql(query)]
    template = _escape(conn, sql.query(table, only=_PART))

    def run(part: str) -> list[tuple]:
        assert engine is not None
        with engine.connect() as other:
            prepare(other)
            return [tuple(r) for r in other.exec_driver_sql(template.replace(_PART, part))]

    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        return [row for rows in pool.map(run, parts) for row in rows]


def _revision(conn: Connection) -> str | None:
    try:
        rows = read_version_rows(conn, TRACKING_VERSION_TABLE)
    except sqlalchemy.exc.DBAPIError:
        conn.rollback()
        return None
    return rows[0] if len(rows) == 1 else None


def _mlflow_tables(conn: Connection) -> list[str]:
    names = sqlalchemy.inspect(conn).get_table_names()
    return sorted(n for n in names if n not in SKIP_TABLES)


def take_fingerprint(engine: Engine, *, tables: list[str] | None = None, progress: Progress = QUIET,
                     like: Fingerprint | None = None) -> Fingerprint:
    """Fingerprint every MLflow table (or ``tables``). With ``like``, reuse an earlier fingerprint's
    specification (tables, columns, buckets, filters) so the two can be compared bucket by bucket."""
    if like is not None and like.dialect != engine.dialect.name:
        raise errors.UsageError(f"the fingerprint was taken on {like.dialect}, this store is {engine.dialect.name}: "
                                "checksums are computed by each database and compare only on the same dialect")
    start = time.perf_counter()
    with engine.connect() as conn:
        prepare(conn)
        sql = Sql(conn)
        revision = _revision(conn)
        present = set(sqlalchemy.inspect(conn).get_table_names())
        if like is not None:
            specs = [_respec(t, conn, present) for t in like.tables.values()]
            specs = [s for s in specs if s is not None]
            expected = list(like.expected)
        else:
            pending = pending_revisions(revision)
            rules = [r for r in expected_changes() if pending is None or r.revision in pending]
            names = tables if tables is not None else _mlflow_tables(conn)
            specs = [_spec_for(conn, n, rules) for n in names]
            expected = sorted({f"{r.revision} {r.table}: {r.what}" for r in rules
                               if any(s.name == r.table for s in specs)})
        _run(conn, sql, specs, progress, engine)
        conn.rollback()
    fp = Fingerprint(dialect=engine.dialect.name, revision=revision, tables={s.name: s for s in specs},
                     taken_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), expected=expected)
    fp.seconds = time.perf_counter() - start
    return fp


def _run(conn: Connection, sql: Sql, specs: list[TableFingerprint], progress: Progress, engine: Engine) -> None:
    with progress.task("fingerprint", total=len(specs)) as task:
        for spec in specs:
            task.update(description=f"fingerprint {spec.name}")
            _fill(conn, sql, spec, engine)
            task.advance()


def _respec(before: TableFingerprint, conn: Connection, present: set[str]) -> TableFingerprint | None:
    """The earlier table's specification, minus columns that no longer exist (reported by the comparison)."""
    if before.name not in present:
        return None
    now = {c["name"] for c in sqlalchemy.inspect(conn).get_columns(before.name)}
    missing = [c for c in before.bucket if c not in now]
    if missing:
        return None
    compared = [c for c in before.compared if c in now]
    return TableFingerprint(name=before.name, rows=0, columns=dict(before.columns), pk=list(before.pk),
                            bucket=list(before.bucket), compared=compared, where=before.where,
                            skipped=dict(before.skipped), int_mod=before.int_mod, cross=list(before.cross))
