"""Crash matrix: SIGKILL migrate-db at each phase, run the same command again: complete, no duplicate, no
missing row.

The test-only hook ``MLFLOW_UPGRADE_TEST_PAUSE_AT`` stops the process at ``migrate-db:schema`` (MLflow's
migrations done, no row copied), ``migrate-db:migrations`` (inside them: MLflow's initial tables made, its
Alembic scripts not run), ``migrate-db:<table>@<n>`` (right after the n-th commit inside a table),
``migrate-db:verify`` (every row copied, digests not compared) or ``migrate-db:cleanup`` (verified, our
checkpoint tables not yet dropped). Small batches (20 rows, a commit every 50) make the 1.30.1 store's 302
metric points span several commits.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.migratedb.support import (
    all_rows,
    cli,
    ddl,
    fresh_schema,
    kill_at,
    revision,
    source_store,
    table_names,
)
from tests.migratedb.test_pairs import mysql_uri2, pg_uri2  # noqa: F401 (fixtures)
from tests.support.fixture_stores import copy_sqlite_fixture

RELEASE = "1.30.1"
# DEFER_ROWS=1: every table is loaded without its indexes and keys (PostgreSQL: metrics' primary and foreign key
# too), as the large tables of a real store are, so a kill mid-table leaves them dropped and the rerun rebuilds them.
SMALL = {"MLFLOW_UPGRADE_DB_BATCH_ROWS": "20", "MLFLOW_UPGRADE_DB_COMMIT_ROWS": "50",
         "MLFLOW_UPGRADE_DB_DEFER_ROWS": "1"}
# Each kill point on two pairs: inside MLflow's migrations, after them, after the n-th commit inside metrics,
# during the digests, before our checkpoint tables are dropped.
MATRIX = [
    ("sqlite", "postgresql", "migrate-db:migrations"),
    ("mysql", "sqlite", "migrate-db:migrations"),
    ("sqlite", "sqlite", "migrate-db:schema"),
    ("postgresql", "mysql", "migrate-db:schema"),
    ("sqlite", "postgresql", "migrate-db:metrics@2"),
    ("sqlite", "mysql", "migrate-db:metrics@1"),
    ("mysql", "postgresql", "migrate-db:metrics@3"),
    ("postgresql", "sqlite", "migrate-db:verify"),
    ("sqlite", "postgresql", "migrate-db:verify"),
    ("postgresql", "sqlite", "migrate-db:cleanup"),
]


def _count(uri: str, table: str) -> int:
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    engine = sa.create_engine(uri, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar())
    finally:
        engine.dispose()


@pytest.mark.parametrize(("src_dialect", "dest_dialect", "pause"), MATRIX,
                         ids=[f"{s}-to-{d}-{p.split(':')[1]}" for s, d, p in MATRIX])
def test_kill_then_rerun_completes(src_dialect: str, dest_dialect: str, pause: str, tmp_path: Path, pg_uri: str,
                                   mysql_uri: str, pg_uri2: str, mysql_uri2: str) -> None:  # noqa: F811
    src = source_store(RELEASE, src_dialect, tmp_path, pg_uri, mysql_uri)
    dest = {"sqlite": f"sqlite:///{tmp_path / 'copy.db'}", "postgresql": pg_uri2, "mysql": mysql_uri2}[dest_dialect]
    before = all_rows(src)

    kill_at(pause, [src, dest], SMALL)
    assert "mlflow_upgrade_db_state" in table_names(dest)  # an interrupted copy, recognisable as ours
    if "@" in pause:  # some metric rows committed, not all: the rerun has to resume inside the table
        assert 0 < _count(dest, "metrics") < len(before["metrics"])

    result = cli(src, dest, "--json", "--no-progress", env=SMALL)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["tracking"]["mode"] == "resume"
    if "@" in pause:
        metrics = report["tracking"]["tables"]["metrics"]
        assert 0 < metrics["copied_now"] < metrics["copied"] == len(before["metrics"])
    assert all_rows(dest) == before
    assert not [t for t in table_names(dest) if t.startswith("mlflow_upgrade")]
    # what was dropped for the load came back exactly: the same keys, indexes and constraints, by the same names
    spare = {"sqlite": f"sqlite:///{tmp_path / 'fresh.db'}", "postgresql": pg_uri, "mysql": mysql_uri}[dest_dialect]
    assert spare not in (src, dest)
    assert ddl(dest) == ddl(fresh_schema(spare, revision(src)))


def test_interrupted_copy_of_another_source_is_refused(tmp_path: Path) -> None:
    src = copy_sqlite_fixture(RELEASE, tmp_path, name="a.db")
    other = copy_sqlite_fixture(RELEASE, tmp_path, name="b.db")
    dest = f"sqlite:///{tmp_path / 'copy.db'}"
    kill_at("migrate-db:metrics@1", [src, dest], SMALL)
    copied = _count(dest, "metrics")
    result = cli(other, dest)
    assert result.returncode == 9 and "interrupted copy of" in result.stderr, result.stderr
    assert _count(dest, "metrics") == copied
    with sqlite3.connect(tmp_path / "copy.db") as con:  # nothing else was written either
        assert con.execute("SELECT COUNT(*) FROM mlflow_upgrade_db_tables WHERE complete = 1").fetchone()[0] >= 1
