"""Each fact has one owner in src/: these tests fail when a second copy appears.

The current revision is read only by ``store.schema.read_version_rows``; the version tables are named only in
``store/schema.py``; the pending chain is computed only by ``catalog.revisions_after``; the supported dialects
are the registered ones.
"""

from __future__ import annotations

import ast
import re
import sqlite3
from pathlib import Path

import sqlalchemy

from mlflow_upgrade import catalog, dialects
from mlflow_upgrade.store import schema
from mlflow_upgrade.upgrade import alembic_driver
from mlflow_upgrade.upgrade.verify import expectations

SRC = Path(schema.__file__).resolve().parents[1]


def _sources() -> dict[str, str]:
    return {p.relative_to(SRC).as_posix(): p.read_text(encoding="utf-8") for p in sorted(SRC.rglob("*.py"))}


def test_version_tables_are_read_in_one_place() -> None:
    readers = [name for name, text in _sources().items() if re.search(r"\bversion_num\b", text)]
    assert readers == ["store/schema.py"], f"read the revision with store.schema.read_version_rows: {readers}"


def test_version_table_names_are_defined_in_one_place() -> None:
    names = set(schema.ALL_VERSION_TABLES)
    # catalog/analyze/ reads env.py scripts of old releases: "alembic_version" there is Alembic's own default.
    allowed = {"store/schema.py", "catalog/analyze/__init__.py"}
    found = {
        name
        for name, text in _sources().items()
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Constant) and node.value in names and name not in allowed
    }
    assert not found, f"use store.schema.VERSION_TABLE / ALL_VERSION_TABLES instead of the literal in {found}"


def test_one_reader_for_sqlalchemy_and_sqlite3(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        con.executemany("INSERT INTO alembic_version VALUES (?)", [("b",), ("a",)])
    with sqlite3.connect(path) as con:
        plain = schema.read_version_rows(con, schema.TRACKING_VERSION_TABLE)
    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        via_sqlalchemy = schema.read_version_rows(conn, schema.TRACKING_VERSION_TABLE)
    assert plain == via_sqlalchemy == ["a", "b"]
    assert schema.read_revision(engine, schema.TRACKING) == "a"
    assert schema.read_revision(engine, schema.AUTH) is None  # no alembic_version_auth table
    engine.dispose()


def test_pending_chain_has_one_owner() -> None:
    chain = catalog.installed_revisions(schema.TRACKING)
    start = chain[len(chain) // 2]
    expected = chain[chain.index(start) + 1 :]
    assert catalog.revisions_after(schema.TRACKING, start) == expected
    assert [f.revision for f in catalog.pending_revisions(schema.TRACKING, start)] == expected
    assert [r.revision for r in alembic_driver.pending(schema.TRACKING, start)] == expected
    assert expectations.pending_revisions(start) == set(expected)
    assert catalog.revisions_after(schema.TRACKING, "not-a-revision") is None
    assert alembic_driver.pending(schema.TRACKING, "not-a-revision") == []
    assert expectations.pending_revisions("not-a-revision") is None
    # Only the catalog walks the installed chain: nobody else slices it.
    slicers = [n for n, t in _sources().items() if re.search(r"\.index\((current|revision|from_rev)\) \+ 1", t)]
    assert slicers == ["catalog/__init__.py"], slicers


def test_supported_dialects_are_the_registered_ones() -> None:
    assert dialects.supported() == ("sqlite", "postgresql", "mysql")
    for name in dialects.supported():
        assert dialects.get_dialect(name).name == name
    assert not dialects.is_supported("mssql")


def test_sqlite_counts_are_estimated_above_the_threshold_unless_exact(tmp_path: Path) -> None:
    """SQLite's estimate (issue 15: a COUNT(*) of a large table reads a whole index from a cold disk) is the
    rowid range, marked not exact; ``exact=True`` counts."""
    from mlflow_upgrade.store.counts import count_rows

    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE runs (id INTEGER)")
        conn.exec_driver_sql("INSERT INTO runs VALUES (1), (2), (3)")
    with engine.connect() as conn:
        estimated = count_rows(conn, dialects.get_dialect("sqlite"), ["runs"], threshold=1)
        exact = count_rows(conn, dialects.get_dialect("sqlite"), ["runs"], threshold=1, exact=True)
        below = count_rows(conn, dialects.get_dialect("sqlite"), ["runs"], threshold=4)
    engine.dispose()
    assert estimated["runs"].rows == 3 and not estimated["runs"].exact
    assert exact["runs"].rows == 3 and exact["runs"].exact
    assert below["runs"].rows == 3 and below["runs"].exact
