"""How long work reports its progress, without knowing who (if anyone) shows it.

Library functions take a :class:`Progress` (default :data:`QUIET`, which shows nothing) and report through
tasks::

    with progress.task("dump: tables", total=len(tables), unit="tables") as task:
        for table in tables:
            ...
            task.advance()

The command line passes a terminal implementation (``mlflow_upgrade.cli.render.progress``); the library never
imports it.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol


class ProgressTask(Protocol):
    """One piece of long work: a description, a total (``None`` while unknown) and how much is done."""

    def advance(self, amount: float = 1) -> None:
        """``amount`` more units done."""

    def update(self, *, description: str | None = None, total: float | None = None,
               completed: float | None = None) -> None:
        """Change what is shown: a new description, a (now known) total, or the units done so far."""

    def throughput(self, done: int) -> None:
        """``done`` of the task's ``rate_unit`` (e.g. rows) so far: a display may show them per second."""

    def finish(self) -> None:
        """The work is over (done or not): the task shows no more change."""

    def __enter__(self) -> ProgressTask: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...


class Progress(Protocol):
    """Where tasks are started."""

    def task(self, description: str, total: float | None = None, *, completed: float = 0, unit: str = "",
             rate_unit: str = "") -> ProgressTask:
        """Start a task. ``unit`` names what ``total`` counts (tables, pages, bytes); ``rate_unit`` what
        :meth:`ProgressTask.throughput` counts."""
        ...


class NullTask:
    """A task nobody watches."""

    def advance(self, amount: float = 1) -> None:
        pass

    def update(self, *, description: str | None = None, total: float | None = None,
               completed: float | None = None) -> None:
        pass

    def throughput(self, done: int) -> None:
        pass

    def finish(self) -> None:
        pass

    def __enter__(self) -> NullTask:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.finish()


class NullProgress:
    """Shows nothing: the library's default."""

    def task(self, description: str, total: float | None = None, *, completed: float = 0, unit: str = "",
             rate_unit: str = "") -> NullTask:
        return NullTask()


QUIET: Progress = NullProgress()
