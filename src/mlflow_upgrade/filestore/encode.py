"""Metric points encoded, in the reader processes, into what the destination's writer sends as is.

Turning two million points into driver calls is most of the writer's CPU; the readers run on the other
cores, so they do it, one metric (:class:`~.reader.Series`) at a time with C-level ``map``/slice operations
(the key and run id are escaped once per metric, not per point): the writer only joins finished pieces.

* ``flat`` (SQLite): the row values in one flat list, cut by the writer into multi-row ``INSERT`` parameter
  lists; a flat list of scalars also crosses the process boundary at half the cost of a list of tuples.
* ``pgcopy`` (PostgreSQL, psycopg 3): ``COPY ... FROM STDIN`` text-format lines. Floats are written with
  ``repr`` (the shortest string that reads back to the same double), which PostgreSQL's ``float8in`` reads
  back exactly.
* ``mysql`` (MariaDB/MySQL): the ``(...), (...)`` part of a multi-row ``INSERT``, strings escaped with
  PyMySQL's escape table, floats in exponent form with 17 significant digits (``.16e``): an
  approximate-value (DOUBLE) literal, and 17 digits always read back to the same double.
* ``rows``: (key, value, timestamp, step, is_nan, run_uuid) tuples (other drivers).
"""

from __future__ import annotations

import itertools
from typing import Any

from mlflow_upgrade.filestore.reader import Series

WIDTH = 6  # columns of a metrics row

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


def encode(fmt: str, run_uuid: str, metrics: list[Series]) -> Any:
    """A run's metric points in ``fmt``."""
    if fmt == "flat":
        return flat(run_uuid, metrics)
    if fmt == "pgcopy":
        return "".join([_pg_copy(run_uuid, s) for s in metrics]).encode()
    if fmt == "mysql":
        return ",".join([_mysql_values(run_uuid, s) for s in metrics if s.values]).encode()
    return [row for s in metrics for row in s.rows(run_uuid)]


def flat(run_uuid: str, metrics: list[Series]) -> list[Any]:
    """(key, value, timestamp, step, is_nan, run_uuid) of every point, in one flat list."""
    out: list[Any] = []
    for s in metrics:
        n = len(s.values)
        block: list[Any] = [None] * (WIDTH * n)
        block[0::WIDTH] = [s.key] * n
        block[1::WIDTH] = s.values
        block[2::WIDTH] = s.timestamps
        block[3::WIDTH] = s.steps
        block[4::WIDTH] = s.is_nan if s.is_nan is not None else [False] * n
        block[5::WIDTH] = [run_uuid] * n
        out += block
    return out


def _braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _nan_column(s: Series, true: str, false: str) -> Any:
    return itertools.repeat(false) if s.is_nan is None else [true if x else false for x in s.is_nan]


def _pg_copy(run_uuid: str, s: Series) -> str:
    line = (f"{_braces(s.key.translate(_PG_COPY_ESCAPES))}\t{{!r}}\t{{}}\t{{}}\t{{}}\t"
            f"{_braces(run_uuid.translate(_PG_COPY_ESCAPES))}\n")
    return "".join(map(line.format, s.values, s.timestamps, s.steps, _nan_column(s, "t", "f")))


def _mysql_values(run_uuid: str, s: Series) -> str:
    row = (f"('{_braces(s.key.translate(_MYSQL_ESCAPES))}',{{:.16e}},{{}},{{}},{{}},"
           f"'{_braces(run_uuid.translate(_MYSQL_ESCAPES))}')")
    return ",".join(map(row.format, s.values, s.timestamps, s.steps, _nan_column(s, "1", "0")))
