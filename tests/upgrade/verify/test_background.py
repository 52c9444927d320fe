"""The "before" fingerprint taken from a SQLite backup copy in a child process, while the migrations run."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from mlflow_upgrade.store.uri import sqlite_readonly_engine
from mlflow_upgrade.upgrade.runner import upgrade
from mlflow_upgrade.upgrade.verify.fingerprint import Fingerprint, compare_fingerprints
from mlflow_upgrade.upgrade.verify.fingerprint.background import Pending
from tests.support.fixture_stores import copy_sqlite_fixture
from tests.upgrade.test_crash import RELEASE, _kill_at


def _path(uri: str) -> Path:
    return Path(uri.removeprefix("sqlite:///"))


def _copy(src: Path, dest: Path) -> Path:
    with sqlite3.connect(src) as a, sqlite3.connect(dest) as b:
        a.backup(b)
    return dest


def test_fingerprint_of_the_copy_compares_with_the_original(tmp_path: Path) -> None:
    original = _path(copy_sqlite_fixture("1.30.1", tmp_path))
    copy = _copy(original, tmp_path / "copy.db")
    saved = Pending(copy, tmp_path / "fp.json").wait()
    before = Fingerprint.load(saved)
    assert before.rows > 0
    engine = sqlite_readonly_engine(original)
    try:
        assert compare_fingerprints(before, engine) == []
    finally:
        engine.dispose()
    with sqlite3.connect(original) as con:  # one changed value in the original is seen
        con.execute("UPDATE params SET value = value || 'x' WHERE rowid = (SELECT MIN(rowid) FROM params)")
    engine = sqlite_readonly_engine(original)
    try:
        diffs = compare_fingerprints(before, engine)
    finally:
        engine.dispose()
    assert [(d.table, d.kind, d.column) for d in diffs] == [("params", "changed", "value")]


def test_a_failure_in_the_child_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such.db"
    pending = Pending(missing, tmp_path / "fp.json")
    try:
        pending.wait()
    except Exception as exc:
        assert "fingerprint of the backup failed" in str(exc) and "\n" not in str(exc)
    else:
        raise AssertionError("no error for a missing copy")
    assert not (tmp_path / "fp.json").exists()


def test_cancel_stops_the_child(tmp_path: Path) -> None:
    original = _path(copy_sqlite_fixture("1.30.1", tmp_path))
    pending = Pending(original, tmp_path / "fp.json")
    pending.cancel()
    pending.cancel()  # twice is harmless
    assert pending.wait() == tmp_path / "fp.json"  # nothing left to wait for


def test_upgrade_fingerprints_the_backup_while_migrating(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    report = upgrade(uri, backup_dir=tmp_path / "bk").tracking
    assert report.status == "upgraded", report.message
    assert "fingerprint_before_wait" in report.timings  # taken in the child, waited for after the migrations
    saved = list((tmp_path / "bk").glob("*/fingerprint-before-tracking.json"))
    assert len(saved) == 1
    assert json.loads(saved[0].read_text())["revision"] == "97727af70f4d"  # the copy, as it was before
    assert report.verify["difference_count"] == 0 and report.verify["rows"] > 0


def test_killed_before_the_fingerprint_was_saved_then_rerun_takes_it_from_the_copy(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture(RELEASE, tmp_path)
    _kill_at(uri, "verify", tmp_path)  # every revision committed; the child may or may not have finished
    for saved in (tmp_path / "bk").glob("*/fingerprint-before-tracking.json"):
        saved.unlink()  # as if it had not
    report = upgrade(uri, backup_dir=tmp_path / "bk").tracking
    assert report.status == "upgraded", report.message
    assert report.resumed is True
    assert report.verify["difference_count"] == 0 and report.verify["rows"] > 0
    assert len(list((tmp_path / "bk").glob("*/fingerprint-before-tracking.json"))) == 1
