"""Create the destination schema with MLflow's own migrations (``_initialize_tables``), never by hand.

Running the ~70 migrations takes 3-6 s with MLflow's import (SQLite about 6 s, PostgreSQL 3.4 s, MariaDB 4.5 s),
longer than loading many stores. For a new SQLite file the schema therefore comes, in order of preference, from
a cached template database (``$MLFLOW_UPGRADE_CACHE`` or ``~/.cache/mlflow-upgrade``), copied; from the shipped
dump of what ``_initialize_tables`` produced for the installed release (``filestore.template``, used only when
its key matches the installed MLflow's schema sources); from running the migrations. An empty PostgreSQL or
MySQL/MariaDB database gets the shipped dump of its dialect the same way (:func:`create_tracking_schema`, also
the server's version must match the build's), else the migrations. Every cached template is checked against
the installed head revision before use.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

import sqlalchemy as sa

from mlflow_upgrade import errors, safe_files
from mlflow_upgrade.catalog import (
    installed_head,
    installed_version,
    load_catalog,
    newer_than_installed,
    store_too_new,
)
from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.filestore import pipeline, template
from mlflow_upgrade.store.schema import TRACKING, TRACKING_VERSION_TABLE, read_version_rows
from mlflow_upgrade.store.uri import StoreRef, mask_uri, sqlite_readonly_uri, sqlite_url

_log = logging.getLogger(__name__)

# Tables whose rows mean "this database already holds MLflow data".
DATA_TABLES = ("experiments", "runs", "registered_models", "trace_info", "logged_models")


def head_revision() -> str:
    """The installed MLflow's tracking head, read from its scripts' text by the catalog (no `import mlflow`,
    which costs seconds: the common paths, template present or resume, never import MLflow at all)."""
    return installed_head(TRACKING)


def refuse_too_new(ref: StoreRef, revision: str | None) -> None:
    """A destination written by a newer MLflow than the installed one: the same line as every verb (exit 5)."""
    if revision is None or not newer_than_installed(TRACKING, revision):
        return
    # Another application's revision in a shared alembic_version is not MLflow's: its own error follows.
    if load_catalog().is_known(TRACKING, revision) or re.fullmatch(r"[0-9a-f]{12,13}", revision):
        raise store_too_new(ref.masked, TRACKING, revision)


def initialize(engine: sa.Engine) -> None:
    """Create or upgrade-to-head an empty database with MLflow's migrations; quiet, errors as one line.

    They run in a child process: importing MLflow takes ~250 MB that would stay in this process for the
    whole migration (the goal is 300 MB in all) and the child's memory is returned when it ends."""
    pipeline.call_in_child(_initialize_here, engine)


def _initialize_here(engine: sa.Engine) -> None:
    """In the child: ``engine`` is the parent's (NullPool: no connection is shared across the fork)."""
    from mlflow.store.db.utils import _initialize_tables

    for name in ("alembic", "mlflow.store.db.utils"):
        logging.getLogger(name).setLevel(max(logging.getLogger(name).level, logging.WARNING))
    try:
        _initialize_tables(engine)
    except Exception as exc:
        text = mask_uri(str(exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "Can't locate revision" in text:
            raise errors.StoreTooNew(
                f"the destination was created by a newer MLflow ({text}): upgrade the installed mlflow"
            ) from None
        raise errors.OperationFailed(f"creating the MLflow schema failed: {text}") from None


def _cache_dir() -> Path:
    base = os.environ.get("MLFLOW_UPGRADE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mlflow-upgrade"
    )
    return Path(base)


def _revision_of(path: Path) -> str | None:
    try:
        con = sqlite3.connect(sqlite_readonly_uri(path), uri=True)
        try:
            rows = read_version_rows(con, TRACKING_VERSION_TABLE)
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return rows[0] if rows else None


def sqlite_template() -> Path | None:
    """A cached SQLite database at the installed head, created by MLflow's migrations (None if no cache)."""
    head = head_revision()
    cache = _cache_dir()
    cached = cache / f"sqlite-schema-mlflow{installed_version()}-{head}.db"
    if cached.is_file() and _revision_of(cached) == head:
        return cached
    try:
        cache.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache, suffix=".db.tmp")
        os.close(fd)
        os.unlink(tmp)
    except OSError:
        return None
    _create_schema(Path(tmp))
    if _revision_of(Path(tmp)) != head:
        Path(tmp).unlink(missing_ok=True)
        return None
    os.replace(tmp, cached)
    return cached


def create_tracking_schema(engine: sa.Engine) -> str:
    """MLflow's tracking schema at the installed head in the database of ``engine``: from the shipped template
    when it may be used there (``template.apply_shipped``: an empty database, the installed MLflow's key, the
    same server version), else by MLflow's migrations (which also bring an older MLflow schema to head).
    Returns how: "template" or "migrations"."""
    if template.apply_shipped(engine):
        return "template"
    initialize(engine)
    return "migrations"


def _create_schema(path: Path) -> str:
    """MLflow's schema at head in the new SQLite file ``path``."""
    engine = sa.create_engine(sqlite_url(path), poolclass=sa.pool.NullPool)
    try:
        return create_tracking_schema(engine)
    finally:
        engine.dispose()


def create_sqlite_file(path: Path) -> str:
    """Create a new SQLite destination at ``path`` holding MLflow's schema at head (atomic: all or nothing);
    returns where the schema came from: "cache", "template" or "migrations"."""
    if not path.parent.is_dir():
        raise errors.StoreNotFound(f"directory {path.parent} of the SQLite destination does not exist")
    cached = sqlite_template()
    # a fresh random name (mkstemp, 0600): a link planted at a predictable one cannot redirect the copy
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".mlflow-upgrade-tmp")
    except OSError as exc:
        raise safe_files.cannot_write("SQLite destination", path, exc) from None
    try:
        if cached is not None:
            with os.fdopen(fd, "wb") as out, open(cached, "rb") as src:
                shutil.copyfileobj(src, out)
            source = "cache"
        else:  # no writable cache: the schema is made on the destination itself
            os.close(fd)
            source = _create_schema(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return source


def has_mlflow_data(engine: sa.Engine) -> dict[str, int]:
    """Row counts of MLflow's data tables that hold rows (empty dict: nothing to lose)."""
    names = set(sa.inspect(engine).get_table_names())
    found: dict[str, int] = {}
    with engine.connect() as conn:
        for table in DATA_TABLES:
            if table in names:
                n = conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar() or 0
                if n:
                    found[table] = int(n)
    return found


def experiment_id_bits(engine: sa.Engine) -> int:
    """64 when experiments.experiment_id holds 18-digit file-store ids (SQLite, BIGINT), else 32."""
    if get_dialect(engine.dialect.name).integers_are_64_bit:
        return 64
    for col in sa.inspect(engine).get_columns("experiments"):
        if col["name"] == "experiment_id":
            return 64 if isinstance(col["type"], sa.BigInteger) else 32
    return 32


# (table, column) of the user's values whose declared length a server enforces
_LIMITED = (("params", "key"), ("params", "value"), ("tags", "key"), ("tags", "value"), ("metrics", "key"))


def value_limits(engine: sa.Engine) -> dict[str, int]:
    """{"params.value": 8000, ...}: the declared lengths of the columns that hold the user's keys and values,
    where the database enforces them (PostgreSQL refuses a longer value, MySQL refuses or truncates it;
    SQLite stores it whole: {})."""
    if not get_dialect(engine.dialect.name).enforces_lengths:
        return {}
    return _declared_lengths(engine)


def declared_limits(dialect: str) -> dict[str, int]:
    """``value_limits`` of a destination with the installed MLflow's schema, before it exists (--strict reads
    the cached SQLite template: the models declare the same lengths on every dialect)."""
    if not get_dialect(dialect).enforces_lengths:
        return {}
    cached = sqlite_template()
    if cached is None:
        return {}
    engine = sa.create_engine(f"sqlite:///{cached}", poolclass=sa.pool.NullPool)
    try:
        return _declared_lengths(engine)
    finally:
        engine.dispose()


def _declared_lengths(engine: sa.Engine) -> dict[str, int]:
    inspector = sa.inspect(engine)
    out: dict[str, int] = {}
    for table, column in _LIMITED:
        for col in inspector.get_columns(table):
            length = getattr(col["type"], "length", None)
            if col["name"] == column and isinstance(length, int):
                out[f"{table}.{column}"] = length
    return out
