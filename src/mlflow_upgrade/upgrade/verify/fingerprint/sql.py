"""The SQL that computes a fingerprint's digests inside each database (PostgreSQL, MySQL/MariaDB, SQLite)."""

from __future__ import annotations

import zlib
from typing import Any

import sqlalchemy
from sqlalchemy.engine import Connection

from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.upgrade.verify.fingerprint.model import TableFingerprint

P = 2147483647  # 2^31 - 1: per-row terms stay below 2^31, products below 2^62 (no BIGINT overflow anywhere)
# Multipliers of the per-row mix (small primes: K * term < 2^51).
_K = (1000003, 69069, 40503, 65537, 92821, 12289, 24593, 49157, 98317, 196613, 393241, 786433, 3145739)


def column_kind(sql_type: Any) -> str:
    if isinstance(sql_type, (sqlalchemy.Integer, sqlalchemy.Boolean)):
        return "int"
    if isinstance(sql_type, sqlalchemy.Float):  # FLOAT, REAL, DOUBLE (PRECISION) on every dialect
        return "float"
    return "str"  # text, and DECIMAL (hashed as its exact text)


class Sql:
    """Builds the per-bucket aggregate query for one table on one dialect.

    Casts and NULL handling are added only where the current column needs them (a type that changed since
    the fingerprint's spec was made, a nullable column): each one costs about 5 % on SQLite."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = get_dialect(conn.dialect.name)  # its casts and hashes (dialects/fingerprint.py)
        self.q = conn.dialect.identifier_preparer.quote
        self.now: dict[str, str] = {}
        self.nullable: dict[str, bool] = {}
        self.boolean: set[str] = set()

    def use(self, table: TableFingerprint) -> None:
        cols = sqlalchemy.inspect(self.conn).get_columns(table.name)
        self.now = {c["name"]: column_kind(c["type"]) for c in cols}
        self.nullable = {c["name"]: bool(c.get("nullable", True)) for c in cols}
        self.boolean = {c["name"] for c in cols if isinstance(c["type"], sqlalchemy.Boolean)}

    def _val(self, col: str, kind: str) -> str:
        c = self.q(col)
        if col in self.boolean and self.dialect.fingerprint_casts_booleans:
            return f"CAST({c} AS INTEGER)"  # PostgreSQL cannot sum or take the modulo of a boolean
        if self.now.get(col) == kind or (kind == "str" and not self.dialect.fingerprint_casts_text):
            return c
        return f"CAST({c} AS {self.dialect.fingerprint_types[kind]})"

    def term(self, col: str, kind: str) -> str:
        """A per-row integer in (-P, P) for one column value, for the row checksum."""
        v = self._val(col, kind)
        if kind == "int":
            expr = f"({v} % {P})"
        else:
            expr = self.dialect.fingerprint_row_term(v, kind, P) or self.text_hash(col)
        return f"COALESCE({expr}, 7919)" if self.nullable.get(col, True) else expr

    def text_hash(self, col: str) -> str:
        return self.dialect.fingerprint_text_hash(self.q(col), P)

    def column_sum(self, col: str, kind: str, int_mod: bool) -> str:
        v = self._val(col, kind)
        if kind == "int":
            return f"SUM({v} % {P})" if int_mod else f"SUM({v})"
        if kind == "float" and self.dialect.fingerprint_sums_floats:
            return self.dialect.fingerprint_float_sum(v) or f"SUM({v})"
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


def prepare(conn: Connection) -> None:
    get_dialect(conn.dialect.name).prepare_fingerprint_session(conn, _crc)
