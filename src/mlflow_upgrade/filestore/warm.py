"""Warm the OS page cache for the run folders just ahead of the readers.

A store nobody has read since the machine started (the usual first migration) is on disk, not in memory, and a
reader reads its many small files one after the other, each waiting for the disk in turn: the 2 M-point
benchmark store after dropping the page cache took 6.1 s to read instead of 2.1 s. A few threads of the writer
process walk the run folders a little ahead of the readers and ask the kernel to read each file
(``posix_fadvise(WILLNEED)``: a read-ahead the kernel starts and this process does not wait for or copy), so
many reads are in flight at once and the readers find the files in memory. A run whose ``meta.yaml`` is
already in memory is skipped: opening the files of a store that is in memory anyway cost the writing process
~0.8 s of a 2 M-point migration into PostgreSQL, whose writer is busy (one probe per run instead).

It changes when the disk is read, never what: only the parts of a run folder the migration reads (not
``artifacts/``), only regular files (no symlink followed, no FIFO or device opened; the readers record those),
at most the first ``_FILE_BYTES`` of a file, and every error is ignored (the reader meets it again and records
it). Threads start after the reader processes are forked (a fork copies no thread) and stop with
:meth:`Warmer.close`.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable

# What read_run reads in a run folder (reader.py): warming anything else (artifacts/) would only fill memory.
RUN_PARTS = ("meta.yaml", "tags", "params", "metrics", "inputs", "outputs")
_FILE_BYTES = 8 << 20  # a larger metric file is read in slices, which the kernel's own read-ahead serves
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_MAX_DEPTH = 8  # nested keys ("a/b/c") are folders; a deeper tree is left to the readers


class Warmer:
    """Warms folder ``i`` (``folder(i)``, for ``i`` in ``range(count)``) once the readers have been handed
    folder ``i - ahead`` (:meth:`reached`), on ``threads`` threads."""

    def __init__(self, folder: Callable[[int], str], count: int, *, ahead: int = 64, threads: int = 4) -> None:
        self._folder = folder
        self._count = count
        self._ahead = ahead
        self._next = 0
        self._reached = 0
        self._stopped = False
        self._cond = threading.Condition()
        self._threads = [threading.Thread(target=self._work, name=f"mlflow-upgrade-warm-{i}", daemon=True)
                         for i in range(threads if count and hasattr(os, "posix_fadvise") else 0)]
        for thread in self._threads:
            thread.start()

    def reached(self, index: int) -> None:
        """The readers are being handed folder ``index``: warm up to ``index + ahead``."""
        with self._cond:
            if index > self._reached:
                self._reached = index
                self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()

    def _take(self) -> int | None:
        with self._cond:
            while not self._stopped and self._next < self._count and self._next > self._reached + self._ahead:
                self._cond.wait()
            if self._stopped or self._next >= self._count:
                return None
            self._next += 1
            return self._next - 1

    def _work(self) -> None:
        while (index := self._take()) is not None:
            run_dir = self._folder(index)
            if in_page_cache(os.path.join(run_dir, "meta.yaml")):
                continue  # read recently: its files are most likely in memory too, and opening them all costs CPU
            for part in RUN_PARTS:
                warm_tree(os.path.join(run_dir, part))


def in_page_cache(path: str) -> bool:
    """Whether the start of the regular file ``path`` is in the page cache: a one-byte read that fails instead
    of waiting for the disk (``RWF_NOWAIT``, Linux 4.14+). False when unknown (another platform, a file system
    that cannot tell, no such file)."""
    flag = getattr(os, "RWF_NOWAIT", None)
    if flag is None:
        return False
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        os.preadv(fd, [bytearray(1)], 0, flag)
        return True
    except OSError:  # BlockingIOError: on disk; EOPNOTSUPP and others: cannot tell
        return False
    finally:
        os.close(fd)


def warm_tree(path: str, depth: int = 0) -> None:
    """Read-ahead for the regular file ``path`` or the regular files under the folder ``path``."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return
    if stat.S_ISREG(mode):
        _warm_file(path)
    elif stat.S_ISDIR(mode) and depth < _MAX_DEPTH:
        try:
            with os.scandir(path) as entries:
                children = [(e.path, e.is_dir(follow_symlinks=False)) for e in entries
                            if e.is_dir(follow_symlinks=False) or e.is_file(follow_symlinks=False)]
        except OSError:
            return
        for child, is_dir in children:
            if is_dir:
                warm_tree(child, depth + 1)
            else:
                _warm_file(child)


def _warm_file(path: str) -> None:
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):  # replaced by something else since it was listed: left alone
            os.posix_fadvise(fd, 0, _FILE_BYTES, os.POSIX_FADV_WILLNEED)
    except OSError:
        pass
    finally:
        os.close(fd)
