"""A digest of a table's rows that compares across dialects.

``verify``'s fingerprints are SQL aggregates computed by each database (``hashtext`` on PostgreSQL, ``CRC32`` on
MySQL, ``total()`` on SQLite) and so compare only on one dialect. Here every row is normalised in Python to
what it means, whatever driver read it:

* integers and booleans → ``int`` (PostgreSQL ``True``, MySQL/SQLite ``1``);
* floats → ``float`` (exact: hashed as their 8 bytes, NaN and ±inf included, -0.0 kept);
* dates and datetimes → ISO text (SQLite keeps them as text, the servers as objects);
* bytes/memoryview → ``bytes``; text and JSON → ``str``; ``Decimal`` → its normalised text;

then hashed (CRC-32 and Adler-32 of its ``marshal`` bytes: 64 bits) and summed modulo 2^64 with the row count: equal digests mean equal multisets
of rows, in any order (collations order rows differently on each server). The source side is accumulated while
the rows are copied (same snapshot, no second read) and saved with each checkpoint.
"""

from __future__ import annotations

import datetime as dt
import marshal
import zlib
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
    """Accumulates the digest of rows read in ``columns`` order.

    Per row: one generated function builds the normalised tuple (only the columns that need it are touched),
    ``marshal`` format 2 turns it into bytes (by value only: no object references or interning flags, floats
    as their 8 bytes), and CRC-32 and Adler-32 of those bytes make a 64-bit value, all in C: about 1 µs a row
    instead of 7 µs for a generic loop, ``repr`` and BLAKE2b. They detect copy errors, not adversaries."""

    def __init__(self, types: Sequence[Any], start: int = 0, fold_negative_zero: bool = False) -> None:
        self.normalisers = [normaliser(t, fold_negative_zero) for t in types]
        self.value = start
        self._row = _row_function(self.normalisers)

    def add(self, rows: Iterable[Sequence[Any]]) -> None:
        row, crc, adler, dumps = self._row, zlib.crc32, zlib.adler32, marshal.dumps
        total = self.value
        for values in rows:
            data = dumps(row(values), 2)
            total += (crc(data) << 32) | adler(data)
        self.value = total % MOD


# normalisers that leave a value of this exact class as it is (bool is not int: PostgreSQL's booleans are converted)
_ALREADY: dict[Callable[[Any], Any], str] = {_int: "int", _float: "float", _text: "str"}


def _row_function(normalisers: list[Normaliser]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """``lambda r: (r[0], n1(r[1]), ...)`` for these normalisers (a generated expression: no per-value loop)."""
    env: dict[str, Any] = {f"n{i}": n for i, n in enumerate(normalisers) if n is not None}
    parts = []
    for i, n in enumerate(normalisers):
        already = _ALREADY.get(n)  # type: ignore[arg-type]
        if n is None:
            parts.append(f"r[{i}]")
        elif already is not None:  # most values already have their normal type: a class check, no call
            parts.append(f"(r[{i}] if r[{i}].__class__ is {already} else n{i}(r[{i}]))")
        else:
            parts.append(f"n{i}(r[{i}])")
    return eval(f"lambda r: ({', '.join(parts)},)", env)  # built from column indexes only
