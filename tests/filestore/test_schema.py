"""Creating the destination schema with MLflow's migrations happens in a child process: the migration's own
process never imports MLflow (~250 MB, more than the whole load), and the child's errors still reach the user
as one line."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.filestore import migrate_filestore
from tests.support.fixture_stores import copy_filestore_fixture

_PROBE = """
import sys
from mlflow_upgrade.filestore import migrate_filestore
report = migrate_filestore(sys.argv[1], sys.argv[2])
assert report.status == "complete", report.status
print("mlflow imported" if "mlflow" in sys.modules else "mlflow not imported")
"""


def test_migration_process_never_imports_mlflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_filestore_fixture("2.9.2", tmp_path)
    monkeypatch.setenv("MLFLOW_UPGRADE_CACHE", str(tmp_path / "cache"))  # empty: the migrations must run
    out = subprocess.run([sys.executable, "-c", _PROBE, str(root), f"sqlite:///{tmp_path / 'dest.db'}"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "mlflow not imported"
    assert any((tmp_path / "cache").glob("sqlite-schema-*.db"))  # the child filled the cache


def test_error_in_the_child_is_one_line_here(tmp_path: Path) -> None:
    dest = tmp_path / "newer.db"
    with sqlite3.connect(dest) as con:  # stamped by an MLflow newer than the installed one
        con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        con.execute("INSERT INTO alembic_version VALUES ('ffffffffffff')")
    root = copy_filestore_fixture("2.9.2", tmp_path)
    with pytest.raises(errors.StoreTooNew, match=r"newer than the installed .*: run `pip install -U mlflow mlflow-upgrade`"):
        migrate_filestore(root, f"sqlite:///{dest}")
