"""migrate-db on every pair of SQLite, PostgreSQL and MariaDB, with stores written by real old releases.

Each pair uses another release (the older, the shorter MLflow's migration chain, the faster the test): every
row of every table must arrive identical (compared independently of migrate-db's own digest), the destination
must be at the source's revision with none of our checkpoint tables left, and a new experiment must get a fresh
id (PostgreSQL's sequence moved past the copied ids).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from mlflow_upgrade.api import migrate_db
from tests.conftest import MYSQL_ADMIN, PG_ADMIN, _server_database, _unique_name
from tests.migratedb.support import all_rows, revision, source_store, table_names
from tests.support.fixture_stores import manifest

PAIRS = [
    ("sqlite", "sqlite", "2.9.2"),
    ("sqlite", "postgresql", "3.17.2"),
    ("sqlite", "mysql", "2.16.2"),
    ("postgresql", "sqlite", "2.22.5"),
    ("postgresql", "postgresql", "1.30.1"),
    ("postgresql", "mysql", "1.30.1"),
    ("mysql", "sqlite", "3.0.1"),
    ("mysql", "postgresql", "1.30.1"),
    ("mysql", "mysql", "1.30.1"),
]


@pytest.fixture
def pg_uri2() -> Iterator[str]:
    yield from _server_database(PG_ADMIN, _unique_name())


@pytest.fixture
def mysql_uri2() -> Iterator[str]:
    yield from _server_database(MYSQL_ADMIN, _unique_name())


def destination(dialect: str, tmp_path: Path, pg_uri2: str, mysql_uri2: str) -> str:
    return {"sqlite": f"sqlite:///{tmp_path / 'dest' / 'copy.db'}", "postgresql": pg_uri2,
            "mysql": mysql_uri2}[dialect]


def _new_experiment_id(uri: str) -> tuple[int, int]:
    """(largest copied experiment id, id the database gives a new experiment)."""
    engine = sa.create_engine(uri, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            top = conn.exec_driver_sql("SELECT MAX(experiment_id) FROM experiments").scalar()
            conn.exec_driver_sql("INSERT INTO experiments (name, lifecycle_stage) VALUES ('after-copy', 'active')")
            new = conn.exec_driver_sql("SELECT experiment_id FROM experiments WHERE name = 'after-copy'").scalar()
        return int(top), int(new)
    finally:
        engine.dispose()


@pytest.mark.parametrize(("src_dialect", "dest_dialect", "release"), PAIRS,
                         ids=[f"{s}-to-{d}-{r}" for s, d, r in PAIRS])
def test_pair_copies_every_row(src_dialect: str, dest_dialect: str, release: str, tmp_path: Path, pg_uri: str,
                               mysql_uri: str, pg_uri2: str, mysql_uri2: str) -> None:
    src = source_store(release, src_dialect, tmp_path, pg_uri, mysql_uri)
    (tmp_path / "dest").mkdir()
    dest = destination(dest_dialect, tmp_path, pg_uri2, mysql_uri2)
    before = all_rows(src)

    report = migrate_db(src, dest)

    assert report.ok, report.to_dict()
    copy = report.tracking
    assert copy.status == "complete" and copy.mode == "new"
    assert all(t.same for t in copy.tables)
    assert all_rows(dest) == before
    assert all_rows(src) == before  # the source was only read
    assert revision(dest) == manifest(release)["tracking_revision"]
    assert not [t for t in table_names(dest) if t.startswith("mlflow_upgrade")]
    assert copy.rows == sum(len(rows) for rows in before.values())
    # at the installed head the schema is the shipped template's (an empty destination, the same server)
    assert copy.schema_source == ("template" if release == "3.17.2" else "migrations")
    if release == "3.17.2":  # at the installed head: MLflow's own store read the copy back
        assert report.read_back is not None and report.read_back["ok"]
    else:
        assert report.read_back is None and "--upgrade" in report.read_back_note
    top, new = _new_experiment_id(dest)
    assert new > top
