"""Copy one MLflow database's rows table by table: streamed, bulk-loaded, checkpointed, digested.

Tables go in the source's foreign-key order (parents first). Each is read in primary-key order from one
snapshot of the source through a server-side cursor, in batches of ``batch_rows``, and written with the
destination dialect's bulk path (:meth:`Dialect.load_rows`: COPY on PostgreSQL, multi-row INSERTs of ~4 MB on
MariaDB/MySQL, executemany on SQLite). Every ``commit_rows`` rows the destination commits together with the
table's checkpoint row (rows so far, last primary key, running digest): a killed copy resumes after the last
committed key, so no row is written twice or skipped.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from mlflow_upgrade import errors
from mlflow_upgrade.dialects import Dialect, run_statement
from mlflow_upgrade.filestore import indexes
from mlflow_upgrade.migratedb import checkpoint
from mlflow_upgrade.migratedb.digest import MOD, RowDigest, SqlRowDigest, sql_kind
from mlflow_upgrade.progress import QUIET, Progress, ProgressTask
from mlflow_upgrade.upgrade.alembic_driver import pause_point


@dataclass
class TableCopy:
    table: str
    source_rows: int
    copied: int = 0  # rows of this table in the destination (earlier runs included)
    copied_now: int = 0
    source_digest: int = 0
    dest_digest: int | None = None
    seconds: float = 0.0

    @property
    def same(self) -> bool | None:
        if self.dest_digest is None:
            return None
        return self.dest_digest == self.source_digest and self.copied == self.source_rows

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "source_rows": self.source_rows, "copied": self.copied,
                "copied_now": self.copied_now, "same": self.same, "seconds": round(self.seconds, 3)}


@dataclass
class Copier:
    """Copies ``tables`` from ``src_conn`` (inside its snapshot) to ``dest_engine``."""

    db: str
    src_conn: sa.Connection
    src_dialect: Dialect
    src_meta: sa.MetaData
    dest_engine: sa.Engine
    dest_dialect: Dialect
    batch_rows: int
    commit_rows: int
    progress: Progress = QUIET
    defer_rows: int = 100_000  # tables with this many rows to copy get their indexes and keys built after the rows
    results: dict[str, TableCopy] = field(default_factory=dict)

    def copy_all(self, tables: list[str], counts: dict[str, int]) -> None:
        done = checkpoint.read_progress(self.dest_engine)
        dest_meta = sa.MetaData()
        dest_meta.reflect(self.dest_engine, only=tables)
        # a table other tables' foreign keys point to keeps its primary key (the server would refuse to drop it)
        referenced = {fk.column.table.name for t in dest_meta.tables.values() for fk in t.foreign_keys}
        # The destination is written by a thread of its own, which opens, uses and closes its connection (SQLite's
        # connections stay in their thread): while the server ingests a batch, this thread reads and digests the
        # next one from the source (the driver waits without the GIL).
        with ThreadPoolExecutor(1, thread_name_prefix="mlflow-upgrade-dest") as writer:
            dest = writer.submit(self._open_destination).result()
            try:
                for table in tables:
                    state = done.get(table, checkpoint.TableProgress())
                    result = TableCopy(table, counts[table], copied=state.copied, source_digest=state.digest)
                    self.results[table] = result
                    if state.complete:
                        continue
                    with self.progress.task(f"{self.db} {table}", total=result.source_rows, completed=state.copied,
                                            unit="rows", rate_unit="rows") as task:
                        out = _TableWriter(self, dest, dest_meta.tables[table], state, result,
                                           referenced=table in referenced)
                        self._copy_table(writer, out, task)
                writer.submit(self._finish_destination, dest).result()
            finally:
                writer.submit(dest.close).result()

    def _open_destination(self) -> sa.Connection:
        dest = self.dest_engine.connect()
        self.dest_dialect.copy_session(dest)
        dest.commit()
        return dest

    def _finish_destination(self, dest: sa.Connection) -> None:
        self.dest_dialect.finish_copy(dest)
        dest.commit()

    def _copy_table(self, writer: ThreadPoolExecutor, out: _TableWriter, task: ProgressTask) -> None:
        started = time.monotonic()
        name, state, result = out.table.name, out.state, out.result
        src_table = self.src_meta.tables[name]
        columns, select = self.src_dialect.select_all_sql(self.src_conn, name)
        dest_columns = [c.name for c in out.table.columns if c.computed is None]
        if sorted(columns) != sorted(dest_columns):
            raise errors.OperationFailed(
                f"table {name}: the source's columns {sorted(columns)} differ from those MLflow's migrations created "
                f"at the same revision {sorted(dest_columns)}; the source's schema was changed by hand"
            )
        key = [c.name for c in src_table.primary_key.columns] or columns
        key_at = [columns.index(c) for c in key]
        sql, params = _ordered_after(self.src_conn, select, key, state.last_key)
        out.columns = columns
        out.adapters = [(i, a) for i, c in enumerate(columns)
                        if (a := self.dest_dialect.value_adapter(out.table.columns[c].type)) is not None]
        fold = self.src_dialect.holds_negative_zero() and not self.dest_dialect.holds_negative_zero()
        kinds = self._sql_digest_kinds(out.table, columns)
        digest: RowDigest | SqlRowDigest
        if kinds is not None:  # the destination computes its side in SQL: this side hashes by the same formula
            digest = SqlRowDigest(kinds, start=state.digest, fold_negative_zero=fold)
        else:
            digest = RowDigest([src_table.columns[c].type for c in columns], start=state.digest,
                               fold_negative_zero=fold)
        pending: deque[Future[int]] = deque()
        defer = result.source_rows - state.copied >= self.defer_rows and state.copied == 0 and not out.referenced
        writer.submit(out.begin, defer).result()
        try:
            for rows in _batches(self.src_conn, self.src_dialect, sql, params, self.batch_rows):
                digest.add(rows)
                pending.append(writer.submit(out.write, rows, tuple(rows[-1][i] for i in key_at), digest.value))
                while len(pending) > 1:  # one batch in flight while the next is read: memory stays two batches
                    self._written(pending.popleft(), name)
                    task.update(completed=state.copied)
                    task.throughput(result.copied_now)
            while pending:
                self._written(pending.popleft(), name)
            writer.submit(out.complete, digest.value).result()
        except BaseException:
            for future in pending:
                future.cancel()
            wait(pending)
            writer.submit(out.rollback).result()
            raise
        task.update(completed=state.copied)
        result.copied, result.source_digest = state.copied, state.digest
        result.seconds = time.monotonic() - started

    @staticmethod
    def _written(batch: Future[int], table: str) -> None:
        if commit := batch.result():  # test-only pause after the n-th commit, on the main thread (signals land here)
            pause_point(f"migrate-db:{table}", commit)

    def _sql_digest_kinds(self, dest_table: sa.Table, columns: list[str]) -> list[str] | None:
        """The SQL digest's kinds of ``columns`` when the destination computes that digest for this table."""
        kinds = [sql_kind(dest_table.columns[c].type) for c in columns]
        if None in kinds:
            return None
        known = [k for k in kinds if k is not None]
        return known if self.dest_dialect.row_digest_sql(dest_table.name, list(zip(columns, known, strict=True))) else None

    def digest_destination(self) -> None:
        """Each copied table's digest from the destination (in the source's column order): one aggregate query
        where the server computes it, else its rows read back and hashed here."""
        dest_meta = sa.MetaData()
        dest_meta.reflect(self.dest_engine, only=list(self.results))
        with self.dest_engine.connect() as dest:
            for name, result in self.results.items():
                columns = self._columns(name)
                kinds = self._sql_digest_kinds(dest_meta.tables[name], columns)
                if kinds is not None:
                    query = self.dest_dialect.row_digest_sql(name, list(zip(columns, kinds, strict=True)))
                    assert query is not None
                    count, value = run_statement(dest, query).one()
                    result.copied, result.dest_digest = int(count), int(value) % MOD
                    continue
                dest_columns, select = self.dest_dialect.select_all_sql(dest, name)
                at = [dest_columns.index(c) for c in columns]
                table = self.dest_dialect.reflect(dest, list(self.results)).tables[name]
                digest = RowDigest([table.columns[c].type for c in columns])
                count = 0
                same_order = at == list(range(len(at)))
                for rows in _batches(dest, self.dest_dialect, select, (), self.batch_rows):
                    digest.add(rows if same_order else [tuple(r[i] for i in at) for r in rows])
                    count += len(rows)
                result.dest_digest = digest.value
                result.copied = count
            dest.rollback()

    def _columns(self, table: str) -> list[str]:
        columns, _ = self.src_dialect.select_all_sql(self.src_conn, table)
        return columns


@dataclass
class _TableWriter:
    """The destination side of one table's copy; its methods run on the writer thread only, in order."""

    copier: Copier
    dest: sa.Connection
    table: sa.Table
    state: checkpoint.TableProgress
    result: TableCopy
    referenced: bool = False
    columns: list[str] = field(default_factory=list)
    adapters: list[tuple[int, Any]] = field(default_factory=list)
    trans: sa.RootTransaction | None = None
    uncommitted: int = 0
    commits: int = 0

    def begin(self, defer: bool) -> None:
        """Open the table's first transaction; with ``defer``, its indexes and keys are dropped in it (recorded in
        the checkpoint state, same transaction) and built once at :meth:`complete` instead of row by row."""
        self.trans = self.dest.begin()
        if not defer or checkpoint.deferred(self.dest, self.table.name) is not None:
            return
        dialect, name = self.copier.dest_dialect, self.table.name
        keys = dialect.deferrable_constraints(self.dest, name)  # primary key first, then foreign keys
        indexes = dialect.deferrable_indexes(self.dest, [name])
        if not keys and not indexes:
            return
        checkpoint.set_deferred(self.dest, name, keys + indexes)
        for statement in dialect.drop_deferred_sql(self.dest, name, [n for n, _ in reversed(keys)],
                                                   [n for n, _ in indexes]):
            run_statement(self.dest, statement)

    def write(self, rows: list[tuple[Any, ...]], last_key: tuple[Any, ...], digest: int) -> int:
        """One batch; every ``commit_rows`` rows a commit with the checkpoint of exactly the rows written so far.
        Returns the number of that commit (0: none)."""
        assert self.trans is not None
        if self.adapters:
            rows = [_adapt(r, self.adapters) for r in rows]
        self.copier.dest_dialect.load_rows(self.dest, self.table.name, self.columns, rows)
        self.state.last_key = last_key
        self.state.copied += len(rows)
        self.result.copied_now += len(rows)
        self.uncommitted += len(rows)
        if self.uncommitted >= self.copier.commit_rows:
            self.state.digest = digest
            checkpoint.save_progress(self.dest, self.table.name, self.state)
            self.trans.commit()
            self.commits += 1
            self.trans = self.dest.begin()
            self.uncommitted = 0
            return self.commits
        return 0

    def complete(self, digest: int) -> None:
        """The table's last rows committed, then what :meth:`begin` dropped (also in an earlier, killed run)
        built again (:func:`indexes.rebuild`: at the same time on connections of their own where the
        dialect allows), then the table marked complete with its record cleared."""
        assert self.trans is not None
        self.state.digest = digest
        name = self.table.name
        recorded = checkpoint.deferred(self.dest, name)
        if recorded:
            checkpoint.save_progress(self.dest, name, self.state)  # the rows: no CREATE INDEX waits for them
            self.trans.commit()
            self.trans = None  # rebuild commits between its steps: the connection's own transactions from here
            indexes.rebuild(self.copier.dest_engine, self.dest, recorded, [name])
            checkpoint.set_deferred(self.dest, name, None)
        self.state.complete = True
        checkpoint.save_progress(self.dest, name, self.state)
        self.dest.commit()

    def rollback(self) -> None:
        self.dest.rollback()  # the open transaction, begun explicitly or not (none: nothing happens)


def _adapt(row: tuple[Any, ...], adapters: list[tuple[int, Any]]) -> tuple[Any, ...]:
    values = list(row)
    for i, adapt in adapters:
        values[i] = adapt(values[i])
    return tuple(values)


def _batches(conn: sa.Connection, dialect: Dialect, sql: str, params: tuple[Any, ...], size: int
             ) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of ``sql`` in lists of ``size``, read on a streaming DBAPI cursor: plain tuples (no SQLAlchemy
    rows: a third of the copy's CPU), never the whole result in memory."""
    cursor = dialect.streaming_cursor(conn)
    try:
        if params:
            cursor.execute(sql, params)
        else:
            cursor.execute(sql)
        while rows := cursor.fetchmany(size):
            yield rows if isinstance(rows, list) and rows and type(rows[0]) is tuple else [tuple(r) for r in rows]
    finally:
        cursor.close()


def _ordered_after(conn: sa.Connection, select: str, key: list[str], last: tuple[Any, ...] | None
                   ) -> tuple[str, tuple[Any, ...]]:
    """``select`` in primary-key order, starting after ``last`` (a resumed table). The comparison is the
    source's own (its collation), the same that ordered the rows the first time."""
    q = conn.dialect.identifier_preparer.quote
    order = ", ".join(q(c) for c in key)
    if last is None:
        return f"{select} ORDER BY {order}", ()
    mark = "?"
    if conn.dialect.paramstyle != "qmark":  # format style: a literal '%' is written '%%' once parameters are given
        select, mark = select.replace("%", "%%"), "%s"
    where = f"({order}) > ({', '.join([mark] * len(key))})" if len(key) > 1 else f"{order} > {mark}"
    return f"{select} WHERE {where} ORDER BY {order}", tuple(last)


def count_rows(conn: sa.Connection, dialect: Dialect, tables: list[str]) -> dict[str, int]:
    q = conn.dialect.identifier_preparer.quote
    return {t: int(run_statement(conn, f"SELECT COUNT(*) FROM {q(t)}").scalar() or 0) for t in tables}
