"""Shipped schema templates: MLflow's migrated empty database, as SQL, per release and dialect.

Running MLflow's ~70 migrations on an empty database (plus importing MLflow) costs 3-6 s (SQLite 6 s,
PostgreSQL 3.4 s, MariaDB 4.5 s), more than loading many file stores. ``scripts/build_schema_templates.py``
therefore runs them once per release and dialect (``_initialize_tables``, MLflow's own code, on an empty SQLite
file and on a fresh PostgreSQL and MariaDB database) and dumps the result here as ordered SQL statements that
recreate it exactly; what is dumped and how it is replayed is each dialect's (``Dialect.dump_template``,
``template_server``, ``apply_template`` in ``mlflow_upgrade.dialects``). This module owns the rest: the file
format, the key, and the choice.

A template is used only when its key equals the installed one: the MLflow release, a SHA-256 over the files that
make the schema (the Alembic scripts, ``env.py``/``alembic.ini``, the initial models and ``db/utils.py``) and the
SQLAlchemy and Alembic minor versions that render the DDL; on a server also only when the destination's
``template_server`` (server version, and on MySQL/MariaDB the database's default charset, collation and engine)
equals the build server's, and only into a database holding no table (but the caller's own). Anything else (a
patched MLflow, another SQLAlchemy, another server version, a database with tables) runs the migrations.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Collection
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mlflow_upgrade.catalog import installed_script_dir, installed_version
from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.store.schema import TRACKING
from mlflow_upgrade.store.uri import mask_uri

FORMAT = "mlflow-upgrade-{dialect}-schema/1"
TEMPLATE_DIR = Path(__file__).with_name("schemas")
# Files under the installed `mlflow` package whose text decides what `_initialize_tables` creates.
SCHEMA_SOURCES = ("store/db_migrations", "store/tracking/dbmodels/initial_models.py", "store/db/utils.py")
# The dialects templates are built and shipped for.
DIALECTS = ("sqlite", "postgresql", "mysql")

_log = logging.getLogger(__name__)


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


def template_path(mlflow_version: str, dialect: str = "sqlite") -> Path:
    return TEMPLATE_DIR / f"{dialect}-mlflow-{mlflow_version}.json"


def shipped(dialect: str = "sqlite") -> dict[str, Any] | None:
    """The shipped template of ``dialect`` for the installed MLflow when its key matches, else None (run the
    migrations)."""
    key = installed_key()
    path = template_path(key["mlflow"], dialect)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("format") != FORMAT.format(dialect=dialect) or data.get("key") != key:
        return None
    return data


def build(conn: sa.Connection) -> dict[str, Any]:
    """The template of the database ``conn`` is on (which MLflow's migrations just made), keyed by the
    installed MLflow: the content of ``template_path`` (``scripts/build_schema_templates.py``)."""
    dialect = get_dialect(conn.dialect.name)
    server = dialect.template_server(conn)
    return {"format": FORMAT.format(dialect=dialect.name), "key": installed_key(),
            **({"server": server} if server else {}), **dialect.dump_template(conn)}


def apply_shipped(engine: sa.Engine, ours: Collection[str] = ()) -> bool:
    """Create MLflow's schema at the installed head from the shipped template in the database of ``engine``
    when the template may be used there (see the module's docstring); False, with nothing written, when it
    may not (the caller then runs the migrations). ``ours``: the caller's own tables, which may be present."""
    dialect = get_dialect(engine.dialect.name)
    data = shipped(dialect.name)
    if data is None:
        return False
    with engine.connect() as conn:
        if set(dialect.list_tables(conn)) - set(ours) or data.get("server", {}) != dialect.template_server(conn):
            return False
    try:
        dialect.apply_template(engine, data)
    except sa.exc.DBAPIError as exc:  # undone by the dialect; the migrations say what is wrong, if anything
        _log.warning("the shipped schema template did not apply (%s): running MLflow's migrations",
                     mask_uri(str(exc.orig or exc)).strip().splitlines()[0])
        return False
    return True
