"""What the fallback tests share: the newest MLflow's unpacked wheels, and a catalog built as if before it.

The newest release (3.18.0) cannot install here (`mlflow==3.18.0` pins an mlflow-tracing this index lacks), so
`scripts/test.sh` unpacks its two wheels into .cache/mlflow-next; tests put that directory first on
PYTHONPATH (a subprocess) or point the catalog's reader at it (in process). Nothing here uses the network.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
NEXT_DIR = REPO / ".cache" / "mlflow-next"
NEXT_VERSION = "3.18.0"


def next_mlflow() -> Path:
    """The unpacked newest MLflow (skipped when absent, but a failure in CI where test.sh fetches it)."""
    if (NEXT_DIR / f"mlflow-{NEXT_VERSION}.dist-info").is_dir():
        return NEXT_DIR
    message = f"MLflow {NEXT_VERSION}'s wheels are not unpacked in {NEXT_DIR}: run `bash scripts/test.sh` once"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def catalog_without(data: dict[str, Any], version: str) -> dict[str, Any]:
    """The catalog `scripts/build_catalog.py` would have written before `version` was released."""
    old = copy.deepcopy(data)
    del old["releases"][version]
    old["generated_from"]["wheels"].pop(version, None)
    releases = sorted(old["releases"], key=Version)
    for db in ("tracking", "auth"):
        revisions = old[db]["revisions"]
        for rev in [r for r, facts in revisions.items() if facts["introduced_in"] == version]:
            del revisions[rev]
        for facts in revisions.values():
            facts["head_of"] = [v for v in facts["head_of"] if v != version]
            _unship(facts["shipped_in"], version, releases)
            for key in ("revised_in", "ops_changed_in"):
                if version in facts.get(key, ()):
                    facts[key] = [v for v in facts[key] if v != version]
                    if not facts[key]:
                        del facts[key]
    for name in [n for n, f in old["flavors"].items() if f["first"] == version]:
        del old["flavors"][name]
    for flavor in old["flavors"].values():
        _unship(flavor, version, releases)
    return old


def _unship(shipped: dict[str, Any], version: str, releases: list[str]) -> None:
    if shipped["last"] != version:
        return
    missing = set(shipped.get("missing_in", ()))
    span = releases[releases.index(shipped["first"]) :]
    shipped["last"] = [v for v in span if v not in missing][-1]
    shipped["releases"] -= 1
    if "missing_in" in shipped:
        shipped["missing_in"] = [v for v in shipped["missing_in"] if Version(v) < Version(shipped["last"])]
    if "range" in shipped:
        first, last = shipped["first"], shipped["last"]
        shipped["range"] = first if first == last else f"{first}–{last}"


def write_catalog(data: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return path
