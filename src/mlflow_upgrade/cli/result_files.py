"""Options shared by ``runbook`` and ``report``: results of other verbs given as their ``--json`` files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from mlflow_upgrade import errors

_VERBS = ("compat", "models", "diffcheck")


def INPUT_OPTIONS(func: Callable) -> Callable:
    for verb in reversed(_VERBS):
        func = click.option(f"--{verb}-json", f"{verb}_json", metavar="FILE",
                            type=click.Path(dir_okay=False, exists=True),
                            help=f"Output of `mlflow-upgrade {verb} --json` to include (else shown as not run).")(func)
    return func


def load_inputs(*paths: str | None) -> dict[str, Any]:
    """{verb: parsed JSON or None} for compat, models, diffcheck."""
    out: dict[str, Any] = {}
    for verb, path in zip(_VERBS, paths, strict=True):
        if path is None:
            out[verb] = None
            continue
        try:
            out[verb] = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise errors.UsageError(f"--{verb}-json {path}: not a JSON file ({type(exc).__name__})") from None
        if not isinstance(out[verb], dict):
            raise errors.UsageError(f"--{verb}-json {path}: expected a JSON object")
    return out
