"""The model fixtures (``tests/fixtures/<release>/models/``, made by ``scripts/make_fixtures.py --models``) at the
path their artifact URIs name: ``/tmp/mlflow-upgrade-model-fixtures/<release>``.

MLflow stores absolute artifact URIs, so the committed store only works where it was built; this copies it back
there (under a lock, for parallel test workers) unless an identical copy is already in place.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BUILD = Path("/tmp/mlflow-upgrade-model-fixtures")  # scripts/make_fixtures.py's MODEL_BUILD
RELEASES = ("1.30.1", "2.22.5")


def committed(release: str) -> Path:
    return FIXTURES / release / "models"


def manifest(release: str) -> dict:
    return json.loads((committed(release) / "manifest.json").read_text())


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("writer-")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def place(release: str) -> Path:
    """The fixture store at its build path (copied there if missing or different); returns that directory."""
    source, dest = committed(release), BUILD / release
    BUILD.mkdir(parents=True, exist_ok=True)
    with open(BUILD / f".lock-{release}", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        wanted = _digest(source)
        if not dest.is_dir() or _digest(dest) != wanted:
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(source, dest)
    return dest
