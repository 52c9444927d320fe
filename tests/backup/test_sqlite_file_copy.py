"""SQLite native backups: a rollback-journal database is copied byte for byte under a read lock and hashed on
the way; a WAL database goes through the backup API (its committed pages may still be in the -wal file)."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.backup import backup, restore
from mlflow_upgrade.dialects import sqlite as sqlite_dialect
from tests.support.fixture_stores import copy_sqlite_fixture
from tests.support.sqlite_writer import try_write


def _db(tmp_path: Path) -> Path:
    uri = copy_sqlite_fixture("3.17.2", tmp_path)
    return Path(uri.removeprefix("sqlite:///"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_journal_mode_store_is_copied_byte_for_byte(tmp_path: Path) -> None:
    db = _db(tmp_path)
    manifest = backup(f"sqlite:///{db}", tmp_path / "bk", method="native")
    (entry,) = manifest.files
    copy = tmp_path / "bk" / entry.name
    assert manifest.details["method"] == "locked file copy"
    assert copy.read_bytes() == db.read_bytes()
    assert entry.sha256 == _sha(copy) and entry.size == db.stat().st_size
    assert copy.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    assert manifest.row_counts["runs"] == runs


def test_writers_wait_while_the_file_is_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _db(tmp_path)
    seen: list[str] = []
    real = sqlite_dialect._copy_and_hash

    def copy_while_someone_writes(fd, out, progress, description):
        seen.append(try_write(db))
        return real(fd, out, progress, description)

    monkeypatch.setattr(sqlite_dialect, "_copy_and_hash", copy_while_someone_writes)
    before = db.read_bytes()
    manifest = backup(f"sqlite:///{db}", tmp_path / "bk", method="native")
    assert seen == ["database is locked"]
    assert (tmp_path / "bk" / manifest.files[0].name).read_bytes() == before


def test_wal_store_uses_the_backup_api_and_keeps_uncheckpointed_rows(tmp_path: Path) -> None:
    db = _db(tmp_path)
    keeper = sqlite3.connect(db)  # an open connection keeps the -wal file from being checkpointed away
    keeper.execute("PRAGMA journal_mode=WAL")
    keeper.execute("PRAGMA wal_autocheckpoint=0")
    keeper.execute("UPDATE experiments SET name = name || ' (in the wal)'")
    keeper.commit()
    try:
        manifest = backup(f"sqlite:///{db}", tmp_path / "bk", method="native")
    finally:
        keeper.close()
    copy = tmp_path / "bk" / manifest.files[0].name
    assert manifest.details["method"] == "backup API"
    assert manifest.files[0].sha256 == _sha(copy)
    with sqlite3.connect(copy) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM experiments")]
    assert names and all(n.endswith(" (in the wal)") for n in names)


def test_file_copy_restores(tmp_path: Path) -> None:
    db = _db(tmp_path)
    original = db.read_bytes()
    manifest = backup(f"sqlite:///{db}", tmp_path / "bk", method="native")
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM metrics")
    restore(tmp_path / "bk", force=True)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0] == manifest.row_counts["metrics"]
    assert manifest.row_counts["metrics"] > 0 and len(db.read_bytes()) == len(original)


def test_hot_journal_is_not_copied(tmp_path: Path) -> None:
    """A crashed writer's hot journal: the copy would be torn; SQLite's read refuses, nothing is written."""
    db = _db(tmp_path)
    shutil.copyfile(db, tmp_path / "spare.db")
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA cache_size=1")  # spill to the file mid-transaction, leaving a hot journal behind
    conn.execute("BEGIN")
    conn.execute("UPDATE metrics SET value = value + 1")
    journal = Path(f"{db}-journal")
    assert journal.exists()
    shutil.copyfile(journal, tmp_path / "hot-journal")
    shutil.copyfile(db, tmp_path / "torn.db")
    conn.execute("ROLLBACK")
    conn.close()
    torn = tmp_path / "torn.db"
    shutil.copyfile(tmp_path / "hot-journal", f"{torn}-journal")
    with pytest.raises(errors.MlflowUpgradeError, match="readonly") as info:
        backup(f"sqlite:///{torn}", tmp_path / "bk", method="native")
    assert "\n" not in str(info.value)
    assert not list((tmp_path / "bk").glob("*.sqlite")) if (tmp_path / "bk").exists() else True
