"""Example store bundled with the package, for ``mlflow-upgrade inspect --example``.

``mlflow-1.30.1.db`` is the SQLite tracking + registry store written by the real MLflow 1.30.1 (a copy of
``tests/fixtures/1.30.1/mlflow.db``, rebuilt by ``scripts/make_fixtures.py``). Treat it as read-only: copy it
before doing anything that could write to it.
"""

from __future__ import annotations

from pathlib import Path

EXAMPLE_DB: Path = Path(__file__).resolve().parent / "mlflow-1.30.1.db"
EXAMPLE_RELEASE = "1.30.1"

__all__ = ["EXAMPLE_DB", "EXAMPLE_RELEASE"]
