"""SQLite backups on a filesystem with copy-on-write clones (XFS here, Btrfs alike): the backup shares the
database's blocks instead of copying them, under the same read lock, and is hashed from the database file.

The filesystem is a real XFS image mounted on a loop device (root, ``mkfs.xfs`` from xfsprogs: `.ci/run`
installs it); elsewhere these tests are skipped, saying why."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlflow_upgrade.backup import backup, restore
from mlflow_upgrade.dialects import sqlite as sqlite_dialect
from tests.support.fixture_stores import copy_sqlite_fixture
from tests.support.sqlite_writer import try_write

CLONE = "locked file clone (reflink)"


@pytest.fixture(scope="module")
def xfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A mounted 300 MB XFS filesystem with reflinks."""
    if os.geteuid() != 0 or shutil.which("mkfs.xfs") is None:
        pytest.skip("needs root and mkfs.xfs (xfsprogs) to mount an XFS image")
    base = tmp_path_factory.mktemp("xfs")
    image, mount = base / "fs.img", base / "mnt"
    mount.mkdir()
    with open(image, "wb") as fh:
        fh.truncate(300 << 20)
    subprocess.run(["mkfs.xfs", "-q", "-m", "reflink=1", str(image)], check=True)
    mounted = subprocess.run(["mount", "-o", "loop", str(image), str(mount)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a loop device here: {mounted.stderr.strip()}")
    try:
        yield mount
    finally:  # lazily if a file is still open there: the mount must not outlive the test run
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], check=False)


def _db(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return Path(copy_sqlite_fixture("3.17.2", directory).removeprefix("sqlite:///"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shared_extents(path: Path) -> bool:
    """Whether the file's blocks are shared with another file (FIEMAP's SHARED flag, as filefrag prints it)."""
    out = subprocess.run(["filefrag", "-v", str(path)], capture_output=True, text=True, check=True).stdout
    return "shared" in out


def test_the_backup_shares_the_databases_blocks_and_keeps_them(xfs: Path, tmp_path: Path) -> None:
    db = _db(xfs / "one")
    original = db.read_bytes()
    manifest = backup(f"sqlite:///{db}", xfs / "one" / "bk", method="native")
    (entry,) = manifest.files
    copy = xfs / "one" / "bk" / entry.name
    assert manifest.details["method"] == CLONE
    assert _shared_extents(copy)
    assert copy.read_bytes() == original and entry.sha256 == _sha(copy) and entry.size == len(original)
    assert copy.stat().st_mode & 0o777 == 0o600
    # the database changes afterwards (an upgrade): the backup keeps the old blocks, and restores them
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE runs SET name = 'after the backup'")
    assert db.read_bytes() != original and copy.read_bytes() == original
    restored = tmp_path / "restored.db"
    restore(xfs / "one" / "bk", f"sqlite:///{restored}")
    with contextlib.closing(sqlite3.connect(restored)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM runs WHERE name = 'after the backup'").fetchone()[0] == 0


def test_writers_wait_while_the_clone_is_hashed(xfs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _db(xfs / "two")
    seen: list[str] = []
    real = sqlite_dialect._hash_file

    def hash_while_someone_writes(fd, progress, description):
        seen.append(try_write(db))
        return real(fd, progress, description)

    monkeypatch.setattr(sqlite_dialect, "_hash_file", hash_while_someone_writes)
    before = db.read_bytes()
    manifest = backup(f"sqlite:///{db}", xfs / "two" / "bk", method="native")
    assert seen == ["database is locked"]
    (entry,) = manifest.files
    assert (xfs / "two" / "bk" / entry.name).read_bytes() == before and entry.sha256 == hashlib.sha256(before).hexdigest()


def test_a_backup_on_another_filesystem_is_copied(xfs: Path, tmp_path: Path) -> None:
    """No clone across filesystems (EXDEV): the copy starts from an empty file and is hashed on the way."""
    db = _db(xfs / "three")
    manifest = backup(f"sqlite:///{db}", tmp_path / "bk", method="native")
    (entry,) = manifest.files
    copy = tmp_path / "bk" / entry.name
    assert manifest.details["method"] == "locked file copy"
    assert copy.read_bytes() == db.read_bytes() and entry.sha256 == _sha(copy)
