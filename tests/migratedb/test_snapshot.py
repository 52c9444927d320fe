"""The source is read in one snapshot: a PostgreSQL or MariaDB source that an MLflow server keeps writing while
migrate-db runs is copied as it was when the copy began, never torn (REPEATABLE READ on PostgreSQL, a consistent
snapshot on MariaDB/InnoDB, read-only in both).

migrate-db is paused after its first commit inside ``metrics`` (experiments and runs copied, ``params`` and
``tags`` not read yet); another connection then inserts, updates and deletes rows in tables already copied, being
copied and not yet read, and commits; migrate-db goes on. The destination must hold exactly the rows from before.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from tests.migratedb.support import all_rows, run_until_paused, source_store

SMALL = {"MLFLOW_UPGRADE_DB_BATCH_ROWS": "20", "MLFLOW_UPGRADE_DB_COMMIT_ROWS": "50"}
RUN = "abaa1e477e1f4584b1965477c3a65832"  # a run of the 1.30.1 fixture


def _write_meanwhile(uri: str) -> None:
    engine = sa.create_engine(uri, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            metrics = sa.Table("metrics", sa.MetaData(), autoload_with=conn)
            conn.execute(metrics.insert().values(key="late", value=1.0, timestamp=1, run_uuid=RUN, step=0,
                                                 is_nan=False))
            conn.exec_driver_sql("UPDATE params SET value = 'changed meanwhile'")
            conn.exec_driver_sql("DELETE FROM tags")
            conn.exec_driver_sql("UPDATE experiments SET name = CONCAT(name, ' (renamed)')")
    finally:
        engine.dispose()


@pytest.mark.parametrize("src_dialect", ["postgresql", "mysql"])
def test_writes_during_the_copy_are_not_copied(src_dialect: str, tmp_path: Path, pg_uri: str,
                                               mysql_uri: str) -> None:
    src = source_store("1.30.1", src_dialect, tmp_path, pg_uri, mysql_uri)
    dest = f"sqlite:///{tmp_path / 'copy.db'}"
    before = all_rows(src)
    proc = run_until_paused("migrate-db:metrics@1", [src, dest, "--json"], SMALL)
    try:
        _write_meanwhile(src)  # commits while migrate-db's snapshot is open
        assert all_rows(src) != before
        proc.send_signal(signal.SIGUSR1)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert json.loads(out)["ok"]
    assert all_rows(dest) == before
