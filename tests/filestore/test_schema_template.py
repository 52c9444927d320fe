"""The shipped SQLite schema template gives exactly the schema MLflow creates itself, and is used only when it
was built from the installed MLflow's schema sources (otherwise the migrations run)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.dialects.sqlite import sorted_constraints
from mlflow_upgrade.filestore import schema as dbschema
from mlflow_upgrade.filestore import template
from tests.catalog.support import NEXT_VERSION, next_mlflow

# MLflow's own store on an empty file: SqlAlchemyStore runs `_initialize_tables`, then seeds its default
# experiment (rows no migration writes, so they are left out of the row comparison below).
_MLFLOW_CREATES = """
import sys
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
store = SqlAlchemyStore(f"sqlite:///{sys.argv[1]}", sys.argv[2])
store.engine.dispose()
"""
SEEDED_BY_THE_STORE = {"experiments", "experiment_tags"}


def _mlflow_made(tmp_path: Path, env: dict[str, str] | None = None) -> Path:
    path = tmp_path / "mlflow-made.db"
    subprocess.run([sys.executable, "-c", _MLFLOW_CREATES, str(path), (tmp_path / "artifacts").as_uri()],
                   check=True, capture_output=True, env=env)
    return path


def test_constraint_order_is_the_only_freedom() -> None:
    a = 'CREATE TABLE t (\n\tx INT, \n\ty INT, \n\tCONSTRAINT b CHECK (y > 0), \n\tCONSTRAINT a CHECK (x > 0)\n)'
    b = 'CREATE TABLE t (\n\tx INT, \n\ty INT, \n\tCONSTRAINT a CHECK (x > 0), \n\tCONSTRAINT b CHECK (y > 0)\n)'
    swapped_columns = 'CREATE TABLE t (\n\ty INT, \n\tx INT, \n\tCONSTRAINT a CHECK (x > 0), \n\tCONSTRAINT b CHECK (y > 0)\n)'
    assert sorted_constraints(a) == sorted_constraints(b) != sorted_constraints(swapped_columns)


def _describe(path: Path) -> dict[str, Any]:
    con = sqlite3.connect(path)
    try:
        master = sorted(((t, n, tbl, sorted_constraints(sql)) for t, n, tbl, sql in
                         con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")), key=repr)
        pragmas = {p: con.execute(f"PRAGMA {p}").fetchone()[0]
                   for p in ("user_version", "application_id", "page_size", "auto_vacuum", "encoding",
                             "journal_mode")}
        tables = [name for kind, name, _, _ in master if kind == "table" and name not in SEEDED_BY_THE_STORE]
        rows = {name: sorted(con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in tables}
        columns = {name: con.execute(f'PRAGMA table_xinfo("{name}")').fetchall() for name in tables}
    finally:
        con.close()
    return {"master": master, "pragmas": pragmas, "rows": rows, "columns": columns}


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("MLFLOW_UPGRADE_CACHE", str(cache))  # a machine that never ran the tool
    return cache


def test_a_template_is_shipped_for_the_installed_mlflow() -> None:
    # fails after an MLflow upgrade until `scripts/build_schema_templates.py` is rerun (else first runs are slow)
    assert template.shipped() is not None, template.installed_key()


def test_template_schema_is_what_mlflow_creates(tmp_path: Path, empty_cache: Path) -> None:
    ours = tmp_path / "ours.db"
    dbschema.create_sqlite_file(ours)
    expected = _describe(_mlflow_made(tmp_path))
    got = _describe(ours)
    assert got["master"] == expected["master"]
    assert got == expected


def test_first_run_never_imports_mlflow(tmp_path: Path, empty_cache: Path) -> None:
    probe = ("import sys; from pathlib import Path; from mlflow_upgrade.filestore import schema; "
             "schema.create_sqlite_file(Path(sys.argv[1])); print('mlflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "d.db")], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_next_release_template_is_what_that_mlflow_creates(tmp_path: Path, empty_cache: Path) -> None:
    """The newest release's template (3.18.0, its wheels unpacked first on PYTHONPATH) against its own store."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(next_mlflow()), os.environ.get("PYTHONPATH", "")])}
    probe = ("import sys; from pathlib import Path; from mlflow_upgrade.filestore import schema, template; "
             "assert template.shipped() is not None, template.installed_key(); "
             "schema.create_sqlite_file(Path(sys.argv[1])); print(template.installed_key()['mlflow'])")
    ours = tmp_path / "ours.db"
    out = subprocess.run([sys.executable, "-c", probe, str(ours)], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == NEXT_VERSION
    assert _describe(ours) == _describe(_mlflow_made(tmp_path, env))


def test_a_template_for_other_sources_is_not_used(tmp_path: Path, empty_cache: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A patched MLflow (other migration scripts): the key differs, the migrations run, the schema is right."""
    key = dict(template.installed_key())
    monkeypatch.setattr(template, "installed_key", lambda: {**key, "sources_sha256": "0" * 64})
    assert template.shipped() is None
    ours = tmp_path / "ours.db"
    dbschema.create_sqlite_file(ours)
    assert _describe(ours) == _describe(_mlflow_made(tmp_path))


def test_dump_and_apply_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "src.db"
    with sqlite3.connect(src) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(5) UNIQUE, x REAL, b BLOB)")
        con.execute("CREATE INDEX ix ON t (x)")
        con.execute("INSERT INTO t (name, x, b) VALUES ('a''b', 0.1, x'00ff'), (NULL, NULL, NULL)")
        con.execute("PRAGMA user_version = 7")
    dest = tmp_path / "dest.db"
    sqlite = get_dialect("sqlite")
    src_engine, dest_engine = (sa.create_engine(f"sqlite:///{p}", poolclass=sa.pool.NullPool) for p in (src, dest))
    with src_engine.connect() as conn:
        sqlite.apply_template(dest_engine, sqlite.dump_template(conn))
    src_engine.dispose()
    dest_engine.dispose()
    assert _describe(dest) == _describe(src)


def test_a_failing_template_leaves_the_file_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One transaction: a template failing half-way leaves no table behind (the migrations then run)."""
    data = template.shipped()
    assert data is not None
    broken = {**data, "schema": [*data["schema"][:30], "CREATE TABLE broken (", *data["schema"][30:]]}
    monkeypatch.setattr(template, "shipped", lambda dialect="sqlite": broken)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'd.db'}", poolclass=sa.pool.NullPool)
    try:
        assert template.apply_shipped(engine) is False
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
