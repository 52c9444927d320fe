"""Parity: every fixture release × SQLite/PostgreSQL/MariaDB. What MLflow's ``FileStore`` returns on the source
equals what MLflow's ``SqlAlchemyStore`` returns on the destination (experiments, runs, params, tags, latest
metrics, full metric histories, dataset inputs, logged models, registered models/versions/aliases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlflow_upgrade.filestore import migrate_filestore
from tests.filestore.parity import file_snapshot, sql_snapshot
from tests.support.fixture_stores import FIXTURE_RELEASES, copy_filestore_fixture

DIALECT_URI = {"sqlite": "sqlite_uri", "postgresql": "pg_uri", "mysql": "mysql_uri"}


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    """{release: (copy of its file store, FileStore snapshot)}, computed once per release."""
    out = {}
    for release in FIXTURE_RELEASES:
        root = copy_filestore_fixture(release, tmp_path_factory.mktemp(f"fs-{release}"))
        out[release] = (root, file_snapshot(root))
    return out


def _check(release: str, dest: str, expected: dict) -> None:
    root, want = expected[release]
    report = migrate_filestore(root, dest)
    assert report.status == "complete"
    got = sql_snapshot(dest, report.experiment_id_map)
    assert got["experiments"] == want["experiments"]
    assert got["runs"].keys() == want["runs"].keys()
    for run_id, run in want["runs"].items():
        assert got["runs"][run_id] == run, run_id
    assert got["logged_models"] == want["logged_models"]
    assert got["registered_models"] == want["registered_models"]
    # every source experiment id either survived as is or is listed in the id map
    for src_id in want["experiments"]:
        assert report.experiment_id_map.get(src_id, src_id) is not None


@pytest.mark.parametrize("release", FIXTURE_RELEASES)
def test_parity_sqlite(release: str, sqlite_uri: str, expected: dict) -> None:
    _check(release, sqlite_uri, expected)


@pytest.mark.parametrize("release", FIXTURE_RELEASES)
def test_parity_postgresql(release: str, pg_uri: str, expected: dict) -> None:
    _check(release, pg_uri, expected)


@pytest.mark.parametrize("release", FIXTURE_RELEASES)
def test_parity_mysql(release: str, mysql_uri: str, expected: dict) -> None:
    _check(release, mysql_uri, expected)
