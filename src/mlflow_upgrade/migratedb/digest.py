"""A digest of a table's rows that compares across dialects.

``verify``'s fingerprints are SQL aggregates computed by each database (``hashtext`` on PostgreSQL, ``CRC32`` on
MySQL, ``total()`` on SQLite) and so compare only on one dialect. Here every row is normalised in Python to
what it means, whatever driver read it:

* integers and booleans → ``int`` (PostgreSQL ``True``, MySQL/SQLite ``1``);
* floats → ``float`` (exact: ``repr`` round-trips every double, NaN and ±inf included, -0.0 kept);
* dates and datetimes → ISO text (SQLite keeps them as text, the servers as objects);
* bytes/memoryview → ``bytes``; text and JSON → ``str``; ``Decimal`` → its normalised text;

then hashed (BLAKE2b, 64 bits) and summed modulo 2^64 with the row count: equal digests mean equal multisets
of rows, in any order (collations order rows differently on each server). The source side is accumulated while
the rows are copied (same snapshot, no second read) and saved with each checkpoint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

MOD = 1 << 64

Normaliser = Callable[[Any], Any] | None


def _int(value: Any) -> Any:
    return None if value is None else int(value)


def _float(value: Any) -> Any:
    return None if value is None else float(value)


def _when(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.replace("T", " ")
        try:
            value = dt.datetime.fromisoformat(text) if " " in text else dt.date.fromisoformat(text)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.isoformat(" ", "microseconds")
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _bytes(value: Any) -> Any:
    return None if value is None else bytes(value)


def _text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).decode("utf-8", "surrogateescape")
    if isinstance(value, Decimal):
        return str(value.normalize())
    return str(value)


def _float_unsigned_zero(value: Any) -> Any:
    return None if value is None else float(value) + 0.0  # -0.0 + 0.0 == +0.0


def normaliser(sql_type: Any, fold_negative_zero: bool = False) -> Normaliser:
    """How a column's raw values are normalised (None: already the same on every driver). ``fold_negative_zero``:
    the other side cannot keep -0.0, so it counts as 0.0 (and is reported)."""
    if isinstance(sql_type, (sa.Boolean, sa.Integer)):
        return _int
    if isinstance(sql_type, sa.Float):
        return _float_unsigned_zero if fold_negative_zero else _float
    if isinstance(sql_type, (sa.DateTime, sa.Date)):
        return _when
    if isinstance(sql_type, sa.LargeBinary):
        return _bytes
    return _text


class RowDigest:
    """Accumulates the digest of rows read in ``columns`` order."""

    def __init__(self, types: Sequence[Any], start: int = 0, fold_negative_zero: bool = False) -> None:
        self.normalisers = [normaliser(t, fold_negative_zero) for t in types]
        self.value = start

    def add(self, rows: Iterable[Sequence[Any]]) -> None:
        norms = self.normalisers
        total = self.value
        blake = hashlib.blake2b
        for row in rows:
            values = tuple(n(v) if n is not None else v for n, v in zip(norms, row, strict=True))
            total += int.from_bytes(blake(repr(values).encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                                    "little")
        self.value = total % MOD
