"""The shipped PostgreSQL and MariaDB schema templates give exactly the schema MLflow's own migrations create on
the same server, and are used only in an empty database, with the installed MLflow's key and the build's server
version; otherwise the migrations run.

"Exactly" is judged by a normalized introspection of the whole schema written here, independently of the
dialects' dump code: tables and their options, columns (types, defaults, nullability, identity and generated
columns, collations; their order, not their attnum, which a dropped column leaves a gap in), every constraint
(PostgreSQL's own text of it, FK actions), index definitions, sequences with their ownership and position,
triggers, functions, and every row (alembic_version, the seeded default workspace). The comparison is shown to
catch a missing index, a lost ON DELETE action and a wrong seeded row.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from mlflow_upgrade.api import migrate_db, migrate_filestore
from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.filestore import schema as dbschema
from mlflow_upgrade.filestore import template
from tests.catalog.support import NEXT_VERSION, next_mlflow
from tests.conftest import MYSQL_ADMIN, PG_ADMIN, _server_database, _unique_name
from tests.support.fixture_stores import copy_filestore_fixture

SERVERS = {"postgresql": PG_ADMIN, "mysql": MYSQL_ADMIN}
REPO = Path(__file__).resolve().parents[2]

# MLflow's own `_initialize_tables`, in a child (MLflow's imports stay out of the test process)
_MLFLOW_CREATES = """
import sys, logging
import sqlalchemy as sa
from mlflow.store.db.utils import _initialize_tables
logging.disable(logging.INFO)
engine = sa.create_engine(sys.argv[1], poolclass=sa.pool.NullPool)
_initialize_tables(engine)
engine.dispose()
"""

_PG_CATALOG = {
    "relations": "SELECT relname, relkind, relpersistence, reloptions::text, relrowsecurity, "
                 "pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = 'public'::regnamespace ORDER BY 1",
    "columns": "SELECT table_name, column_name, rank() OVER (PARTITION BY table_name ORDER BY ordinal_position), "
               "data_type, udt_name, character_maximum_length, numeric_precision, numeric_scale, datetime_precision, "
               "is_nullable, column_default, is_identity, identity_generation, identity_start, identity_increment, "
               "identity_maximum, identity_minimum, identity_cycle, is_generated, generation_expression, "
               "collation_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 3",
    "constraints": "SELECT conrelid::regclass::text, conname, contype, condeferrable, condeferred, convalidated, "
                   "confupdtype, confdeltype, confmatchtype, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2",
    "sequences": "SELECT sequencename, data_type::text, start_value, min_value, max_value, increment_by, cycle, "
                 "cache_size, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1",
    "sequence_owners": "SELECT s.relname, d.deptype, c.relname, a.attname FROM pg_class s JOIN pg_depend d "
                       "ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = "
                       "'pg_class'::regclass JOIN pg_class c ON c.oid = d.refobjid JOIN pg_attribute a "
                       "ON a.attrelid = c.oid AND a.attnum = d.refobjsubid WHERE s.relkind = 'S' "
                       "AND s.relnamespace = 'public'::regnamespace ORDER BY 1, 2",
    "triggers": "SELECT tgrelid::regclass::text, tgname, tgenabled, pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE NOT tgisinternal ORDER BY 1, 2",
    "functions": "SELECT proname, pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
                 "ORDER BY 1",
    "types": "SELECT t.typname, t.typtype, (SELECT array_agg(enumlabel ORDER BY enumsortorder) FROM pg_enum "
             "WHERE enumtypid = t.oid)::text FROM pg_type t WHERE typnamespace = 'public'::regnamespace ORDER BY 1",
    "comments": "SELECT objoid::regclass::text, objsubid, description FROM pg_description WHERE classoid = "
                "'pg_class'::regclass AND objoid IN (SELECT oid FROM pg_class WHERE relnamespace = "
                "'public'::regnamespace) ORDER BY 1, 2",
}
# information_schema tables of MariaDB and the columns that change by themselves (statistics, times)
_MYSQL_CATALOG = {
    "TABLES": ("TABLE_SCHEMA", {"TABLE_ROWS", "AVG_ROW_LENGTH", "DATA_LENGTH", "MAX_DATA_LENGTH", "INDEX_LENGTH",
                                "DATA_FREE", "CREATE_TIME", "UPDATE_TIME", "CHECK_TIME", "CHECKSUM"}),
    "COLUMNS": ("TABLE_SCHEMA", set()),
    "STATISTICS": ("TABLE_SCHEMA", {"CARDINALITY"}),
    "TABLE_CONSTRAINTS": ("CONSTRAINT_SCHEMA", set()),
    "KEY_COLUMN_USAGE": ("TABLE_SCHEMA", set()),
    "REFERENTIAL_CONSTRAINTS": ("CONSTRAINT_SCHEMA", set()),
    "CHECK_CONSTRAINTS": ("CONSTRAINT_SCHEMA", set()),
    "TRIGGERS": ("TRIGGER_SCHEMA", {"CREATED"}),
    "ROUTINES": ("ROUTINE_SCHEMA", {"CREATED", "LAST_ALTERED"}),
}


def describe(uri: str) -> dict[str, Any]:
    """The whole schema and every row of the database ``uri``, normalized (the database's own name left out)."""
    engine = sa.create_engine(uri, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            name = conn.engine.url.database
            if conn.dialect.name == "postgresql":
                found = {key: [tuple(r) for r in conn.exec_driver_sql(sql)] for key, sql in _PG_CATALOG.items()}
            else:
                found = {key: _mysql_rows(conn, key, where, volatile) for key, (where, volatile)
                         in _MYSQL_CATALOG.items()}
                found["show_create"] = [_lines_sorted(conn.exec_driver_sql(f"SHOW CREATE TABLE `{t}`").one()[1])
                                        for t in sorted(sa.inspect(conn).get_table_names())]
            found["rows"] = {t: sorted(map(repr, conn.exec_driver_sql(f'SELECT * FROM {_q(conn, t)}')))
                             for t in sorted(sa.inspect(conn).get_table_names())}
    finally:
        engine.dispose()
    text = json.dumps(found, default=str, sort_keys=True).replace(json.dumps(name)[1:-1], "<db>")
    return json.loads(text)


def _lines_sorted(statement: str) -> list[str]:
    """SHOW CREATE TABLE's lines as a sorted list: MLflow's migrations add a table's indexes in the order of a
    set, which changes from one process to the next (InnoDB lists them in creation order); STATISTICS above
    compares each index whole."""
    return sorted(line.strip().rstrip(",") for line in statement.splitlines())


def _q(conn: sa.Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _mysql_rows(conn: sa.Connection, table: str, where: str, volatile: set[str]) -> list[dict[str, Any]]:
    result = conn.exec_driver_sql(f"SELECT * FROM information_schema.{table} WHERE {where} = DATABASE()")
    rows = [{k: v for k, v in row._mapping.items() if k not in volatile} for row in result]
    return sorted(rows, key=lambda r: json.dumps(r, default=str, sort_keys=True))


@pytest.fixture(params=["postgresql", "mysql"])
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_uri(dialect: str) -> Iterator[str]:
    yield from _server_database(SERVERS[dialect], _unique_name())


@pytest.fixture(scope="module")
def mlflow_made() -> Iterator[Callable[[str], dict[str, Any]]]:
    """{dialect: describe() of a database MLflow's own migrations made}, made once per dialect."""
    made: dict[str, dict[str, Any]] = {}
    cleanups: list[Iterator[str]] = []

    def get(dialect: str) -> dict[str, Any]:
        if dialect not in made:
            databases = _server_database(SERVERS[dialect], _unique_name())
            cleanups.append(databases)
            uri = next(databases)
            subprocess.run([sys.executable, "-c", _MLFLOW_CREATES, uri], check=True, capture_output=True)
            made[dialect] = describe(uri)
        return made[dialect]

    yield get
    for databases in cleanups:
        next(databases, None)


def _engine(uri: str) -> sa.Engine:
    return sa.create_engine(uri, poolclass=NullPool)


def _apply_shipped(uri: str) -> bool:
    engine = _engine(uri)
    try:
        return template.apply_shipped(engine)
    finally:
        engine.dispose()


def _tables(uri: str) -> list[str]:
    engine = _engine(uri)
    try:
        return sorted(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_templates_are_shipped_for_the_installed_mlflow(dialect: str) -> None:
    # fails after an MLflow upgrade until `scripts/build_schema_templates.py` is rerun (else first runs are slow)
    assert template.shipped(dialect) is not None, template.installed_key()


def test_template_schema_is_what_mlflow_creates(dialect: str, empty_uri: str,
                                                mlflow_made: Callable[[str], dict[str, Any]]) -> None:
    engine = _engine(empty_uri)
    try:
        assert dbschema.create_tracking_schema(engine) == "template"
    finally:
        engine.dispose()
    got, expected = describe(empty_uri), mlflow_made(dialect)
    for part in expected:  # one part at a time: a difference is shown where it is
        assert got[part] == expected[part], part
    assert got == expected


# (pattern, replacement) of one change to a template, per dialect: its first match is changed
CHANGES = {
    "missing-index": {"postgresql": (r"(?s)^CREATE INDEX .*", "SELECT 1"),  # one statement per index
                      "mysql": (r"\n  KEY [^\n]*,\n", "\n")},  # a KEY line of a CREATE TABLE
    "missing-on-delete": {"postgresql": (" ON DELETE CASCADE", ""), "mysql": (" ON DELETE CASCADE", "")},
    "other-seed-row": {"postgresql": ("Default workspace", "Default  workspace"),
                       "mysql": ("Default workspace", "Default  workspace")},
}


def _change_first(statements: list[str], pattern: str, replacement: str) -> list[str]:
    i = next(i for i, sql in enumerate(statements) if re.search(pattern, sql))
    return [*statements[:i], re.sub(pattern, replacement, statements[i], count=1), *statements[i + 1:]]


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_comparison_sees_a_changed_template(dialect: str, empty_uri: str, change: str,
                                                mlflow_made: Callable[[str], dict[str, Any]]) -> None:
    """The comparison above can fail: a template missing one index (or one ON DELETE, or with another seeded
    row) gives a schema it tells apart from MLflow's."""
    data = template.shipped(dialect)
    assert data is not None
    engine = _engine(empty_uri)
    try:
        changed = _change_first(list(data["statements"]), *CHANGES[change][dialect])
        get_dialect(dialect).apply_template(engine, {**data, "statements": changed})
    finally:
        engine.dispose()
    assert describe(empty_uri) != mlflow_made(dialect)


def test_another_key_runs_the_migrations(dialect: str, empty_uri: str, monkeypatch: pytest.MonkeyPatch,
                                         mlflow_made: Callable[[str], dict[str, Any]]) -> None:
    """A patched MLflow (other migration scripts): the key differs, MLflow's migrations make the schema."""
    key = dict(template.installed_key())
    monkeypatch.setattr(template, "installed_key", lambda: {**key, "sources_sha256": "0" * 64})
    assert template.shipped(dialect) is None
    engine = _engine(empty_uri)
    try:
        assert dbschema.create_tracking_schema(engine) == "migrations"
    finally:
        engine.dispose()
    assert describe(empty_uri) == mlflow_made(dialect)


def test_another_server_version_gets_no_template(dialect: str, empty_uri: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    data = template.shipped(dialect)
    assert data is not None
    other = {**data, "server": {**data["server"], "server": "elsewhere"}}
    monkeypatch.setattr(template, "shipped", lambda name: other)
    assert _apply_shipped(empty_uri) is False
    assert _tables(empty_uri) == []


def test_a_database_with_tables_never_gets_the_template(dialect: str, empty_uri: str) -> None:
    engine = _engine(empty_uri)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE other_app (x INTEGER)")
        assert template.apply_shipped(engine) is False
        assert _tables(empty_uri) == ["other_app"]
        # the caller's own tables (migrate-db's checkpoint) do not count
        assert template.apply_shipped(engine, ours={"other_app"}) is True
    finally:
        engine.dispose()
    assert "alembic_version" in _tables(empty_uri)


def test_a_failing_template_leaves_the_database_empty(dialect: str, empty_uri: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """MariaDB commits each CREATE TABLE: what the template made before its failing statement is dropped again
    (PostgreSQL rolls the one transaction back); the caller then runs the migrations."""
    data = template.shipped(dialect)
    assert data is not None
    statements = list(data["statements"])
    broken = {**data, "statements": [*statements[:20], "CREATE TABLE broken (x no_such_type)", *statements[20:]]}
    monkeypatch.setattr(template, "shipped", lambda name: broken)
    assert _apply_shipped(empty_uri) is False
    assert _tables(empty_uri) == []


@pytest.fixture
def other_uri(dialect: str) -> Iterator[str]:
    yield from _server_database(SERVERS[dialect], _unique_name())


def test_migrate_filestore_and_migrate_db_use_it(dialect: str, empty_uri: str, other_uri: str,
                                                 tmp_path: Path) -> None:
    report = migrate_filestore(copy_filestore_fixture("2.22.5", tmp_path), empty_uri)
    assert report.status == "complete" and report.schema_source == "template"
    # migrate-db of a store at the installed head into an empty database: the same template
    source = tmp_path / "head.db"
    dbschema.create_sqlite_file(source)
    copy = migrate_db(f"sqlite:///{source}", other_uri)
    assert copy.ok and copy.tracking.schema_source == "template"


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "scripts" / "build_schema_templates.py"), "--check", *args],
                          capture_output=True, text=True, timeout=600)


def test_check_finds_a_stale_template(tmp_path: Path) -> None:
    name = template.template_path(template.installed_key()["mlflow"], "postgresql").name
    data = json.loads((template.TEMPLATE_DIR / name).read_text(encoding="utf-8"))
    data["statements"] = [s for s in data["statements"] if not s.startswith("CREATE INDEX")][1:] + \
        [s for s in data["statements"] if s.startswith("CREATE INDEX")][1:]
    (tmp_path / name).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    result = _check("--dialect", "postgresql", "--out", str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{tmp_path / name}: OUT OF DATE" in result.stdout


def test_check_reports_a_server_it_cannot_reach(tmp_path: Path) -> None:
    result = _check("--dialect", "mysql", "--mysql", "mysql+pymysql://root@127.0.0.1:1/none", "--out", str(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "mysql: server unreachable, template not checked" in result.stdout


_NEXT_CREATES = """
import sys
import sqlalchemy as sa
from mlflow_upgrade.filestore import schema, template
engine = sa.create_engine(sys.argv[1], poolclass=sa.pool.NullPool)
print(template.installed_key()["mlflow"], schema.create_tracking_schema(engine))
"""


def test_next_release_template_is_what_that_mlflow_creates(dialect: str, empty_uri: str, other_uri: str) -> None:
    """The newest release's template (3.18.0, its wheels unpacked first on PYTHONPATH) against its migrations."""
    path = os.pathsep.join([str(next_mlflow()), str(REPO / "src"), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    out = subprocess.run([sys.executable, "-c", _NEXT_CREATES, empty_uri], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == [NEXT_VERSION, "template"]
    subprocess.run([sys.executable, "-c", _MLFLOW_CREATES, other_uri], check=True, capture_output=True, env=env)
    assert describe(empty_uri) == describe(other_uri)


def test_check_ignores_only_the_order_mlflow_varies() -> None:
    """MariaDB: MLflow's migrations make some tables' indexes in set order (it changes between runs), so --check
    compares the key lines as a set; the columns keep their order."""
    made = "CREATE TABLE `t` (\n  `a` int(11),\n  `b` int(11),\n  PRIMARY KEY (`a`),\n  KEY `x` (`a`),\n  KEY `y` (`b`)\n) ENGINE=InnoDB"
    other_keys = made.replace("KEY `x` (`a`),\n  KEY `y` (`b`)", "KEY `y` (`b`),\n  KEY `x` (`a`)")
    other_columns = made.replace("`a` int(11),\n  `b` int(11)", "`b` int(11),\n  `a` int(11)")
    canonical = get_dialect("mysql").canonical_template
    assert canonical({"statements": [made]}) == canonical({"statements": [other_keys]})
    assert canonical({"statements": [made]}) != canonical({"statements": [other_columns]})
