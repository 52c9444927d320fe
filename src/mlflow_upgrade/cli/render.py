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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

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


class MaskingFilter(logging.Filter):
    """Masks passwords in every log record, whatever logger produced it (ours, Alembic's, MLflow's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_uri(record.getMessage())
        record.args = None
        return True


@contextmanager
def progress(enabled: bool = True) -> Iterator[Progress]:
    """A rich progress display on stderr; disabled (but still usable) for --json or non-terminals."""
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=stderr, disable=not enabled, transient=False) as bar:
        yield bar
