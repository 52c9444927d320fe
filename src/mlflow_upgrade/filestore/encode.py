"""Metric rows encoded, in the reader processes, into what the destination's writer sends as is.

Turning two million Python tuples into driver calls is most of the writer's CPU; the readers run on the
other cores, so they do it: the writer only joins finished pieces.

* ``flat`` (SQLite): the row values in one flat list, cut by the writer into multi-row ``INSERT`` parameter
  lists; a flat list of scalars also crosses the process boundary at half the cost of a list of tuples.
* ``pgcopy`` (PostgreSQL, psycopg 3): ``COPY ... FROM STDIN`` text-format lines. Floats are written with
  ``repr`` (shortest string that reads back to the same double), which PostgreSQL's ``float8in`` reads back
  exactly.
* ``mysql`` (MariaDB/MySQL): the ``(...), (...)`` part of a multi-row ``INSERT``, escaped as PyMySQL escapes
  (its own escape table), floats as ``repr`` + ``e0`` (a DOUBLE literal, as PyMySQL writes them).
* ``rows``: the tuples themselves (other drivers).
"""

from __future__ import annotations

import itertools
from typing import Any

FORMATS = ("flat", "pgcopy", "mysql", "rows")

_PG_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# PyMySQL's escape_string table (pymysql.converters._escape_table), without importing the driver here.
_MYSQL_ESCAPES = str.maketrans({"\0": "\\0", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\032": "\\Z", '"': '\\"',
                                "'": "\\'"})


def metric_format(dialect: str, driver: str) -> str:
    if dialect == "sqlite":
        return "flat"
    if dialect == "postgresql" and driver == "psycopg":
        return "pgcopy"
    if dialect == "mysql" and driver == "pymysql":
        return "mysql"
    return "rows"


def encode_rows(fmt: str, rows: list[tuple]) -> Any:
    """``rows`` of (key, value, timestamp, step, is_nan, run_uuid) in ``fmt``."""
    if fmt == "flat":
        return list(itertools.chain.from_iterable(rows))
    if fmt == "pgcopy":
        return "".join([_pg_line(r) for r in rows]).encode()
    if fmt == "mysql":
        return ",".join([_mysql_tuple(r) for r in rows]).encode()
    return rows


def _pg_line(row: tuple) -> str:
    key, value, ts, step, is_nan, run_uuid = row
    return (f"{key.translate(_PG_COPY_ESCAPES)}\t{value!r}\t{ts}\t{step}\t{'t' if is_nan else 'f'}\t"
            f"{run_uuid.translate(_PG_COPY_ESCAPES)}\n")


def _mysql_float(value: float) -> str:
    text = repr(value)
    return text if "e" in text else text + "e0"


def _mysql_tuple(row: tuple) -> str:
    key, value, ts, step, is_nan, run_uuid = row
    return (f"('{key.translate(_MYSQL_ESCAPES)}',{_mysql_float(value)},{ts},{step},{1 if is_nan else 0},"
            f"'{run_uuid.translate(_MYSQL_ESCAPES)}')")
