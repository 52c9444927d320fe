"""Bulk loading into a destination whose schema MLflow's own migrations created.

Rows are buffered per table and written in the dialect's fastest safe way on one raw DBAPI connection:

* SQLite: ``executemany`` with WAL journal and ``synchronous=NORMAL`` while loading (a killed process loses
  at most the open transaction; the journal mode is switched back to DELETE at the end);
* PostgreSQL: ``COPY ... FROM STDIN`` (psycopg 3; metric points in the binary format) or ``execute_values``
  multi-row INSERTs (psycopg2);
* MariaDB/MySQL: metric points by ``LOAD DATA LOCAL`` from the readers' text (when the server allows it; a
  connection that sends nothing else: dialects/mysql_local.py) or as multi-row ``INSERT``s, the other tables
  by PyMySQL's ``executemany`` (multi-row ``INSERT ... VALUES (...), (...)``); foreign keys are checked once
  at the end (MySQLDialect.dangling_references) instead of row by row.

Tables are flushed parents first (foreign keys are checked immediately on PostgreSQL), and the
checkpoint rows last, all inside the caller's transaction.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.dialects.sqlite import insert_flat
from mlflow_upgrade.filestore import encode
from mlflow_upgrade.filestore.checkpoint import DONE, STAGED_RUNS

COLUMNS: dict[str, tuple[str, ...]] = {
    "experiments": ("experiment_id", "name", "artifact_location", "lifecycle_stage", "creation_time",
                    "last_update_time"),
    "experiment_tags": ("key", "value", "experiment_id"),
    "runs": ("run_uuid", "name", "source_type", "source_name", "entry_point_name", "user_id", "status",
             "start_time", "end_time", "deleted_time", "source_version", "lifecycle_stage", "artifact_uri",
             "experiment_id"),
    "params": ("key", "value", "run_uuid"),
    "tags": ("key", "value", "run_uuid"),
    "metrics": ("key", "value", "timestamp", "step", "is_nan", "run_uuid"),
    "latest_metrics": ("key", "value", "timestamp", "step", "is_nan", "run_uuid"),
    STAGED_RUNS: ("tag", "rows"),
    DONE: ("kind", "src_key", "parent", "dest_key"),
}

ENCODED = ("<encoded>",)  # the columns key of buffers holding encoded pieces
_MYSQL_STATEMENT_BYTES = 4 << 20

# Parents before children; checkpoint rows last so they commit with what they describe.
ORDER = (
    "experiments", "experiment_tags", "runs", "params", "tags", "metrics", "latest_metrics", "datasets",
    "inputs", "input_tags", "trace_info", "trace_tags", "trace_request_metadata", "assessments",
    "logged_models", "logged_model_params", "logged_model_tags", "logged_model_metrics", "registered_models",
    "registered_model_tags", "model_versions", "model_version_tags", "registered_model_aliases", STAGED_RUNS, DONE,
)


class BulkWriter:
    """Buffers rows per (table, columns) and writes them on :meth:`flush`; :meth:`commit` ends the
    transaction. Not thread-safe; one per migration."""

    def __init__(self, engine: sa.Engine, *, flush_rows: int = 20_000) -> None:
        self.engine = engine
        self.dialect = get_dialect(engine.dialect.name)
        self.driver = engine.dialect.driver
        self.raw = self.dialect.bulk_connection(engine)
        self.flush_rows = flush_rows
        self.metric_format = self.dialect.metric_format(self.driver, self.raw)
        # (table, columns) -> rows; (table, ENCODED) -> pieces encoded by the readers (see encode.py)
        self.buffers: dict[tuple[str, tuple[str, ...]], list[Any]] = {}
        self.buffered = 0
        self.written: dict[str, int] = {}
        self._written_committed: dict[str, int] = {}
        self.spooled: list[encode.Spooled] = []  # files of large runs in the open transaction
        self._setup_session()

    def _setup_session(self) -> None:
        cur = self.raw.cursor()
        self.dialect.bulk_session_start(cur)
        cur.close()
        self.raw.commit()

    # -- buffering -------------------------------------------------------------------------------------------
    def add(self, table: str, rows: list[tuple], columns: tuple[str, ...] | None = None) -> None:
        if not rows:
            return
        key = (table, columns or COLUMNS[table])
        self.buffers.setdefault(key, []).extend(rows)
        self.buffered += len(rows)
        if self.buffered >= self.flush_rows:
            self.flush()

    def add_encoded(self, table: str, piece: Any, rows: int) -> None:
        """``rows`` rows of ``table`` (columns as in COLUMNS) already encoded in ``self.metric_format``."""
        if not rows:
            return
        if self.metric_format == "rows":
            self.add(table, piece)
            return
        if isinstance(piece, encode.Spooled):
            self.spooled.append(piece)
        self.buffers.setdefault((table, ENCODED), []).append((piece, rows))
        self.buffered += rows
        if self.buffered >= self.flush_rows:
            self.flush()

    def add_dicts(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Rows as dicts (low-volume tables): grouped by their key set, written with explicit columns."""
        groups: dict[tuple[str, ...], list[tuple]] = {}
        for row in rows:
            cols = tuple(row)
            groups.setdefault(cols, []).append(tuple(row[c] for c in cols))
        for cols, tuples in groups.items():
            self.add(table, tuples, cols)

    def flush(self) -> None:
        if not self.buffers:
            return
        rank = {t: i for i, t in enumerate(ORDER)}
        cur = self.raw.cursor()
        try:
            for (table, cols), rows in sorted(self.buffers.items(), key=lambda kv: rank.get(kv[0][0], 99)):
                if cols is ENCODED:
                    count = sum(n for _, n in rows)
                    self._write_encoded(cur, table, [piece for piece, _ in rows], count)
                else:
                    self._write(cur, table, cols, rows)
                    count = len(rows)
                self.written[table] = self.written.get(table, 0) + count
        finally:
            cur.close()
        self.buffers.clear()
        self.buffered = 0

    def commit(self) -> None:
        self.flush()
        self.raw.commit()
        self._written_committed = dict(self.written)
        self._remove_spooled()

    def _remove_spooled(self) -> None:
        """After a commit (or at the end): kept until then, as a rolled-back transaction is written again."""
        for spooled in self.spooled:
            spooled.remove()
        self.spooled.clear()

    def rollback(self) -> None:
        self.buffers.clear()
        self.buffered = 0
        self.written = dict(self._written_committed)
        self.raw.rollback()

    def close(self) -> None:
        self._remove_spooled()
        try:
            self.raw.rollback()
            cur = self.raw.cursor()
            self.dialect.bulk_session_end(cur)
            cur.close()
        finally:
            self.raw.close()

    # -- per dialect ---------------------------------------------------------------------------------------
    def _write(self, cur: Any, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
        self.dialect.bulk_insert(cur, self.driver, table, cols, rows)

    def _write_encoded(self, cur: Any, table: str, pieces: list[Any], rows: int) -> None:
        cols = COLUMNS[table]
        if self.metric_format == "flat":
            insert_flat(cur, f'"{table}"', cols, list(itertools.chain.from_iterable(pieces)))
        elif self.metric_format in ("pgbinary", "tsv"):  # the dialect's own stream: COPY, LOAD DATA LOCAL
            self.dialect.bulk_load_stream(self.raw, table, cols, _unspooled(pieces), rows)
        else:  # values: MySQL multi-row INSERTs of ~4 MB (pieces ≤ ~5.5 MB: under the default max_allowed_packet, 16 MB)
            head = f"INSERT INTO `{table}` ({', '.join(f'`{c}`' for c in cols)}) VALUES ".encode()
            batch: list[bytes] = []
            size = 0
            for piece in _unspooled(pieces):
                batch.append(piece)
                size += len(piece)
                if size >= _MYSQL_STATEMENT_BYTES:
                    cur.execute(head + b",".join(batch))
                    batch, size = [], 0
            if batch:
                cur.execute(head + b",".join(batch))

    def scalar(self, sql: str) -> Any:
        cur = self.raw.cursor()
        try:
            cur.execute(sql)
            row = cur.fetchone()
            return row[0] if row else None
        finally:
            cur.close()

    def execute(self, sql: str) -> None:
        cur = self.raw.cursor()
        try:
            cur.execute(sql)
        finally:
            cur.close()


def _unspooled(pieces: list[Any]) -> Iterator[bytes]:
    """Encoded pieces in order, a spooled run's read from its file a piece (or block) at a time."""
    for piece in pieces:
        if isinstance(piece, encode.Spooled):
            yield from piece.chunks()
        else:
            yield piece
