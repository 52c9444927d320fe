"""The per-dialect SQL of a fingerprint (``upgrade/verify/fingerprint`` builds its queries from these).

Each dialect class inherits the mixin for its server: casts, the exact text hash, the cheap per-row terms,
session setup and parallel range reads. What a fingerprint *is* (buckets, digests, comparison) stays in
``upgrade/verify/fingerprint``; only what differs per database lives here.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import sqlalchemy.exc
from sqlalchemy.engine import Connection

from mlflow_upgrade import errors


class FingerprintSql:
    """Generic defaults: floats and text hashed as text, no casts of text, nothing to set up per session."""

    name: str = ""
    # CAST target per column kind ("int", "float", "str") when a column's type changed since the spec was made
    fingerprint_types: ClassVar[Mapping[str, str]] = {"int": "BIGINT", "float": "DOUBLE PRECISION", "str": "TEXT"}
    # True where a text column whose declared type changed must be cast to compare as text (SQLite: affinity)
    fingerprint_casts_text: bool = False
    # True where a boolean column cannot be summed or taken modulo as is (PostgreSQL)
    fingerprint_casts_booleans: bool = False
    # True where float columns are checksummed by their (approximate) sum, not by an exact text hash
    fingerprint_sums_floats: bool = False
    # True where a metric-like table is cheapest bucketed by its key index alone (see take._cross_bucket)
    fingerprint_key_index_buckets: bool = False

    def fingerprint_text_hash(self, quoted: str, modulus: int) -> str:
        """An exact hash of a value's text, as an integer below ``modulus``."""
        raise errors.UsageError(f"fingerprints are not implemented for {self.name}")

    def fingerprint_row_term(self, value: str, kind: str, modulus: int) -> str | None:
        """A cheaper per-row term than the text hash for the row checksum, or None (use the text hash)."""
        return None

    def fingerprint_float_sum(self, value: str) -> str | None:
        """The column checksum of a float column when floats are summed (``fingerprint_sums_floats``)."""
        return None

    def prepare_fingerprint_session(self, conn: Connection, text_hash: Callable[[Any], int | None]) -> None:
        """Session setup before fingerprint queries (``text_hash`` is the function a SQL hash may call)."""

    def fingerprint_ranges(self, conn: Connection, table: str, query: str, min_rows: int,
                           column: str | None = None) -> list[str] | None:
        """WHERE conditions splitting ``table`` into one range per core, aggregated at once, or None (whole);
        ``column``: the leading bucket column."""
        return None


class PostgresFingerprintSql(FingerprintSql):
    fingerprint_casts_booleans = True

    def fingerprint_text_hash(self, quoted: str, modulus: int) -> str:
        return f"CAST(hashtext(CAST({quoted} AS TEXT)) AS BIGINT)"


class MySQLFingerprintSql(FingerprintSql):
    fingerprint_types: ClassVar[Mapping[str, str]] = {"int": "SIGNED", "float": "DOUBLE", "str": "CHAR"}

    def fingerprint_text_hash(self, quoted: str, modulus: int) -> str:
        return f"(CRC32(CAST({quoted} AS CHAR)) % {modulus})"


SQLITE_HASH_FUNCTION = "mlu_hash"


class SQLiteFingerprintSql(FingerprintSql):
    fingerprint_types: ClassVar[Mapping[str, str]] = {"int": "INTEGER", "float": "REAL", "str": "TEXT"}
    fingerprint_casts_text = True
    fingerprint_sums_floats = True
    fingerprint_key_index_buckets = True

    def fingerprint_text_hash(self, quoted: str, modulus: int) -> str:
        return f"{SQLITE_HASH_FUNCTION}({quoted})"  # registered per connection (prepare_fingerprint_session)

    def fingerprint_row_term(self, value: str, kind: str, modulus: int) -> str | None:
        if kind == "float":
            return f"(CAST({value} * 1048576.0 AS INTEGER) % {modulus})"
        if kind == "str":
            # a Python call per row is the expensive part on SQLite: the column checksum hashes the text
            # exactly; the row checksum only needs to see values moving between rows
            return f"(length({value}) * 40503 + unicode({value}))"
        return None

    def fingerprint_float_sum(self, value: str) -> str | None:
        return f"TOTAL({value})"

    def prepare_fingerprint_session(self, conn: Connection, text_hash: Callable[[Any], int | None]) -> None:
        raw = conn.connection.driver_connection
        raw.create_function(SQLITE_HASH_FUNCTION, 1, text_hash, deterministic=True)
        # 16 MB of page cache (it also bounds the GROUP BY sorter's memory before it spills to temporary
        # files): a scan fills whatever cache it is given, and 128 MB per connection (two range connections,
        # the parent and the backup's child) put a 2 M-row upgrade at 375 MB; same CPU time (measured)
        raw.execute("PRAGMA cache_size = -16384")

    def fingerprint_ranges(self, conn: Connection, table: str, query: str, min_rows: int,
                           column: str | None = None) -> list[str] | None:
        """Conditions splitting ``table`` into one part per core, each aggregated on its own connection at once
        (sqlite3 releases the GIL while a query runs, so threads use the cores): rowid ranges when the query
        has to sort; two ranges of ``column`` (the leading bucket column) when it scans an index in bucket
        order, so each half scans its own stretch of the index (20 M metric rows: 9.4 s whole, 6.6 s split)."""
        cores = min(os.cpu_count() or 1, 4)
        if cores < 2:
            return None
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + query))
        quoted = conn.dialect.identifier_preparer.quote(table)
        try:
            lo, hi = conn.exec_driver_sql(  # one MIN or MAX per SELECT: each from the b-tree's end, no scan
                f"SELECT (SELECT MIN(_rowid_) FROM {quoted}), (SELECT MAX(_rowid_) FROM {quoted})").one()
        except sqlalchemy.exc.DBAPIError:  # a WITHOUT ROWID table
            return None
        if lo is None or hi - lo < min_rows:
            return None
        if "TEMP B-TREE" in plan:
            step = (hi - lo) // cores + 1
            return [f"_rowid_ >= {lo + i * step} AND _rowid_ < {lo + (i + 1) * step}" for i in range(cores)]
        if column is None or "INDEX" not in plan:
            return None
        return _value_ranges(conn, quoted, conn.dialect.identifier_preparer.quote(column), lo, hi)


_SAMPLE = 1000  # rows sampled to place the boundaries of the value ranges


def _value_ranges(conn: Connection, table: str, column: str, lo: int, hi: int) -> list[str] | None:
    """``column IS NULL``, ``column < b`` and ``column >= b``, with ``b`` the middle of a random sample of rows
    (by rowid, so no scan) in the database's own order. One boundary only: ``x < b`` and ``x >= b`` are
    complements in SQLite's total order of all values whatever the column's collation, so the three parts
    hold every row exactly once (two boundaries could cross under a collation Python does not know)."""
    rowids = ", ".join(str(random.randint(lo, hi)) for _ in range(_SAMPLE))
    sample = [r[0] for r in conn.exec_driver_sql(
        f"SELECT {column} FROM {table} WHERE _rowid_ IN ({rowids}) AND {column} IS NOT NULL ORDER BY 1")]
    # the first value from the middle on that differs from the smallest: "< b" is then never empty
    bound = next((v for v in sample[len(sample) // 2:] if v != sample[0]), None)
    literal = _sql_literal(bound) if bound is not None else None
    if literal is None:
        return None
    return [f"{column} IS NULL", f"{column} < {literal}", f"{column} >= {literal}"]


def _sql_literal(value: Any) -> str | None:
    """``value`` (read from a possibly hostile store) as an SQLite literal, or None when it cannot be one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return None if "\x00" in value else "'" + value.replace("'", "''") + "'"
    if isinstance(value, bytes):
        return f"X'{value.hex()}'"
    return None
