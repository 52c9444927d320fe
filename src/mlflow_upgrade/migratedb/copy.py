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
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from mlflow_upgrade import errors
from mlflow_upgrade.dialects import Dialect, run_statement
from mlflow_upgrade.migratedb import checkpoint
from mlflow_upgrade.migratedb.digest import RowDigest
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
    results: dict[str, TableCopy] = field(default_factory=dict)

    def copy_all(self, tables: list[str], counts: dict[str, int]) -> None:
        done = checkpoint.read_progress(self.dest_engine)
        dest_meta = sa.MetaData()
        dest_meta.reflect(self.dest_engine, only=tables)
        with self.dest_engine.connect() as dest:
            self.dest_dialect.copy_session(dest)
            dest.commit()
            for table in tables:
                state = done.get(table, checkpoint.TableProgress())
                result = TableCopy(table, counts[table], copied=state.copied, source_digest=state.digest)
                self.results[table] = result
                if state.complete:
                    continue
                with self.progress.task(f"{self.db} {table}", total=result.source_rows, completed=state.copied,
                                        unit="rows", rate_unit="rows") as task:
                    self._copy_table(dest, dest_meta.tables[table], state, result, task)
            self.dest_dialect.finish_copy(dest)
            dest.commit()

    def _copy_table(self, dest: sa.Connection, dest_table: sa.Table, state: checkpoint.TableProgress,
                    result: TableCopy, task: ProgressTask) -> None:
        started = time.monotonic()
        name = dest_table.name
        src_table = self.src_meta.tables[name]
        columns, select = self.src_dialect.select_all_sql(self.src_conn, name)
        dest_columns = [c.name for c in dest_table.columns if c.computed is None]
        if sorted(columns) != sorted(dest_columns):
            raise errors.OperationFailed(
                f"table {name}: the source's columns {sorted(columns)} differ from those MLflow's migrations created "
                f"at the same revision {sorted(dest_columns)}; the source's schema was changed by hand"
            )
        key = [c.name for c in src_table.primary_key.columns] or columns
        key_at = [columns.index(c) for c in key]
        sql, params = _ordered_after(self.src_conn, select, key, state.last_key)
        adapters = [(i, a) for i, c in enumerate(columns)
                    if (a := self.dest_dialect.value_adapter(dest_table.columns[c].type)) is not None]
        fold = self.src_dialect.holds_negative_zero() and not self.dest_dialect.holds_negative_zero()
        digest = RowDigest([src_table.columns[c].type for c in columns], start=state.digest, fold_negative_zero=fold)
        uncommitted = commits = 0
        trans = dest.begin()
        try:
            for rows in _batches(self.src_conn, self.src_dialect, sql, params, self.batch_rows):
                digest.add(rows)
                state.last_key = tuple(rows[-1][i] for i in key_at)
                if adapters:
                    rows = [_adapt(r, adapters) for r in rows]
                self.dest_dialect.load_rows(dest, name, columns, rows)
                state.copied += len(rows)
                result.copied_now += len(rows)
                uncommitted += len(rows)
                if uncommitted >= self.commit_rows:
                    state.digest = digest.value
                    checkpoint.save_progress(dest, name, state)
                    trans.commit()
                    commits += 1
                    pause_point(f"migrate-db:{name}", commits)  # test-only: a kill between two commits
                    trans = dest.begin()
                    uncommitted = 0
                task.update(completed=state.copied)
                task.throughput(result.copied_now)
            state.digest = digest.value
            state.complete = True
            checkpoint.save_progress(dest, name, state)
            trans.commit()
        except BaseException:
            if trans.is_active:
                trans.rollback()
            raise
        result.copied, result.source_digest = state.copied, state.digest
        result.seconds = time.monotonic() - started

    def digest_destination(self) -> None:
        """Each copied table's digest read back from the destination (in the source's column order)."""
        with self.dest_engine.connect() as dest:
            for name, result in self.results.items():
                columns = self._columns(name)
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
