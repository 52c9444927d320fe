"""Where runs are written: the writer itself (SQLite), or several connections in parallel (server databases).

A PostgreSQL or MariaDB/MySQL server inserts the rows of one connection with one server thread, and while it
does the client waits: one connection leaves a core idle. :class:`ParallelWriters` gives each of N
connections its own thread and hands whole runs to them in turn. Each run's rows and its checkpoint row still
go through one connection, in one transaction, so a killed migration resumes exactly as with one writer; the
experiments the runs belong to are committed before any run is handed out.

Concurrent inserts into one table can deadlock on a server (InnoDB's gap locks): the runs written since a
connection's last commit are kept, and on a deadlock that transaction is rolled back and written again.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.filestore.loader import BulkWriter
from mlflow_upgrade.filestore.pipeline import env_int

# A run's writes: adds its rows (and checkpoint row) to the writer, returns how many rows.
Job = Callable[[BulkWriter], int]
_STOP = object()
_RETRIES = 5
_IDLE_COMMIT_SECONDS = 0.05


class _Sync:
    """Commit now and say so (the writer needs the runs committed before rows that point at them)."""

    def __init__(self) -> None:
        self.done = threading.Event()


def parallel_writers_wanted(dialect: str) -> int:
    """How many connections write runs in parallel: 0 = the caller's writer (SQLite has one writer)."""
    found = get_dialect(dialect)
    if found.is_file_database:
        return 0
    return env_int("MLFLOW_UPGRADE_FS_WRITERS", found.bulk_writers or max(1, min(2, os.cpu_count() or 1)))


def is_deadlock(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in ("40P01", "40001"):  # PostgreSQL: deadlock, serialization failure
        return True
    args = getattr(orig, "args", ())
    return bool(args) and args[0] in (1213, 1205)  # MySQL: deadlock, lock wait timeout


class ParallelWriters:
    def __init__(self, engine: sa.Engine, n: int, *, commit_rows: int) -> None:
        self.slots = [_Slot(BulkWriter(engine), commit_rows) for _ in range(n)]
        self.turn = 0

    def submit(self, job: Job) -> None:
        """Hand one run to the next connection (blocks while that connection is a few runs behind)."""
        slot = self.slots[self.turn]
        self.turn = (self.turn + 1) % len(self.slots)
        slot.put(job)

    def sync(self) -> None:
        """Commit what every connection has written so far; returns once all have."""
        marks = [_Sync() for _ in self.slots]
        for slot, mark in zip(self.slots, marks, strict=True):
            slot.put(mark)
        for slot, mark in zip(self.slots, marks, strict=True):
            while not mark.done.wait(timeout=1.0):
                if not slot.thread.is_alive():
                    break
            slot.raise_failure()

    def finish(self) -> None:
        """Commit every connection's last transaction; raises the first failure."""
        for slot in self.slots:
            slot.put(_STOP)
        for slot in self.slots:
            slot.thread.join()
        for slot in self.slots:
            slot.raise_failure()

    def abort(self) -> None:
        """Stop the threads and roll back what is not committed (after a failure elsewhere)."""
        for slot in self.slots:
            slot.stop_now = True
            if slot.thread.is_alive():
                slot.put(_STOP, check=False)
        for slot in self.slots:
            slot.thread.join()
            slot.writer.rollback()

    def close(self) -> None:
        for slot in self.slots:
            slot.writer.close()

    @property
    def written(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for slot in self.slots:
            for table, n in slot.writer.written.items():
                total[table] = total.get(table, 0) + n
        return total


class _Slot:
    def __init__(self, writer: BulkWriter, commit_rows: int) -> None:
        self.writer = writer
        self.commit_rows = commit_rows
        self.jobs: queue.Queue[Any] = queue.Queue(maxsize=4)
        self.pending: list[Job] = []  # written since the last commit: replayed after a deadlock
        self.uncommitted = 0
        self.failure: BaseException | None = None
        self.stop_now = False
        self.thread = threading.Thread(target=self._loop, daemon=True, name="mlflow-upgrade-writer")
        self.thread.start()

    def put(self, item: Any, *, check: bool = True) -> None:
        if check:
            self.raise_failure()
        while True:
            try:
                self.jobs.put(item, timeout=1.0)
                return
            except queue.Full:
                if not self.thread.is_alive():
                    self.raise_failure()
                    return

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure

    def _loop(self) -> None:
        while True:
            try:
                job = self.jobs.get(timeout=_IDLE_COMMIT_SECONDS)
            except queue.Empty:
                # Nothing to do: commit, so that no other connection waits on this one's locks. (MariaDB
                # locks a whole table during the first transaction that inserts into it while it is empty.)
                if self.pending and self.failure is None:
                    try:
                        self._write(None, final=True)
                    except BaseException as exc:
                        self.failure = exc
                job = self.jobs.get()
            if self.stop_now:
                return
            if self.failure is not None:
                if isinstance(job, _Sync):
                    job.done.set()
                if job is _STOP:
                    return
                continue  # drain: the writer raises the failure on its next submit
            try:
                if job is _STOP:
                    self._write(None, final=True)
                    return
                if isinstance(job, _Sync):
                    self._write(None, final=True)
                    job.done.set()
                    continue
                self._write(job, final=False)
            except BaseException as exc:  # handed to the submitting thread
                self.failure = exc
                if isinstance(job, _Sync):
                    job.done.set()
                if job is _STOP:  # the last commit failed: nothing more will come
                    return

    def _write(self, job: Job | None, *, final: bool) -> None:
        """Write ``job`` and commit once enough rows are pending (``final``: commit now)."""
        if job is not None:
            self.pending.append(job)
        for attempt in range(_RETRIES + 1):
            try:
                if attempt:  # the transaction was rolled back: write every run since the last commit again
                    self.uncommitted = sum(pending(self.writer) for pending in self.pending)
                elif job is not None:
                    self.uncommitted += job(self.writer)
                if final or self.uncommitted >= self.commit_rows:
                    self.writer.commit()
                    self.pending.clear()
                    self.uncommitted = 0
                return
            except Exception as exc:
                if attempt == _RETRIES or not is_deadlock(exc):
                    raise
                self.writer.rollback()
