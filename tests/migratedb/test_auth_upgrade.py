"""``--auth`` moves the basic-auth DB the same way; ``--upgrade`` then takes the copy to the installed head
through the safe upgrade path, leaving the source as it was."""

from __future__ import annotations

import json
from pathlib import Path

from mlflow_upgrade.catalog import installed_head
from tests.migratedb.support import all_rows, cli, revision, table_names
from tests.support.fixture_stores import copy_auth_fixture, copy_sqlite_fixture, manifest

RELEASE = "2.16.2"


def test_auth_and_upgrade(tmp_path: Path, pg_uri: str) -> None:
    src = copy_sqlite_fixture(RELEASE, tmp_path)
    src_auth = copy_auth_fixture(RELEASE, tmp_path)
    dest = f"sqlite:///{tmp_path / 'copy.db'}"
    auth_before, tracking_before = all_rows(src_auth), all_rows(src)

    result = cli(src, dest, "--auth", src_auth, pg_uri, "--upgrade", "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["auth"]["status"] == "complete"
    assert report["auth"]["revision"] == manifest(RELEASE)["auth_revision"]
    assert report["auth"]["rows"] == sum(len(rows) for rows in auth_before.values()) > 0
    # the auth copy is upgraded too; its users and permissions are the source's
    assert all_rows(pg_uri)["users"] == auth_before["users"]
    assert all_rows(pg_uri)["experiment_permissions"] == auth_before["experiment_permissions"]
    assert revision(dest) == installed_head("tracking")
    assert report["upgrade"]["tracking"]["from_revision"] == manifest(RELEASE)["tracking_revision"]
    # the source was only read: same rows, same revision
    assert all_rows(src) == tracking_before and revision(src) == manifest(RELEASE)["tracking_revision"]
    assert not [t for t in table_names(pg_uri) if t.startswith("mlflow_upgrade_db")]
