"""Fingerprints of every row of a tracking store, computed inside the database, and their comparison.

A fingerprint holds, per table, the columns and primary key that existed when it was taken and one digest per
*bucket* of rows: ``[row count, one checksum per compared column, row checksum]``. Small tables are bucketed by
their primary key (one row per bucket: a difference names the exact row); large ones by the run, trace,
experiment or model they belong to (a difference names that owner and the columns that differ). The checksums
are SQL aggregates, so the rows never travel to Python:

* integer columns: ``sum(col)`` (exact; the before value of a one-row bucket is its sum);
* float columns: exact text hash on PostgreSQL/MySQL; ``total(col)`` on SQLite (exact for a one-row bucket,
  compared with a 1e-12 relative tolerance for larger buckets because SQLite sums floats in scan order);
* text and other columns: ``hashtext`` (PostgreSQL), ``CRC32`` (MySQL), a registered CRC-32 function (SQLite);
* the row checksum is the sum of squared per-row mixes of all compared columns, so values swapped between rows
  of one bucket are seen too.

A later state is always fingerprinted with the *earlier* fingerprint's specification (its columns, key,
buckets, filters), so columns and tables added by migrations are ignored by construction, and a column type
change (``VARCHAR(250)`` → ``TEXT``, ``FLOAT`` → ``DOUBLE``) is normalised by casting to the earlier kind.
Changes that MLflow's own migrations make on purpose are listed in :mod:`.expectations` and excluded.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import time
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy.engine import Connection, Engine

from mlflow_upgrade import __version__, errors
from mlflow_upgrade.progress import QUIET, Progress
from mlflow_upgrade.store.schema import (
    ALL_VERSION_TABLES,
    JOURNAL_TABLE,
    TRACKING_VERSION_TABLE,
    read_version_rows,
)
from mlflow_upgrade.upgrade.verify.expectations import Expected, expected_changes, pending_revisions

P = 2147483647  # 2^31 - 1: per-row terms stay below 2^31, products below 2^62 (no BIGINT overflow anywhere)
EXACT_LIMIT = 50_000  # tables up to this many rows get one bucket per primary key
FLOAT_RTOL = 1e-12
FORMAT = "mlflow-upgrade-fingerprint/1"

# Tables that are never fingerprinted: version bookkeeping and our own journal.
SKIP_TABLES = frozenset({*ALL_VERSION_TABLES, JOURNAL_TABLE})
# Owner columns used to bucket large tables, in order of preference.
OWNER_COLUMNS = ("run_uuid", "run_id", "request_id", "trace_id", "experiment_id", "model_id", "name", "dataset_uuid")
# Multipliers of the per-row mix (small primes: K * term < 2^51).
_K = (1000003, 69069, 40503, 65537, 92821, 12289, 24593, 49157, 98317, 196613, 393241, 786433, 3145739)


@dataclass
class TableFingerprint:
    name: str
    rows: int
    columns: dict[str, str]  # column -> kind ("int", "float", "str")
    pk: list[str]
    bucket: list[str]
    compared: list[str]  # non-bucket columns with a checksum each
    where: str | None = None
    skipped: dict[str, str] = field(default_factory=dict)  # column -> why it is not compared
    int_mod: bool = False  # SQLite integer sums overflowed: integers summed modulo P
    buckets: dict[str, list[Any]] = field(default_factory=dict)  # json key -> [n, *column sums, row sum]
    cross: list[str] = field(default_factory=list)  # a second, count-only bucketing (see _cross_bucket)
    cross_buckets: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def spec(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k not in ("rows", "buckets", "cross_buckets", "seconds")}


@dataclass
class Fingerprint:
    dialect: str
    revision: str | None
    tables: dict[str, TableFingerprint]
    taken_at: str = ""
    tool_version: str = __version__
    expected: list[str] = field(default_factory=list)  # rules applied ("revision table: what")
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fingerprint:
        if data.get("format") != FORMAT:
            raise errors.UsageError(f"not an mlflow-upgrade fingerprint (format {data.get('format')!r})")
        tables = {name: TableFingerprint(**t) for name, t in data["tables"].items()}
        fields = {k: v for k, v in data.items() if k not in ("format", "tables")}
        return cls(tables=tables, **fields)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        # Owner-only, like backups: small tables are fingerprinted row by row, so keys (run ids, param and
        # tag names) are in the file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(self.to_dict(), separators=(",", ":")))
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Fingerprint:
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except FileNotFoundError:
            raise errors.StoreNotFound(f"fingerprint file {path} does not exist") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise errors.UsageError(f"{path} is not a readable fingerprint file: {exc}") from None


@dataclass
class Difference:
    table: str
    key: dict[str, Any]  # bucket columns -> values (the primary key for small tables)
    kind: str  # "missing", "added", "count", "changed", "table-missing", "column-missing", "not-comparable"
    column: str | None = None
    before: Any = None
    after: Any = None
    detail: str = ""

    def __str__(self) -> str:
        key = " ".join(f"{k}={v!r}" for k, v in self.key.items())
        where = f"{self.table}[{key}]" if key else self.table
        col = f" column {self.column}" if self.column else ""
        values = ""
        if self.before is not None or self.after is not None:
            values = f": {_show(self.before)} -> {_show(self.after)}"
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.kind}: {where}{col}{values}{detail}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "message": str(self)}


def _show(value: Any) -> str:
    return "?" if value is None else repr(value)


# ---------------------------------------------------------------- SQL per dialect

def _kind(sql_type: Any) -> str:
    if isinstance(sql_type, (sqlalchemy.Integer, sqlalchemy.Boolean)):
        return "int"
    if isinstance(sql_type, sqlalchemy.Float):  # FLOAT, REAL, DOUBLE (PRECISION) on every dialect
        return "float"
    return "str"  # text, and DECIMAL (hashed as its exact text)


class _Sql:
    """Builds the per-bucket aggregate query for one table on one dialect.

    Casts and NULL handling are added only where the current column needs them (a type that changed since
    the fingerprint's spec was made, a nullable column): each one costs about 5 % on SQLite."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self.q = conn.dialect.identifier_preparer.quote
        self.now: dict[str, str] = {}
        self.nullable: dict[str, bool] = {}
        self.boolean: set[str] = set()

    def use(self, table: TableFingerprint) -> None:
        cols = sqlalchemy.inspect(self.conn).get_columns(table.name)
        self.now = {c["name"]: _kind(c["type"]) for c in cols}
        self.nullable = {c["name"]: bool(c.get("nullable", True)) for c in cols}
        self.boolean = {c["name"] for c in cols if isinstance(c["type"], sqlalchemy.Boolean)}

    def _val(self, col: str, kind: str) -> str:
        c = self.q(col)
        if col in self.boolean and self.dialect == "postgresql":
            return f"CAST({c} AS INTEGER)"  # PostgreSQL cannot sum or take the modulo of a boolean
        if self.now.get(col) == kind or (kind == "str" and self.dialect != "sqlite"):
            return c
        return f"CAST({c} AS {self._type(kind)})"

    def _type(self, kind: str) -> str:
        if kind == "int":
            return {"mysql": "SIGNED", "postgresql": "BIGINT"}.get(self.dialect, "INTEGER")
        if kind == "float":
            return {"mysql": "DOUBLE", "postgresql": "DOUBLE PRECISION"}.get(self.dialect, "REAL")
        return {"mysql": "CHAR", "postgresql": "TEXT"}.get(self.dialect, "TEXT")

    def term(self, col: str, kind: str) -> str:
        """A per-row integer in (-P, P) for one column value, for the row checksum."""
        v = self._val(col, kind)
        if kind == "int":
            expr = f"({v} % {P})"
        elif self.dialect == "sqlite" and kind == "float":
            expr = f"(CAST({v} * 1048576.0 AS INTEGER) % {P})"
        elif self.dialect == "sqlite":
            # a Python call per row is the expensive part on SQLite: the column checksum hashes the text
            # exactly; the row checksum only needs to see values moving between rows
            expr = f"(length({v}) * 40503 + unicode({v}))"
        else:
            expr = self.text_hash(col)
        return f"COALESCE({expr}, 7919)" if self.nullable.get(col, True) else expr

    def text_hash(self, col: str) -> str:
        c = self.q(col)
        if self.dialect == "postgresql":
            return f"CAST(hashtext(CAST({c} AS TEXT)) AS BIGINT)"
        if self.dialect == "mysql":
            return f"(CRC32(CAST({c} AS CHAR)) % {P})"
        if self.dialect == "sqlite":
            return f"mlu_hash({c})"
        raise errors.UsageError(f"fingerprints are not implemented for {self.dialect}")

    def column_sum(self, col: str, kind: str, int_mod: bool) -> str:
        v = self._val(col, kind)
        if kind == "int":
            return f"SUM({v} % {P})" if int_mod else f"SUM({v})"
        if kind == "float" and self.dialect == "sqlite":
            return f"TOTAL({v})"
        return f"SUM({self.text_hash(col)})"

    def row_sum(self, cols: list[str], kinds: dict[str, str]) -> str:
        """Sum of products of neighbouring column terms: nonlinear, so swapped values change it."""
        if not cols:
            return "0"
        terms = [self.term(c, kinds[c]) for c in cols]
        if len(terms) == 1:
            return f"SUM(({terms[0]}) * ({terms[0]}) % {P})"
        pairs = [f"({terms[i]}) * ({terms[i + 1]}) % {P}" for i in range(len(terms) - 1)]
        return f"SUM({' + '.join(pairs)})"

    def query(self, table: TableFingerprint, *, only: str | None = None) -> str:
        self.use(table)
        kinds = table.columns
        select = [self.q(c) for c in table.bucket]
        select.append("COUNT(*)")
        select += [self.column_sum(c, kinds[c], table.int_mod) for c in table.compared]
        select.append(self.row_sum(table.compared, kinds))
        sql = f"SELECT {', '.join(select)} FROM {self.q(table.name)}"
        conditions = [f"NOT ({table.where})"] if table.where else []
        if only:
            conditions.append(only)
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        if table.bucket:
            sql += " GROUP BY " + ", ".join(self.q(c) for c in table.bucket)
        return sql


def _crc(value: Any) -> int | None:
    if value is None:
        return None
    data = value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")
    return zlib.crc32(data) % P


def _prepare(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        raw.create_function("mlu_hash", 1, _crc, deterministic=True)
        # a 128 MB page cache lets GROUP BY sort in memory before spilling to temporary files (bounded)
        raw.execute("PRAGMA cache_size = -131072")


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
    columns = {c["name"]: _kind(c["type"]) for c in insp.get_columns(name)}
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
    if conn.dialect.name != "sqlite" or len(bucket) != 2 or bucket[1] != "key" or pk[:1] != ["key"]:
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
    """psycopg and pymysql read ``%`` as a placeholder even without parameters."""
    return sql if conn.dialect.name == "sqlite" else sql.replace("%", "%%")


def _fill(conn: Connection, sql: _Sql, table: TableFingerprint, engine: Engine | None = None) -> None:
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


def _aggregate(conn: Connection, sql: _Sql, table: TableFingerprint, engine: Engine | None) -> list[tuple]:
    """The table's per-bucket aggregates. A large SQLite table is cut into rowid ranges aggregated on one
    connection per core at once (sqlite3 releases the GIL while a query runs); every digest is a sum, so the
    ranges' results add up to the table's."""
    query = _escape(conn, sql.query(table))
    parts = _partitions(conn, table, query) if engine is not None else None
    if not parts:
        return [tuple(r) for r in conn.exec_driver_sql(query)]
    template = _escape(conn, sql.query(table, only=_PART))

    def run(part: str) -> list[tuple]:
        assert engine is not None
        with engine.connect() as other:
            _prepare(other)
            return [tuple(r) for r in other.exec_driver_sql(template.replace(_PART, part))]

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        return [row for rows in pool.map(run, parts) for row in rows]


def _partitions(conn: Connection, table: TableFingerprint, query: str) -> list[str] | None:
    """Rowid ranges, one per core, when the query has to sort; an index scan in bucket order is faster whole."""
    cores = min(os.cpu_count() or 1, 4)
    if conn.dialect.name != "sqlite" or cores < 2:
        return None
    plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + query))
    if "TEMP B-TREE" not in plan:
        return None
    try:
        lo, hi = conn.exec_driver_sql(f'SELECT MIN(_rowid_), MAX(_rowid_) FROM "{table.name}"').one()
    except sqlalchemy.exc.DBAPIError:  # a WITHOUT ROWID table
        return None
    if lo is None or hi - lo < PARALLEL_MIN_ROWS:
        return None
    step = (hi - lo) // cores + 1
    return [f"_rowid_ >= {lo + i * step} AND _rowid_ < {lo + (i + 1) * step}" for i in range(cores)]


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
        _prepare(conn)
        sql = _Sql(conn)
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


def _run(conn: Connection, sql: _Sql, specs: list[TableFingerprint], progress: Progress, engine: Engine) -> None:
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


# ---------------------------------------------------------------- comparing

def compare_fingerprints(before: Fingerprint, after_engine_or_fp: Engine | Fingerprint, *,
                         engine: Engine | None = None, before_engine: Engine | None = None,
                         limit: int = 1000) -> list[Difference]:
    """Every difference between ``before`` and a later state, with table, key and column.

    ``after_engine_or_fp`` is the later database (fingerprinted here with ``before``'s specification) or a
    fingerprint taken with it. ``engine`` (the later database) lets the comparison read current values of
    differing rows; ``before_engine`` (a backup of the earlier state) lets it name every differing row of a large
    table's bucket. At most ``limit`` differences are listed (the rest are counted in a last entry)."""
    if isinstance(after_engine_or_fp, Fingerprint):
        after = after_engine_or_fp
    else:
        engine = after_engine_or_fp
        after = take_fingerprint(engine, like=before)
    diffs: list[Difference] = []
    for name, table in before.tables.items():
        other = after.tables.get(name)
        if other is None:
            diffs.append(Difference(name, {}, "table-missing", detail=f"{table.rows} rows before"))
            continue
        diffs += _compare_table(table, other, before.dialect)
    if engine is not None or before_engine is not None:
        diffs = _drill_down(before, diffs, engine, before_engine, limit)
    if len(diffs) > limit:
        extra = len(diffs) - limit
        diffs = [*diffs[:limit], Difference("*", {}, "truncated", detail=f"{extra} more differences")]
    return diffs


def _compare_table(before: TableFingerprint, after: TableFingerprint, dialect: str) -> list[Difference]:
    if before.spec() != after.spec():
        missing = [c for c in before.compared if c not in after.compared]
        if missing and before.bucket == after.bucket:
            out = [Difference(before.name, {}, "column-missing", column=c) for c in missing]
            return out + _compare_buckets(before, after, [c for c in before.compared if c in after.compared],
                                          dialect)
        return [Difference(before.name, {}, "not-comparable",
                           detail="fingerprints taken with different specifications; compare against the database")]
    return _compare_buckets(before, after, before.compared, dialect) + _compare_cross(before, after)


def _compare_cross(before: TableFingerprint, after: TableFingerprint) -> list[Difference]:
    out = []
    for key in sorted(before.cross_buckets.keys() | after.cross_buckets.keys()):
        a, b = before.cross_buckets.get(key, 0), after.cross_buckets.get(key, 0)
        if a != b:
            out.append(Difference(before.name, dict(zip(before.cross, json.loads(key), strict=False)), "count",
                                  before=a, after=b, detail="rows of this key"))
    return out


def _compare_buckets(before: TableFingerprint, after: TableFingerprint, cols: list[str],
                     dialect: str) -> list[Difference]:
    out: list[Difference] = []
    index_b = {c: i + 1 for i, c in enumerate(before.compared)}
    index_a = {c: i + 1 for i, c in enumerate(after.compared)}
    full_row = cols == before.compared
    for key, digest in before.buckets.items():
        other = after.buckets.get(key)
        pk = dict(zip(before.bucket, json.loads(key), strict=False))
        if other is None:
            out.append(Difference(before.name, pk, "missing", detail=f"{digest[0]} row(s)"))
            continue
        if other == digest:
            continue
        if digest[0] != other[0]:
            out.append(Difference(before.name, pk, "count", before=digest[0], after=other[0]))
            continue
        changed = [c for c in cols if not _same(before.columns[c], digest[index_b[c]], other[index_a[c]])]
        for c in changed:
            single = digest[0] == 1 and _value_is_sum(before, c, dialect)
            out.append(Difference(before.name, pk, "changed", column=c,
                                  before=digest[index_b[c]] if single else None,
                                  after=other[index_a[c]] if single else None))
        if not changed and full_row and digest[-1] != other[-1]:
            out.append(Difference(before.name, pk, "changed", detail="values moved between rows of this key"))
    for key, digest in after.buckets.items():
        if key not in before.buckets:
            out.append(Difference(before.name, dict(zip(before.bucket, json.loads(key), strict=False)), "added",
                                  detail=f"{digest[0]} row(s)"))
    return out


def _same(kind: str, a: Any, b: Any) -> bool:
    if a == b:
        return True
    if isinstance(a, float) or isinstance(b, float):  # SQLite float totals: summation order may differ
        a, b = float(a), float(b)
        if not (math.isfinite(a) and math.isfinite(b)) or max(abs(a), abs(b)) > 1e300:
            # MLflow stores ±inf as ±1.797e308: their sums overflow or not depending on scan order. Such a
            # bucket's floats are left to the row checksum, which saturates each one to a distinct integer.
            return True
        return math.isclose(a, b, rel_tol=FLOAT_RTOL, abs_tol=0.0)
    return False


def _value_is_sum(table: TableFingerprint, col: str, dialect: str) -> bool:
    """Whether a one-row bucket's column checksum is the value itself (integers; floats on SQLite)."""
    kind = table.columns[col]
    return not table.int_mod and (kind == "int" or (kind == "float" and dialect == "sqlite"))


# ---------------------------------------------------------------- naming rows (drill-down)

def _drill_down(before: Fingerprint, diffs: list[Difference], engine: Engine | None,
                before_engine: Engine | None, limit: int) -> list[Difference]:
    """Fill in current (and, with a backup, earlier) values of differing rows."""
    out: list[Difference] = []
    for diff in diffs:
        table = before.tables.get(diff.table)
        if table is None or not diff.key or len(out) > limit:
            out.append(diff)
            continue
        if before_engine is not None and engine is not None and diff.kind in ("count", "changed") \
                and table.bucket != _row_key(table.pk, table.columns):
            out += _row_diff(table, diff, before_engine, engine) or [diff]
            continue
        if engine is not None and diff.kind == "changed" and diff.column:
            values = _fetch(engine, table, diff.key, [diff.column])
            if len(values) == 1:
                diff.after = norm(values[0][0])
        out.append(diff)
    return out


def _fetch(engine: Engine, table: TableFingerprint, key: dict[str, Any], cols: list[str]) -> list[tuple]:
    q = engine.dialect.identifier_preparer.quote
    conditions = " AND ".join(f"{q(c)} = :k{i}" if v is not None else f"{q(c)} IS NULL"
                              for i, (c, v) in enumerate(key.items()))
    sql = f"SELECT {', '.join(q(c) for c in cols)} FROM {q(table.name)} WHERE {conditions}"
    params = {f"k{i}": v for i, v in enumerate(key.values()) if v is not None}
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sqlalchemy.text(sql), params)]


def _row_diff(table: TableFingerprint, diff: Difference, before_engine: Engine,
              engine: Engine) -> list[Difference]:
    keyed = [c for c in _row_key(table.pk, table.columns) if c not in table.bucket]
    cols = keyed + [c for c in table.compared if c not in keyed]

    def rows(eng: Engine) -> dict[tuple, tuple]:
        return {tuple(norm(v) for v in r[:len(keyed)]): tuple(norm(v) for v in r[len(keyed):])
                for r in _fetch(eng, table, diff.key, cols)}

    old, new = rows(before_engine), rows(engine)
    out = []
    value_cols = cols[len(keyed):]
    for k in sorted(old.keys() | new.keys(), key=repr):
        key = {**diff.key, **dict(zip(keyed, k, strict=False))}
        if k not in new:
            out.append(Difference(table.name, key, "missing"))
        elif k not in old:
            out.append(Difference(table.name, key, "added"))
        else:
            for c, a, b in zip(value_cols, old[k], new[k], strict=False):
                if a != b:
                    out.append(Difference(table.name, key, "changed", column=c, before=a, after=b))
    return out

