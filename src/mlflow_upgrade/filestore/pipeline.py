"""Read runs in reader processes, ahead of the writer, and hand them back in order.

Reading and parsing the files is about half of the CPU of a migration, writing the other half: reader
processes (not threads: both halves need the GIL) put them on all cores. Tasks (a few runs each) go to
the readers round-robin; results come back in exactly the order the tasks were given, so the writer still
commits each run with its checkpoint row, in order. At most ``ahead`` tasks per reader are in flight,
which bounds memory to a few runs per reader whatever the size of the store.

Readers are forked (Linux): they inherit the code and die with the parent (``PR_SET_PDEATHSIG``), so a
SIGKILLed migration leaves none behind. ``MLFLOW_UPGRADE_FS_READER=inline`` (or another OS) reads in this
process instead; ``MLFLOW_UPGRADE_FS_READERS`` sets how many processes (default: one per core, at most 2).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from queue import Empty
from typing import Any

from mlflow_upgrade import errors

_STOP = None
_reader_index = 0  # which reader this process is (0 in the writer process when reading inline)


def reader_index() -> int:
    return _reader_index


class Task:
    """Work for a reader: ``fn(*args)`` runs in the reader process; its result comes back to the writer,
    which hands it to ``then`` (in the writer process)."""

    __slots__ = ("args", "fn", "then")

    def __init__(self, fn: Callable[..., Any], *args: Any, then: Callable[[Any], None]) -> None:
        self.fn = fn
        self.args = args
        self.then = then


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """An integer setting from the environment; a bad value is a usage error (exit 2), raised before the
    migration touches anything."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise errors.UsageError(f"{name}={text!r} is not a whole number ≥ {minimum}: fix or unset it")
    return value


def readers_wanted() -> int:
    if sys.platform != "linux" or os.environ.get("MLFLOW_UPGRADE_FS_READER", "process") != "process":
        return 0
    return env_int("MLFLOW_UPGRADE_FS_READERS", max(1, min(2, os.cpu_count() or 1)))


def ordered(items: Iterable[Any], *, ahead: int = 4) -> Iterator[tuple[Any, Any]]:
    """(item, result) for each item, in order: a :class:`Task` item's result is ``fn(*args)`` computed by a
    reader process; any other item passes through with result None (events for the writer, in order)."""
    n = readers_wanted()
    if n == 0:
        for item in items:
            yield item, (item.fn(*item.args) if isinstance(item, Task) else None)
        return
    pool = _Pool(n)
    try:
        pending: deque[tuple[Any, int | None]] = deque()
        turn = 0
        for item in items:
            if isinstance(item, Task):
                pool.submit(turn, item)
                pending.append((item, turn))
                turn = (turn + 1) % n
            else:
                pending.append((item, None))
            while len(pending) > n * ahead:
                yield _resolve(pool, pending.popleft())
        while pending:
            yield _resolve(pool, pending.popleft())
    finally:
        pool.close()


def _resolve(pool: _Pool, entry: tuple[Any, int | None]) -> tuple[Any, Any]:
    item, reader = entry
    return item, (None if reader is None else pool.result(reader))


class _Pool:
    def __init__(self, n: int) -> None:
        ctx = multiprocessing.get_context("fork")
        self.tasks = [ctx.SimpleQueue() for _ in range(n)]
        self.results = [ctx.Queue() for _ in range(n)]
        self.procs = [ctx.Process(target=_reader_main, args=(i, self.tasks[i], self.results[i]), daemon=True)
                      for i in range(n)]
        for proc in self.procs:
            proc.start()

    def submit(self, reader: int, task: Task) -> None:
        self.tasks[reader].put((task.fn, task.args))

    def result(self, reader: int) -> Any:
        while True:
            try:
                got = self.results[reader].get(timeout=1.0)
                break
            except Empty:
                proc = self.procs[reader]
                if not proc.is_alive():
                    raise RuntimeError(f"a reader process died (exit code {proc.exitcode})") from None
        if isinstance(got, _Failure):
            raise got.exc
        return got

    def close(self) -> None:
        for queue, proc in zip(self.tasks, self.procs, strict=True):
            if proc.is_alive():
                with contextlib.suppress(OSError):
                    queue.put(_STOP)
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        for queue in self.results:
            queue.close()
            queue.cancel_join_thread()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def call_in_child(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a forked child process; its return value (or exception) comes back here. For work
    whose imports would otherwise stay in this process for good: MLflow costs ~250 MB of memory, more than
    the whole migration. The arguments are inherited, not pickled (a URL's password never leaves memory)."""
    if sys.platform != "linux":
        return fn(*args)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_main, args=(fn, args, send), daemon=True)
    proc.start()
    send.close()
    try:
        got = receive.recv()
    except EOFError:  # it died without answering
        proc.join()
        got = _Failure(RuntimeError(f"a child process died (exit code {proc.exitcode})"))
    finally:
        receive.close()
        proc.join()
    if isinstance(got, _Failure):
        raise got.exc
    return got


def _child_main(fn: Callable[..., Any], args: tuple[Any, ...], send: Any) -> None:
    _reader_init()
    try:
        got: Any = fn(*args)
    except Exception as exc:
        got = _Failure(exc)
    try:
        send.send(got)
    except Exception as exc:  # not picklable: its text is enough
        what = got.exc if isinstance(got, _Failure) else exc
        send.send(_Failure(RuntimeError(f"{type(what).__name__}: {what}")))
    send.close()


def _reader_main(index: int, tasks: Any, results: Any) -> None:
    global _reader_index
    _reader_index = index
    _reader_init()
    while True:
        job = tasks.get()
        if job is _STOP:
            break
        fn, args = job
        try:
            results.put(fn(*args))
        except Exception as exc:  # sent to the writer, which raises it
            results.put(_Failure(exc))
    results.close()
    results.join_thread()


def _reader_init() -> None:
    """In a reader process: die with the migration (a SIGKILLed parent must not leave it behind)."""
    if sys.platform == "linux":
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover
            pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled (rolled back) by the parent
