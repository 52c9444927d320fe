"""Shipped SQLite schema templates: MLflow's migrated empty database, as SQL, per release.

Running MLflow's ~70 migrations on an empty SQLite file (plus importing MLflow) costs about 6 s, more than
loading a 2 M-line file store. ``scripts/build_schema_templates.py`` therefore runs them once per release
(``_initialize_tables``, MLflow's own code, on an empty file) and dumps the result here as SQL: every
``sqlite_master`` statement verbatim (tables, indexes, views, triggers, each by name), then every row (``alembic_version``, seed rows) as a
``quote()``d literal. A template is used only when its key equals the installed one: the MLflow release, a
SHA-256 over the files that make the schema (the Alembic scripts, ``env.py``/``alembic.ini``, the initial models
and ``db/utils.py``) and the SQLAlchemy and Alembic minor versions that render the DDL. Anything else (a patched
MLflow, another SQLAlchemy) falls back to running the migrations.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from mlflow_upgrade.catalog import installed_script_dir, installed_version
from mlflow_upgrade.store.schema import TRACKING

FORMAT = "mlflow-upgrade-sqlite-schema/1"
TEMPLATE_DIR = Path(__file__).with_name("schemas")
# Files under the installed `mlflow` package whose text decides what `_initialize_tables` creates.
SCHEMA_SOURCES = ("store/db_migrations", "store/tracking/dbmodels/initial_models.py", "store/db/utils.py")
# Database-wide settings a dump must carry besides its statements (page_size etc. are SQLite's defaults).
PRAGMAS = ("user_version", "application_id")


def _minor(dist: str) -> str:
    try:
        return ".".join(version(dist).split(".")[:2])
    except PackageNotFoundError:
        return "none"


@cache
def installed_key() -> dict[str, str]:
    """What a template must have been built from to be the installed MLflow's schema."""
    root = installed_script_dir(TRACKING).parent.parent  # the `mlflow` package, found without importing it
    digest = hashlib.sha256()
    for rel in SCHEMA_SOURCES:
        path = root / rel
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".py", ".ini", ".mako")
                       and "__pycache__" not in p.parts) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(root).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() if file.is_file() else b"<missing>")
            digest.update(b"\0")
    return {"mlflow": installed_version(), "sources_sha256": digest.hexdigest(),
            "sqlalchemy": _minor("sqlalchemy"), "alembic": _minor("alembic")}


def template_path(mlflow_version: str) -> Path:
    return TEMPLATE_DIR / f"sqlite-mlflow-{mlflow_version}.json"


def shipped() -> dict[str, Any] | None:
    """The shipped template for the installed MLflow when its key matches, else None (run the migrations)."""
    key = installed_key()
    path = template_path(key["mlflow"])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("format") != FORMAT or data.get("key") != key:
        return None
    return data


# -- dump and apply (the build script dumps; the migration applies) --------------------------------------------

def dump(path: Path) -> dict[str, Any]:
    """The schema and rows of the SQLite database at ``path``, as statements that recreate it."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        pragmas = {p: con.execute(f"PRAGMA {p}").fetchone()[0] for p in PRAGMAS}
        # MLflow's own order varies between runs (sets inside its migrations): tables, then indexes, views and
        # triggers, each by name, is deterministic and valid (SQLite resolves foreign keys at use, not creation)
        master = con.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY "
                             "CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, "
                             "name").fetchall()
        schema = [sql for _, name, sql in master if name != "sqlite_sequence"]  # made by AUTOINCREMENT tables
        rows: list[str] = []
        for kind, name, _ in master:
            if kind != "table":
                continue
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')]
            values = " || ',' || ".join(f'quote("{c}")' for c in cols)
            rows += sorted(f'INSERT INTO "{name}" VALUES({text})'
                           for (text,) in con.execute(f'SELECT {values} FROM "{name}"'))
    finally:
        con.close()
    return {"pragmas": pragmas, "schema": schema, "rows": rows}


def apply(data: dict[str, Any], path: Path) -> None:
    """Write a template's schema and rows into the empty SQLite file ``path`` (one transaction)."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("BEGIN")
        for sql in [*data["schema"], *data["rows"]]:
            con.execute(sql)
        for name, value in data["pragmas"].items():
            if name in PRAGMAS and re.fullmatch(r"-?\d+", str(value)):
                con.execute(f"PRAGMA {name} = {int(value)}")
        con.execute("COMMIT")
    finally:
        con.close()
