"""Terminal rendering (rich) and JSON output. JSON is always the same result object, serialised.

Every string that reaches the terminal or a log goes through :func:`mlflow_upgrade.store.uri.mask_uri`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import logging
import math
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import rich.progress
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from mlflow_upgrade import errors
from mlflow_upgrade.progress import QUIET, Progress
from mlflow_upgrade.store.masking import mask_uri

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def print_error(message: str) -> None:
    """The one line a user sees for a failure (on stderr, password masked)."""
    stderr.print(f"[bold red]mlflow-upgrade: error:[/] {escape(mask_uri(message))}")


def print_warning(message: str) -> None:
    stderr.print(f"[yellow]warning:[/] {escape(mask_uri(message))}")


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, enums, paths, datetimes → plain JSON values (non-finite floats as strings)."""
    if hasattr(obj, "to_dict"):
        return to_jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, (dt.datetime, dt.date)):
        return obj.isoformat()
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if isinstance(obj, str):
        return mask_uri(obj)
    return obj


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(obj), indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()


EXIT_CODES_MARK = "{exit_codes}"
_F = TypeVar("_F", bound=Callable[..., Any])


def exit_codes_help(meanings: Mapping[errors.ExitCode, str], lead: str = "Exit codes") -> Callable[[_F], _F]:
    """Decorator (below ``@click.command``): write the verb's exit codes, generated from ``errors.ExitCode``
    with its own words, where its docstring says ``{exit_codes}``."""
    def decorate(func: _F) -> _F:
        doc = func.__doc__ or ""
        if EXIT_CODES_MARK not in doc:
            raise ValueError(f"{func.__name__}'s docstring has no {EXIT_CODES_MARK} for its exit codes")
        func.__doc__ = doc.replace(EXIT_CODES_MARK, errors.verb_exit_codes(meanings, lead))
        return func

    return decorate


def show_report(report: Any, as_json: bool, render_text: Callable[[Any], None]) -> None:
    """A verb's report: JSON for ``--json``, else the verb's own rendering."""
    if as_json:
        print_json(report)
    else:
        render_text(report)


@contextmanager
def failed_report_shown(as_json: bool, render_text: Callable[[Any], None], *,
                        text_too: bool = True) -> Iterator[None]:
    """A failure carrying the report so far (``exc.report``: what was written before it) shows that report the
    way success would, then propagates (its one-line error and exit code follow). ``text_too=False``: only
    ``--json`` shows it (where the error line already names what matters)."""
    try:
        yield
    except errors.MlflowUpgradeError as exc:
        failed = getattr(exc, "report", None)
        if failed is not None and (as_json or text_too):
            show_report(failed, as_json, render_text)
        raise


class MaskingFilter(logging.Filter):
    """Masks passwords in every log record, whatever logger produced it (ours, Alembic's, MLflow's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_uri(record.getMessage())
        record.args = None
        return True


@contextmanager
def progress(enabled: bool = True) -> Iterator[Progress]:
    """The progress display a verb passes to the library: rich bars on stderr, or nothing when not ``enabled``
    (--json, --no-progress, non-terminals). Leaving the block stops a display an error left running."""
    if not enabled:
        yield QUIET
        return
    display = RichProgress()
    try:
        yield display
    finally:
        display.stop()


class RichProgress:
    """Bars on stderr. A display starts with the first task and stops (leaving its bars) when all its tasks
    are finished, so consecutive phases (backup, fingerprint, migrations) print one after the other."""

    def __init__(self) -> None:
        self._bars: rich.progress.Progress | None = None
        self._open: set[rich.progress.TaskID] = set()

    def task(self, description: str, total: float | None = None, *, completed: float = 0, unit: str = "",
             rate_unit: str = "") -> _RichTask:
        if self._bars is None:
            self._bars = rich.progress.Progress(*_COLUMNS, console=stderr, transient=False)
            self._bars.start()
        task_id = self._bars.add_task(description, total=total, completed=completed, rate=unit)
        self._open.add(task_id)
        return _RichTask(self, self._bars, task_id, rate_unit)

    def finished(self, task_id: rich.progress.TaskID) -> None:
        self._open.discard(task_id)
        if not self._open:
            self.stop()

    def stop(self) -> None:
        if self._bars is not None:
            self._bars.stop()
        self._bars = None
        self._open.clear()


class _RichTask:
    def __init__(self, owner: RichProgress, bars: rich.progress.Progress, task_id: rich.progress.TaskID,
                 rate_unit: str) -> None:
        self._owner, self._bars, self._id, self._rate_unit = owner, bars, task_id, rate_unit
        self._done = False
        self._started = time.monotonic()

    def advance(self, amount: float = 1) -> None:
        self._bars.advance(self._id, amount)

    def update(self, *, description: str | None = None, total: float | None = None,
               completed: float | None = None) -> None:
        self._bars.update(self._id, description=description, total=total, completed=completed)

    def throughput(self, done: int) -> None:
        elapsed = time.monotonic() - self._started
        if elapsed > 0:
            self._bars.update(self._id, rate=f"{done / elapsed:,.0f} {self._rate_unit}/s")

    def finish(self) -> None:
        if not self._done:
            self._done = True
            self._owner.finished(self._id)

    def __enter__(self) -> _RichTask:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.finish()


_COLUMNS = (
    TextColumn("[progress.description]{task.description}"),
    BarColumn(),
    MofNCompleteColumn(),
    TextColumn("{task.fields[rate]}"),  # the unit, or a rate for tasks that report throughput
    TimeElapsedColumn(),
    TimeRemainingColumn(),
)
