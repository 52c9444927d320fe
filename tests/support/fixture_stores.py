"""Stores written by real MLflow releases (``tests/fixtures/<release>/``), handed to tests as fresh copies.

The committed fixtures are made by ``scripts/make_fixtures.py`` (each release in its own venv). Tests never
touch them in place: ``copy_sqlite_fixture`` / ``copy_auth_fixture`` / ``copy_filestore_fixture`` give a
writable copy under ``tmp_path``; ``load_fixture_into`` / ``load_auth_fixture_into`` build the same store on
PostgreSQL or MariaDB.

How ``load_fixture_into`` builds a server store ("faithful copy")
------------------------------------------------------------------
1. ``mlflow.store.tracking.dbmodels.initial_models.Base.metadata.create_all`` (MLflow's pre-Alembic schema), exactly as
   ``mlflow.store.db.utils._initialize_tables`` does;
2. the installed MLflow's OWN Alembic migrations, ``alembic.command.upgrade(cfg, <fixture revision>)``, so the
   schema stops exactly at the fixture's revision;
3. every row of every table copied from the SQLite fixture, parents before children; rows a migration seeded
   (3.x ``workspaces``) are replaced by the fixture's; MySQL/MariaDB runs with ``FOREIGN_KEY_CHECKS=0`` and
   ``NO_AUTO_VALUE_ON_ZERO`` (the Default experiment has id 0, which MySQL would otherwise renumber);
   PostgreSQL sequences (``experiments.experiment_id`` and any other serial) are moved past the copied ids.
The auth DB is the same with ``mlflow/server/auth/db/migrations``. The installed MLflow (3.17.2) keeps its auth
revision in ``alembic_version_auth``; fixtures of 2.x-3.0 keep it in ``alembic_version``, so the loaded copy
renames the table back to what the fixture's release uses.

Faithfulness check (2026-11-27; dev venv MLflow 3.17.2 / SQLAlchemy 2.1; PostgreSQL, MariaDB 10.11.19)
--------------------------------------------------------------------------------------------------------
``python scripts/make_fixtures.py --check-faithfulness 1.30.1 2.16.2 2.22.5 3.0.1 3.17.2`` lets each release,
in its own venv (psycopg2-binary, pymysql), create its stores directly on the servers (tracking:
``SqlAlchemyStore(uri, root)``; auth: ``mlflow.server.auth.sqlalchemy_store.SqlAlchemyStore().init_db(uri)``),
builds the same stores with ``load_fixture_into`` / ``load_auth_fixture_into``, and compares
``schema_snapshot`` of both (tables; columns with type, nullability, server default; PKs; indexes with
uniqueness; unique and check constraints; FKs). Result:

    release  PostgreSQL tracking  PostgreSQL auth  MariaDB tracking  MariaDB auth
    1.30.1   identical            (no auth)        identical         (no auth)
    2.16.2   identical            identical        identical         release itself fails
    2.22.5   identical            identical        identical         release itself fails
    3.0.1    identical            identical        identical         release itself fails
    3.17.2   identical            identical        identical         release itself fails

So the migration scripts shipped in 3.17.2 rebuild every older revision exactly. Two things needed fixing on
the way, both in the row copy, not the schema: 3.17.2's ``spans.duration_ns`` is a generated column (skipped
on insert; the server recomputes it), and MariaDB renumbers an inserted id 0 (the Default experiment) unless
``NO_AUTO_VALUE_ON_ZERO`` is set. The auth DB on MariaDB: every release fails with "Can't create table
registered_model_permissions (errno: 121 Duplicate key on write or update)": its initial migration names both
permission tables' foreign keys ``fk_user_id`` and MySQL constraint names are per database (mlflow/mlflow#9642,
still open). ``load_auth_fixture_into`` raises ``AuthDbUnsupported`` there rather than invent a schema MLflow
cannot make. Not compared: row *values* beyond counts (the copy is column-for-column; SQLite already stored
+/-inf as +/-1.7976931348623157e308 and NaN as 0 with is_nan), and the server's collation (MariaDB's default
``utf8mb4_general_ci`` here, which is case-insensitive, unlike SQLite and PostgreSQL).

Cost (this machine, under load from parallel work): importing mlflow 3.17.2 takes 15-30 s once per process;
migrating an empty PostgreSQL DB from nothing to 3.17.2 about 10 s, MariaDB about 22 s; each row copy < 3 s.
``clear_store`` lets a test load every release into one database, oldest first, paying the chain once.
"""

from __future__ import annotations

import json
import shutil
import stat
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_VERSION_TABLES = ("alembic_version", "alembic_version_auth")


def _release_key(release: str) -> tuple[int, ...]:
    return tuple(int(p) for p in release.split("."))


FIXTURE_RELEASES: list[str] = sorted(
    (p.parent.name for p in FIXTURES.glob("*/manifest.json")), key=_release_key
)


def fixture_dir(release: str) -> Path:
    path = FIXTURES / release
    if not (path / "manifest.json").exists():
        raise FileNotFoundError(f"no fixture for MLflow {release}: run scripts/make_fixtures.py --release {release}")
    return path


@cache
def _manifest(release: str) -> str:
    return (fixture_dir(release) / "manifest.json").read_text()


def manifest(release: str) -> dict[str, Any]:
    """The fixture's manifest (a fresh dict each call, so tests may mutate it)."""
    return json.loads(_manifest(release))


def _writable_copy(src: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)  # copyfile, not copy2: the copy must not inherit a read-only mode
    dest.chmod(dest.stat().st_mode | stat.S_IWUSR)
    return dest


def copy_sqlite_fixture(release: str, tmp_path: Path, name: str = "mlflow.db") -> str:
    """URI of a fresh writable copy of the release's SQLite tracking store."""
    dest = _writable_copy(fixture_dir(release) / "mlflow.db", Path(tmp_path) / f"{release}-{name}")
    return f"sqlite:///{dest}"


def copy_auth_fixture(release: str, tmp_path: Path) -> str:
    """URI of a fresh writable copy of the release's basic-auth DB (2.5+)."""
    src = fixture_dir(release) / "basic_auth.db"
    if not src.exists():
        raise FileNotFoundError(f"MLflow {release} has no basic-auth DB fixture (auth is 2.5+)")
    return f"sqlite:///{_writable_copy(src, Path(tmp_path) / f'{release}-basic_auth.db')}"


def copy_filestore_fixture(release: str, tmp_path: Path) -> Path:
    """Path of a fresh copy of the release's ``mlruns`` file store, with the empty directories git dropped.

    MLflow's file store needs them (e.g. an empty ``params/`` of a run); the manifest lists them. Measured on a
    ``git archive`` of the fixtures: 1.30.1 and 2.16.2 read the store without them, 3.17.2 fails ("Run '...' not
    found") until they are back.
    """
    dest = Path(tmp_path) / f"{release}-mlruns"
    shutil.copytree(fixture_dir(release) / "mlruns", dest)
    for rel in manifest(release)["file_store_empty_dirs"]:
        (dest / rel).mkdir(parents=True, exist_ok=True)
    return dest


def _read_only_engine(path: Path) -> sa.Engine:
    return sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", poolclass=NullPool)


def table_counts(uri: str) -> dict[str, int]:
    """Row count of every table (version tables included), like the manifest's ``table_counts``."""
    engine = sa.create_engine(uri, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            return {t: conn.execute(sa.select(sa.func.count()).select_from(sa.table(t))).scalar_one()
                    for t in sorted(names)}
    finally:
        engine.dispose()


def _render(uri: str | sa.URL) -> str:
    return sa.make_url(uri).render_as_string(hide_password=False)


def _current_revision(conn: sa.Connection, table: str) -> str | None:
    if not sa.inspect(conn).has_table(table):
        return None
    return conn.exec_driver_sql(f"SELECT version_num FROM {table}").scalar()


def _require_empty(conn: sa.Connection) -> None:
    """Only an empty store may be upgraded in place before the copy (see ``clear_store``)."""
    for table in sa.inspect(conn).get_table_names():
        if table not in _VERSION_TABLES and conn.execute(
                sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one():
            raise RuntimeError(f"target database is not empty (table {table} has rows): use an empty database")


def _migrate_tracking(engine: sa.Engine, revision: str) -> None:
    from alembic import command
    from mlflow.store.db.utils import _get_alembic_config
    from mlflow.store.tracking.dbmodels.initial_models import Base as InitialBase

    with engine.connect() as conn:
        current = _current_revision(conn, "alembic_version")
        if current is not None:
            _require_empty(conn)
    if current is None:
        InitialBase.metadata.create_all(engine)
    config = _get_alembic_config(_render(engine.url))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def _migrate_auth(engine: sa.Engine, revision: str, version_table: str) -> None:
    from alembic import command
    from mlflow.server.auth.db.utils import _get_alembic_config

    with engine.begin() as conn:  # an emptied store left at an old release's name: back to the installed one's
        if _current_revision(conn, "alembic_version") and not _current_revision(conn, "alembic_version_auth"):
            _require_empty(conn)
            _rename_version_table(conn, "alembic_version", "alembic_version_auth")
    config = _get_alembic_config(_render(engine.url))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    with engine.begin() as conn:
        present = set(sa.inspect(conn).get_table_names())
        for table in set(_VERSION_TABLES) & present - {version_table}:
            _rename_version_table(conn, table, version_table)


def _rename_version_table(conn: sa.Connection, old: str, new: str) -> None:
    conn.exec_driver_sql(f"ALTER TABLE {old} RENAME TO {new}")
    pk = sa.inspect(conn).get_pk_constraint(new).get("name")
    if conn.dialect.name == "postgresql" and pk and pk != f"{new}_pkc":  # alembic names it "<table>_pkc"
        conn.exec_driver_sql(f"ALTER TABLE {new} RENAME CONSTRAINT {pk} TO {new}_pkc")


def _copy_rows(source: Path, engine: sa.Engine) -> None:
    src_engine = _read_only_engine(source)
    src_meta, dst_meta = sa.MetaData(), sa.MetaData()
    src_meta.reflect(src_engine)
    dst_meta.reflect(engine)
    ordered = [t for t in dst_meta.sorted_tables if t.name not in _VERSION_TABLES]
    missing = set(src_meta.tables) - set(dst_meta.tables)
    if missing:
        raise RuntimeError(f"tables of the fixture not created by the migrations: {sorted(missing)}")
    mysql = engine.dialect.name in ("mysql", "mariadb")
    try:
        with src_engine.connect() as src, engine.begin() as dst:
            if mysql:
                dst.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
                dst.exec_driver_sql("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO')")
            for table in reversed(ordered):  # rows seeded by migrations give way to the fixture's rows
                dst.execute(table.delete())
            for table in ordered:
                if table.name not in src_meta.tables:
                    continue
                src_table = src_meta.tables[table.name]
                _check_columns(src_table, table)
                # Generated columns (3.x spans.duration_ns) are computed by the server and refuse values.
                names = [c.name for c in table.columns if c.computed is None]
                query = sa.select(*(src_table.c[n] for n in names))
                rows = [dict(r._mapping) for r in src.execute(query)]
                for start in range(0, len(rows), 500):
                    dst.execute(table.insert(), rows[start:start + 500])
            if mysql:
                dst.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")
            if engine.dialect.name == "postgresql":
                _fix_sequences(dst)
    finally:
        src_engine.dispose()


def _check_columns(src: sa.Table, dst: sa.Table) -> None:
    if set(src.columns.keys()) != set(dst.columns.keys()):
        raise RuntimeError(f"{dst.name}: fixture columns {sorted(src.columns.keys())} != migrated "
                           f"{sorted(dst.columns.keys())}")


def _fix_sequences(conn: sa.Connection) -> None:
    """Move every serial/identity sequence past the ids copied in explicitly."""
    serials = conn.execute(sa.text(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')")).all()
    for table, column in serials:
        conn.execute(sa.text(
            f'SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX("{column}"), 1), '
            f'MAX("{column}") IS NOT NULL) FROM "{table}"'), {"t": f'"{table}"', "c": column})


def clear_store(uri: str) -> None:
    """Delete every row but the schema revision, so a later (newer) fixture can be loaded into the same DB.

    Migrating one database forward release by release costs one migration chain instead of one per release.
    """
    engine = sa.create_engine(uri, poolclass=NullPool)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.begin() as conn:
            if engine.dialect.name in ("mysql", "mariadb"):
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
            for table in reversed(meta.sorted_tables):
                if table.name not in _VERSION_TABLES:
                    conn.execute(table.delete())
    finally:
        engine.dispose()


def load_fixture_into(release: str, target_uri: str) -> None:
    """Build the release's tracking store at ``target_uri`` (PostgreSQL, MariaDB/MySQL or SQLite).

    The target is an empty database, or one emptied by ``clear_store`` at an older revision (upgraded first).
    """
    m = manifest(release)
    engine = sa.create_engine(target_uri, poolclass=NullPool)
    try:
        _migrate_tracking(engine, m["tracking_revision"])
        _copy_rows(fixture_dir(release) / "mlflow.db", engine)
    finally:
        engine.dispose()


class AuthDbUnsupported(RuntimeError):
    """MLflow's own auth migrations cannot create the basic-auth DB on this dialect."""


def load_auth_fixture_into(release: str, target_uri: str) -> None:
    """Build the release's basic-auth DB on an empty PostgreSQL/SQLite database at ``target_uri``.

    MySQL/MariaDB raise ``AuthDbUnsupported``: every release's initial auth migration (8606fa83a998) names two
    foreign keys ``fk_user_id``, and MySQL constraint names are per database, so MLflow itself fails there with
    "errno: 121 Duplicate key on write or update" (mlflow/mlflow#9642, #10964); no faithful copy can exist.
    """
    m = manifest(release)
    if not m.get("auth_revision"):
        raise FileNotFoundError(f"MLflow {release} has no basic-auth DB fixture (auth is 2.5+)")
    if sa.make_url(target_uri).get_backend_name() in ("mysql", "mariadb"):
        raise AuthDbUnsupported("MLflow's auth migrations cannot run on MySQL/MariaDB (duplicate FK name "
                                "fk_user_id, mlflow/mlflow#9642); use PostgreSQL or SQLite for the auth DB")
    engine = sa.create_engine(target_uri, poolclass=NullPool)
    try:
        _migrate_auth(engine, m["auth_revision"], m["auth_version_table"])
        _copy_rows(fixture_dir(release) / "basic_auth.db", engine)
    finally:
        engine.dispose()


def any_dialect_store(release: str, dialect: str, tmp_path: Path, pg_uri: str | None = None,
                      mysql_uri: str | None = None) -> str:
    """URI of the release's tracking store on ``dialect`` ("sqlite", "postgresql" or "mysql")."""
    if dialect == "sqlite":
        return copy_sqlite_fixture(release, tmp_path)
    target = {"postgresql": pg_uri, "mysql": mysql_uri}[dialect]
    if target is None:
        raise ValueError(f"pass the {dialect} database URI (the pg_uri / mysql_uri test fixtures)")
    load_fixture_into(release, target)
    return target


def _default(column: dict[str, Any]) -> str | None:
    default = column.get("default")
    return None if default is None else str(default)


def schema_snapshot(uri: str) -> dict[str, Any]:
    """Tables, columns (type, nullability, server default), PKs, indexes, unique/check constraints, FKs.

    Used to compare a loaded store with one a release created itself on the same server.
    """
    engine = sa.create_engine(uri, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            out: dict[str, Any] = {}
            for t in sorted(insp.get_table_names()):
                out[t] = {
                    "columns": {c["name"]: (str(c["type"]), c["nullable"], _default(c)) for c in insp.get_columns(t)},
                    "pk": sorted(insp.get_pk_constraint(t)["constrained_columns"]),
                    "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                                      for i in insp.get_indexes(t)),
                    "unique": sorted((u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(t)),
                    "fks": sorted((tuple(f["constrained_columns"]), f["referred_table"],
                                   tuple(f["referred_columns"])) for f in insp.get_foreign_keys(t)),
                    "checks": sorted((c.get("name") or "", " ".join(c["sqltext"].split()))
                                     for c in insp.get_check_constraints(t)),
                }
            return out
    finally:
        engine.dispose()
