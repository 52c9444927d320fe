"""The command line: one-line errors, documented exit codes, nothing written on bad input, passwords masked;
experiment ids too large for a 32-bit column are mapped, reported, and the destination stays usable."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from mlflow_upgrade.filestore import migrate_filestore
from tests.cli_helpers import run_cli
from tests.support.fixture_stores import copy_filestore_fixture, copy_sqlite_fixture


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_missing_source(tmp_path: Path) -> None:
    dest = tmp_path / "out.db"
    result = run_cli("migrate-filestore", str(tmp_path / "nope"), f"sqlite:///{dest}")
    assert result.returncode == 3
    assert "does not exist" in _one_line(result.stderr)
    assert not dest.exists()


def test_source_not_a_file_store(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "notes.txt").write_text("hello")
    (tmp_path / "file.txt").write_text("x")
    dest = tmp_path / "out.db"
    for src in (tmp_path / "src", tmp_path / "file.txt"):
        result = run_cli("migrate-filestore", str(src), f"sqlite:///{dest}")
        assert result.returncode == 4, result.stderr
        assert "file store" in _one_line(result.stderr)
    assert not dest.exists()


def test_bad_destinations(tmp_path: Path) -> None:
    root = copy_filestore_fixture("1.30.1", tmp_path)
    cases = {
        "oracle://u:pw@h/db": 2,
        str(tmp_path / "dir-store"): 2,  # a path is a file store, not a destination
        f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}": 3,
    }
    for uri, code in cases.items():
        result = run_cli("migrate-filestore", str(root), uri)
        assert result.returncode == code, (uri, result.stderr)
        _one_line(result.stderr)
    assert not (tmp_path / "dir-store").exists()


def test_destination_file_that_is_not_a_database(tmp_path: Path) -> None:
    root = copy_filestore_fixture("1.30.1", tmp_path)
    dest = tmp_path / "notes.db"
    dest.write_text("just some text, not a database\n" * 50)
    before = dest.read_bytes()
    result = run_cli("migrate-filestore", str(root), f"sqlite:///{dest}")
    assert result.returncode == 4, result.stderr  # was "unexpected error: DatabaseError", exit 8
    assert "is not a SQLite database" in _one_line(result.stderr)
    assert dest.read_bytes() == before


def test_password_masked(tmp_path: Path) -> None:
    root = copy_filestore_fixture("1.30.1", tmp_path)
    result = run_cli("migrate-filestore", str(root), "postgresql://postgres:s3cret@127.0.0.1:5432/no_such_db_x")
    assert result.returncode in (3, 6)
    assert "s3cret" not in result.output and "***" in result.stderr


def test_refuses_database_with_mlflow_data(tmp_path: Path) -> None:
    root = copy_filestore_fixture("2.9.2", tmp_path)
    uri = copy_sqlite_fixture("2.9.2", tmp_path)
    before = Path(sa.make_url(uri).database).read_bytes()
    result = run_cli("migrate-filestore", str(root), uri)
    assert result.returncode == 9
    assert "already holds MLflow data" in _one_line(result.stderr)
    assert Path(sa.make_url(uri).database).read_bytes() == before


def test_refuses_other_source(tmp_path: Path, sqlite_uri: str) -> None:
    first = copy_filestore_fixture("1.30.1", tmp_path / "a")
    other = copy_filestore_fixture("2.9.2", tmp_path / "b")
    migrate_filestore(first, sqlite_uri)
    result = run_cli("migrate-filestore", str(other), sqlite_uri)
    assert result.returncode == 9
    assert "not from" in _one_line(result.stderr)


def test_large_ids_mapped_on_postgresql(tmp_path: Path, pg_uri: str) -> None:
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    root = copy_filestore_fixture("3.17.2", tmp_path)
    result = run_cli("migrate-filestore", str(root), pg_uri, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    big = sorted(p.name for p in [*root.iterdir(), *(root / ".trash").iterdir()]
                 if p.name.isdigit() and int(p.name) > 2**31 - 1)
    assert sorted(report["experiment_id_map"]) == big
    assert report["problems"]["counts"]["experiment_id_mapped"] == len(big)
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    store = SqlAlchemyStore(pg_uri, str(tmp_path / "artifacts"))
    try:
        for src_id, dest_id in report["experiment_id_map"].items():
            exp = store.get_experiment(dest_id)
            # artifacts stay where they are: the location still names the source id's folder
            assert exp.artifact_location.rstrip("/").endswith(src_id)
        new_id = store.create_experiment("created-after-migration")  # the serial sequence moved past our ids
        assert int(new_id) > max(int(v) for v in report["experiment_id_map"].values())
    finally:
        store.engine.dispose()


def test_human_output(tmp_path: Path, sqlite_uri: str) -> None:
    root = copy_filestore_fixture("1.30.1", tmp_path)
    result = run_cli("migrate-filestore", str(root), sqlite_uri)
    assert result.returncode == 0, result.stderr
    assert "Migrated" in result.stdout and "duplicate_metric_point" in result.stdout


@pytest.mark.parametrize("name", ["MLFLOW_UPGRADE_FS_READERS", "MLFLOW_UPGRADE_FS_COMMIT_ROWS"])
def test_bad_setting_is_a_usage_error_before_any_write(name: str, tmp_path: Path) -> None:
    root = copy_filestore_fixture("2.9.2", tmp_path)
    dest = tmp_path / "dest.db"
    result = run_cli("migrate-filestore", str(root), f"sqlite:///{dest}", env={name: "two"})
    assert result.returncode == 2, result.stderr
    assert name in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not dest.exists()
