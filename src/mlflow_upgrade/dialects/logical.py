"""The logical dump: every table streamed through SQLAlchemy into one gzip-compressed JSON-lines file.

Used when a server's native dump tool is missing or incompatible, and on demand (``--method logical``).

File layout (one JSON value per line):
    {"format": "mlflow-upgrade-logical", "version": 1, "dialect": ..., "schema": {"pre": [...], "post": [...]}}
    {"table": "<name>", "columns": [...]}       then lines of up to 5000 rows (an array of arrays), then
    {"end": "<name>", "rows": <n>}              ... for every table, then
    {"eof": true, "row_counts": {...}}

Values keep their exact type: JSON numbers for ints (any size) and floats (``repr`` round-trips every double;
NaN/Infinity use Python's JSON extension), strings, null, true/false; everything else is a one-key object
tagged ``$b`` (bytes, base64), ``$dt``/``$d``/``$t`` (datetime/date/time, ISO), ``$td`` (timedelta seconds),
``$n`` (Decimal as text). Rows are read with the driver's raw values (no SQLAlchemy type processing) and written
back the same way, so nothing is converted twice. The schema is captured as SQL statements of the same dialect
("pre": tables before the rows are loaded; "post": indexes, foreign keys, sequence positions after).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import gzip
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from mlflow_upgrade import errors, safe_files
from mlflow_upgrade.dialects import Dialect, NativeResult
from mlflow_upgrade.dialects.tools import is_disk_full
from mlflow_upgrade.progress import Progress, ProgressTask

FORMAT = "mlflow-upgrade-logical"
VERSION = 1
BATCH_ROWS = 5000


def _default(value: Any) -> Any:
    """JSON for the values JSON has no type for (called by ``json.dumps`` only for those)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$t": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$td": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, decimal.Decimal):
        return {"$n": str(value)}
    raise TypeError(f"cannot store a value of type {type(value).__name__}")


_DECODERS = {
    "$b": lambda v: base64.b64decode(v),
    "$dt": dt.datetime.fromisoformat,
    "$d": dt.date.fromisoformat,
    "$t": dt.time.fromisoformat,
    "$td": lambda v: dt.timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
    "$n": decimal.Decimal,
}


def _decode_row(row: list[Any]) -> tuple[Any, ...]:
    for i, value in enumerate(row):
        if type(value) is dict:
            ((tag, payload),) = value.items()
            row[i] = _DECODERS[tag](payload)
    return tuple(row)


def _line(obj: Any) -> bytes:
    return (json.dumps(obj, separators=(",", ":"), default=_default) + "\n").encode("utf-8")


class _Bars:
    """One bar over the tables, and one per table that has rows (empty tables only advance the first)."""

    def __init__(self, progress: Progress, verb: str, tables: int) -> None:
        self.progress, self.verb = progress, verb
        self.overall = progress.task(f"{verb}: tables", total=tables, unit="tables")
        self.current: ProgressTask | None = None

    def start(self, table: str, total: int | None) -> None:
        self.current = self.progress.task(f"{self.verb} {table}", total) if total != 0 else None

    def advance(self, n: int) -> None:
        if self.current is not None:
            self.current.advance(n)

    def done(self) -> None:
        if self.current is not None:
            self.current.finish()
        self.overall.advance(1)

    def __enter__(self) -> _Bars:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.current is not None:
            self.current.finish()
        self.overall.finish()


# ---- dump --------------------------------------------------------------------------------------------------
def dump(
    dialect: Dialect, engine: Engine, path: Path, progress: Progress, version_tables: Sequence[str] = ()
) -> NativeResult:
    """Write the whole database to ``path`` (created 0600) from one consistent snapshot.

    Returns the file, the row counts and the Alembic revisions, all read in that snapshot.
    """
    with engine.connect() as conn:
        dialect.begin_consistent_read(conn)
        try:
            tables = dialect.table_order(conn, dialect.list_tables(conn))
            schema = dialect.capture_schema(conn, tables)
            expected = dialect.row_counts(conn, tables)
            versions = dialect.read_versions(conn, version_tables)
            counts = _write(dialect, conn, path, tables, schema, expected, progress)
        finally:
            conn.rollback()
    if counts != expected:  # the snapshot guarantees equality; anything else is a bug worth stopping for
        raise errors.OperationFailed(f"logical dump of {path.name} read other row counts than its snapshot")
    return NativeResult(files=[path], row_counts=counts, versions=versions, details={"format": FORMAT})


def _write(
    dialect: Dialect, conn: Connection, path: Path, tables: list[str], schema: dict[str, Any],
    expected: dict[str, int], progress: Progress,
) -> dict[str, int]:
    counts: dict[str, int] = {}
    fd = _create_private(path)
    try:
        with open(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=3) as out:
            out.write(_line({"format": FORMAT, "version": VERSION, "dialect": dialect.name, "schema": schema}))
            with _Bars(progress, "dump", len(tables)) as bars:
                for table in tables:
                    counts[table] = _write_table(dialect, conn, out, table, expected.get(table), bars)
            out.write(_line({"eof": True, "row_counts": counts}))
    except OSError as exc:
        if is_disk_full(exc):
            raise errors.OperationFailed(f"disk full while writing {path}: free space and retry") from None
        raise
    return counts


def _write_table(
    dialect: Dialect, conn: Connection, out: io.BufferedIOBase, table: str, total: int | None, bars: _Bars
) -> int:
    columns, select_sql = dialect.select_all_sql(conn, table)
    out.write(_line({"table": table, "columns": columns}))
    bars.start(table, total)
    written = 0
    result = conn.exec_driver_sql(
        select_sql, execution_options={"stream_results": True, "max_row_buffer": BATCH_ROWS, "no_parameters": True}
    )
    try:
        while rows := result.fetchmany(BATCH_ROWS):
            try:  # one JSON array of rows per line: the C encoder does the work, not a Python loop
                out.write(_line([tuple(row) for row in rows]))
            except TypeError as exc:  # a column type this format cannot represent: never drop it silently
                raise errors.OperationFailed(
                    f"logical dump cannot store table '{table}': {exc}; use --method native"
                ) from None
            written += len(rows)
            bars.advance(len(rows))
    finally:
        result.close()
    out.write(_line({"end": table, "rows": written}))
    bars.done()
    return written


def _create_private(path: Path) -> int:
    return safe_files.create_new(path, "backup file")


# ---- load --------------------------------------------------------------------------------------------------
def load(dialect: Dialect, engine: Engine, path: Path, progress: Progress, expected: dict[str, int]) -> dict[str, int]:
    """Recreate the schema and rows of a logical dump in the (empty) database of ``engine``."""
    lines = _read_lines(path)
    header = json.loads(next(lines))
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise errors.OperationFailed(f"{path} is not a logical dump this version of mlflow-upgrade can read")
    if header["dialect"] != dialect.name:
        raise errors.UsageError(f"{path} holds a {header['dialect']} dump; restore it into a {header['dialect']} "
                                f"database, not {dialect.name}")
    counts: dict[str, int] = {}
    # One transaction: on PostgreSQL and SQLite (transactional DDL) a failed load leaves the target as it was.
    with _Bars(progress, "load", len(expected)) as bars, engine.connect() as conn, conn.begin():
        dialect.prepare_load(conn)
        dialect.create_schema(conn, header["schema"])
        for line in lines:
            control = json.loads(line)
            if control.get("eof"):
                break
            table = control["table"]
            counts[table] = _load_table(dialect, conn, lines, table, control["columns"], expected.get(table), bars)
        else:
            raise errors.OperationFailed(f"{path} is truncated: the dump ends before its last table")
        dialect.finish_schema(conn, header["schema"])
    return counts


def _read_lines(path: Path) -> Iterator[bytes]:
    with gzip.open(path, "rb") as src:
        yield from src


def _load_table(
    dialect: Dialect, conn: Connection, lines: Iterator[bytes], table: str, columns: list[str],
    total: int | None, bars: _Bars,
) -> int:
    bars.start(table, total)
    loaded = 0
    for line in lines:
        rows = json.loads(line)
        if type(rows) is dict:  # the table's end marker
            if rows.get("end") != table or rows.get("rows") != loaded:
                raise errors.OperationFailed(f"the dump of table '{table}' is inconsistent (row count)")
            bars.done()
            return loaded
        # tagged values are JSON objects: only lines holding a '{' can contain one
        batch = [_decode_row(row) for row in rows] if b"{" in line else [tuple(row) for row in rows]
        if batch:
            dialect.load_rows(conn, table, columns, batch)
            bars.advance(len(batch))
        loaded += len(batch)
    raise errors.OperationFailed(f"the dump is truncated inside table '{table}'")
