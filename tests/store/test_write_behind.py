"""dialects.sqlite.write_behind: the database file's dirty pages are flushed while the block runs."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from mlflow_upgrade.dialects import sqlite as sqlite_dialect


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The inodes fdatasync was called on, in order."""
    calls: list[int] = []
    real = os.fdatasync

    def spy(fd: int) -> None:
        calls.append(os.fstat(fd).st_ino)
        real(fd)

    monkeypatch.setattr(sqlite_dialect.os, "fdatasync", spy)
    return calls


def test_flushes_the_database_file_while_the_block_runs(tmp_path: Path, synced: list[int]) -> None:
    db = tmp_path / "mlflow.db"
    conn = sqlite3.connect(db)
    with sqlite_dialect.write_behind(db, every=0.01):
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(10_000)])
        conn.commit()
        time.sleep(0.2)
    flushed = len(synced)
    assert flushed >= 2
    assert set(synced) == {db.stat().st_ino}
    time.sleep(0.05)
    assert len(synced) == flushed  # the thread stopped with the block
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 10_000


def test_a_planted_link_is_not_followed(tmp_path: Path, synced: list[int]) -> None:
    target = tmp_path / "elsewhere.db"
    target.write_bytes(b"")
    link = tmp_path / "mlflow.db"
    link.symlink_to(target)
    with sqlite_dialect.write_behind(link, every=0.01):
        time.sleep(0.05)
    assert synced == []


def test_an_error_in_the_block_stops_the_thread(tmp_path: Path, synced: list[int]) -> None:
    db = tmp_path / "mlflow.db"
    db.write_bytes(b"")
    with pytest.raises(RuntimeError), sqlite_dialect.write_behind(db, every=0.01):
        raise RuntimeError("boom")
    count = len(synced)
    time.sleep(0.05)
    assert len(synced) == count
