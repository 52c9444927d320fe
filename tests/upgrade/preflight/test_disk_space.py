"""``disk_space``: too little room for the backup (or for SQLite's table rebuilds) fails the check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlflow_upgrade.upgrade import preflight as pf
from mlflow_upgrade.upgrade.preflight import disk_space, preflight
from tests.support.fixture_stores import copy_sqlite_fixture


def test_disk_space_too_small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    real = shutil.disk_usage
    monkeypatch.setattr(disk_space.shutil, "disk_usage", lambda p: real(p)._replace(free=10_000))
    check = preflight(uri, backup_dir=tmp_path / "bk").check("disk_space")
    assert check.status == pf.FAIL and "--backup-dir" in check.message
    assert preflight(uri, no_backup=True).check("disk_space").status == pf.FAIL  # table rebuilds need room too
