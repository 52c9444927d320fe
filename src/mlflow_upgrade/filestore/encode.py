"""Metric points encoded, in the reader processes, into what the destination's writer sends as is.

Turning two million points into driver calls is most of the writer's CPU; the readers run on the other
cores, so they do it, one metric (:class:`~.reader.Series`) at a time with C-level ``map``/slice operations
(the key and run id are escaped once per metric, not per point): the writer only joins finished pieces.

* ``flat`` (SQLite): the row values in one flat list, cut by the writer into multi-row ``INSERT`` parameter
  lists; a flat list of scalars also crosses the process boundary at half the cost of a list of tuples.
* ``pgbinary`` (PostgreSQL, psycopg 3): ``COPY ... FROM STDIN (FORMAT BINARY)`` tuples: each field its
  length and its bytes, numbers big-endian. A double goes as its 8 bytes (exact by construction: no
  ``repr``, no ``float8in``); this costs the reader a fifth of the CPU of COPY's text format (which was
  almost half of the reader's) and the server's COPY a third less. The types must be the metrics table's
  (VARCHAR, DOUBLE PRECISION, BIGINT, BIGINT, BOOLEAN, VARCHAR): the server refuses another field length.
* ``values`` (MariaDB/MySQL): the ``(...), (...)`` part of a multi-row ``INSERT``, strings escaped with
  PyMySQL's escape table, floats in exponent form with 17 significant digits (``.16e``): an
  approximate-value (DOUBLE) literal, and 17 digits always read back to the same double.
* ``tsv`` (MariaDB/MySQL, when the server allows ``LOAD DATA LOCAL``): tab-separated lines in the columns'
  order, ``LOAD DATA``'s default escapes, floats with ``repr`` (the server's ``strtod`` reads them back
  exactly), ``is_nan`` as 1/0.
* ``rows``: (key, value, timestamp, step, is_nan, run_uuid) tuples (other drivers).

For ``pgbinary``, ``tsv`` and ``values`` a run's points are encoded metric by metric as the reader parses them
(:class:`RunPoints`), in pieces of at most ``SLICE_POINTS`` points; past ``SPILL_BYTES`` a run's pieces go to
a private temporary file (:class:`Spooled`) that the writer streams. So a run of millions of points costs
neither the reader nor the writer its whole size in memory, and no MariaDB statement outgrows the server's
``max_allowed_packet`` (16 MB by default).
"""

from __future__ import annotations

import array
import itertools
import os
import struct
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from mlflow_upgrade.filestore.reader import Series

WIDTH = 6  # columns of a metrics row
SLICE_POINTS = 20_000  # points per encoded piece: ~1.5 MB of MariaDB VALUES text
SPILL_BYTES = 4 << 20  # a run's encoded points beyond this size go to a temporary file
STREAMED = ("pgbinary", "tsv", "values")  # the formats RunPoints collects (the dialects choose one: metric_format)

# A binary COPY tuple of metrics (COLUMNS order) from the value to the is_nan flag, the field lengths included
_PG_MIDDLE = struct.Struct(">d4sq4sq4s?")
_PG_8, _PG_1 = struct.pack(">i", 8), struct.pack(">i", 1)
_PG_STRIDED_POINTS = 48  # from this many points a metric's tuples are written column by column
# LOAD DATA's escapes (ESCAPED BY '\\'): also NUL, which it reads back from \0
_MYSQL_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0"})
# PyMySQL's escape_string table (pymysql.converters._escape_table), without importing the driver here.
_MYSQL_ESCAPES = str.maketrans({"\0": "\\0", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\032": "\\Z", '"': '\\"',
                                "'": "\\'"})


def encode(fmt: str, run_uuid: str, metrics: list[Series]) -> Any:
    """A run's metric points in ``fmt`` (a :class:`Spooled` file for a large run in a streamed format)."""
    if fmt == "flat":
        return flat(run_uuid, metrics)
    if fmt in STREAMED:
        points = RunPoints(fmt)
        for series in metrics:
            points.add(run_uuid, series)
        return points.finish()
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


def _pg_binary(run_uuid: str, s: Series) -> bytes:
    """(key, value, timestamp, step, is_nan, run_uuid) tuples of COPY's binary format, the key and run id
    encoded once per metric. A short metric: one ``struct`` call per point; a longer one (5× faster per point
    at 200 points): its tuples with the key and run id repeated, each number column then written into them
    byte by byte with strided slice assignments (C loops), from an ``array`` turned big-endian."""
    key, run = s.key.encode(), run_uuid.encode()
    head = struct.pack(">hi", WIDTH, len(key)) + key + _PG_8
    tail = struct.pack(">i", len(run)) + run
    n = len(s.values)
    if n < _PG_STRIDED_POINTS:
        pack = _PG_MIDDLE.pack
        nans = [False] * n if s.is_nan is None else s.is_nan
        return b"".join([head + pack(value, _PG_8, stamp, _PG_8, step, _PG_1, nan) + tail
                         for value, stamp, step, nan in zip(s.values, s.timestamps, s.steps, nans, strict=True)])
    row = head + _PG_MIDDLE.pack(0.0, _PG_8, 0, _PG_8, 0, _PG_1, False) + tail
    size = len(row)
    out = bytearray(row * n)
    at = len(head)
    for code, column in (("d", s.values), ("q", s.timestamps), ("q", s.steps)):
        numbers = array.array(code, column)
        if sys.byteorder == "little":
            numbers.byteswap()
        raw = numbers.tobytes()
        for byte in range(8):
            out[at + byte::size] = raw[byte::8]
        at += 12  # the 8 bytes, then the next field's length
    if s.is_nan is not None:
        out[at::size] = bytes(s.is_nan)
    return bytes(out)


def _mysql_tsv(run_uuid: str, s: Series) -> str:
    line = (f"{_braces(s.key.translate(_MYSQL_TSV_ESCAPES))}\t{{!r}}\t{{}}\t{{}}\t{{}}\t"
            f"{_braces(run_uuid.translate(_MYSQL_TSV_ESCAPES))}\n")
    return "".join(map(line.format, s.values, s.timestamps, s.steps, _nan_column(s, "1", "0")))


_ENCODERS: dict[str, Callable[[str, Series], bytes | str]] = {"pgbinary": _pg_binary, "tsv": _mysql_tsv}


def _mysql_values(run_uuid: str, s: Series) -> str:
    row = (f"('{_braces(s.key.translate(_MYSQL_ESCAPES))}',{{:.16e}},{{}},{{}},{{}},"
           f"'{_braces(run_uuid.translate(_MYSQL_ESCAPES))}')")
    return ",".join(map(row.format, s.values, s.timestamps, s.steps, _nan_column(s, "1", "0")))


class Spooled(NamedTuple):
    """A run's encoded points in a temporary file (owner-only): ``pgbinary`` tuples or ``tsv`` lines as COPY or LOAD
    DATA take them, or one ``values`` piece per line (the escaped VALUES text holds no raw newline). The writer removes it once the
    transaction holding the run is committed (a rolled-back transaction is written again from it)."""

    path: str
    fmt: str

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """``pgbinary``, ``tsv``: the file in blocks; ``values``: one piece at a time."""
        with open(self.path, "rb") as fh:
            if self.fmt == "values":
                for line in fh:
                    yield line.rstrip(b"\n")
            else:
                while block := fh.read(size):
                    yield block

    def remove(self) -> None:
        Path(self.path).unlink(missing_ok=True)


class RunPoints:
    """One run's metric points encoded (``pgbinary``, ``tsv`` or ``values``) as each metric is parsed: in memory up to
    ``SPILL_BYTES``, then in a :class:`Spooled` file. :meth:`finish` gives what the writer takes."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.pieces: list[bytes] = []
        self.size = 0
        self.file: Any = None
        self.path = ""

    def add(self, run_uuid: str, series: Series) -> None:
        for part in _slices(series):
            encoded = _ENCODERS.get(self.fmt, _mysql_values)(run_uuid, part)
            piece = encoded if isinstance(encoded, bytes) else encoded.encode()
            if not piece:
                continue
            if self.file is not None:
                self._write(piece)
                continue
            self.pieces.append(piece)
            self.size += len(piece)
            if self.size > SPILL_BYTES:
                self._spill()

    def finish(self) -> bytes | Spooled:
        if self.file is not None:
            self.file.close()
            return Spooled(self.path, self.fmt)
        return (b"," if self.fmt == "values" else b"").join(self.pieces)

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
            Spooled(self.path, self.fmt).remove()

    def _spill(self) -> None:
        fd, self.path = tempfile.mkstemp(prefix="mlflow-upgrade-spool-")  # mode 0600
        self.file = os.fdopen(fd, "wb")
        for piece in self.pieces:
            self._write(piece)
        self.pieces, self.size = [], 0

    def _write(self, piece: bytes) -> None:
        self.file.write(piece)
        if self.fmt == "values":
            self.file.write(b"\n")


def _slices(series: Series) -> Iterator[Series]:
    n = len(series.values)
    if n <= SLICE_POINTS:
        yield series
        return
    for i in range(0, n, SLICE_POINTS):
        j = i + SLICE_POINTS
        yield Series(series.key, series.values[i:j], series.timestamps[i:j], series.steps[i:j],
                     None if series.is_nan is None else series.is_nan[i:j])
