"""Rewrite Python code, notebooks and config from MLflow 1.x/2.x to 3.x (libcst; formatting preserved).

    from mlflow_upgrade.api import codemod_check, codemod_fix
    result = codemod_check(["src/"])
    for finding in result.findings: ...
"""

from __future__ import annotations

from mlflow_upgrade.codemod.engine import run
from mlflow_upgrade.codemod.results import CodemodResult, FileError, Finding

__all__ = ["CodemodResult", "FileError", "Finding", "codemod_check", "codemod_diff", "codemod_fix"]


def _paths(paths) -> list[str]:
    return [paths] if isinstance(paths, str) else [str(p) for p in paths]


def codemod_check(paths, *, from_major: int | None = None, select: list[str] | None = None,
                  ignore: list[str] | None = None, jobs: int | None = None) -> CodemodResult:
    """Report findings under ``paths`` without changing anything."""
    return run(_paths(paths), "check", from_major=from_major, select=select, ignore=ignore, jobs=jobs)


def codemod_diff(paths, *, from_major: int | None = None, select: list[str] | None = None,
                 ignore: list[str] | None = None, jobs: int | None = None) -> CodemodResult:
    """Like :func:`codemod_check`, plus ``result.diffs`` (path -> unified diff) of what ``fix`` would write."""
    return run(_paths(paths), "diff", from_major=from_major, select=select, ignore=ignore, jobs=jobs)


def codemod_fix(paths, *, from_major: int | None = None, select: list[str] | None = None,
                ignore: list[str] | None = None, jobs: int | None = None) -> CodemodResult:
    """Apply every safe fix in place; the result lists fixed and remaining findings."""
    return run(_paths(paths), "fix", from_major=from_major, select=select, ignore=ignore, jobs=jobs)
