"""Docs tables that restate code facts live between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` markers;
tests compare them with what the code generates. ``MLFLOW_UPGRADE_WRITE_DOCS=1 pytest …`` rewrites them."""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {re.escape(name)}:start -->\n)(.*?)(<!-- {re.escape(name)}:end -->)", re.S)


def check_block(doc: str, name: str, generated: str) -> None:
    """Assert the block ``name`` of ``doc`` (relative to the repo) is ``generated``; rewrite it when asked."""
    path = REPO / doc
    text = path.read_text(encoding="utf-8")
    match = _pattern(name).search(text)
    assert match, f"{doc} has no <!-- {name}:start/end --> block"
    if os.environ.get("MLFLOW_UPGRADE_WRITE_DOCS") == "1" and match.group(2) != generated:
        path.write_text(text[: match.start(2)] + generated + text[match.end(2) :], encoding="utf-8")
        return
    assert match.group(2) == generated, (
        f"{doc}'s {name} table is stale: rerun with MLFLOW_UPGRADE_WRITE_DOCS=1 to regenerate it"
    )
