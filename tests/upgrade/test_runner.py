"""``upgrade`` end to end on real stores written by MLflow 1.30.1 / 2.16.2 / 3.0.1 (SQLite, PostgreSQL, MariaDB)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy

from mlflow_upgrade import errors
from mlflow_upgrade.store.uri import parse_store_uri
from mlflow_upgrade.upgrade import alembic_driver
from mlflow_upgrade.upgrade.runner import marker_path, upgrade
from tests.cli_helpers import run_cli
from tests.support.fixture_stores import (
    copy_auth_fixture,
    copy_sqlite_fixture,
    load_fixture_into,
    table_counts,
)
from tests.upgrade.runner_support import current_revision

HEAD = alembic_driver.head("tracking")


# Tables no pending migration changes rows of (3.17's 75868b020152 moves some trace tags/metadata on purpose;
# the fingerprint comparison checks every table, with those expected changes).
CORE = ("experiments", "experiment_tags", "runs", "params", "metrics", "latest_metrics", "tags",
        "registered_models", "registered_model_tags", "model_versions", "model_version_tags", "datasets",
        "inputs", "input_tags", "logged_models", "users", "experiment_permissions",
        "registered_model_permissions")


def _mlflow_counts(uri: str) -> dict[str, int]:
    return {t: n for t, n in table_counts(uri).items() if t in CORE}


def _assert_kept(before: dict[str, int], uri: str) -> None:
    after = _mlflow_counts(uri)
    for table, rows in before.items():
        assert after.get(table) == rows, f"{table}: {rows} rows before, {after.get(table)} after"


def test_cli_upgrade_sqlite_130_to_head(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    before = _mlflow_counts(uri)
    res = run_cli("upgrade", uri, "--backup-dir", str(tmp_path / "bk"), "--no-progress")
    assert res.returncode == 0, res.output
    assert "upgraded" in res.stdout and "0 difference(s)" in res.stdout
    assert current_revision(uri) == HEAD
    _assert_kept(before, uri)
    backups = list((tmp_path / "bk").iterdir())
    assert len(backups) == 1 and (backups[0] / "manifest.json").exists()
    assert not marker_path(parse_store_uri(uri), "tracking").exists()
    again = run_cli("upgrade", uri, "--json")
    assert again.returncode == 0, again.output
    assert json.loads(again.stdout)["tracking"]["status"] == "up-to-date"


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_upgrade_server_dialects(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    uri = request.getfixturevalue("pg_uri" if dialect == "postgresql" else "mysql_uri")
    load_fixture_into("2.16.2", uri)
    before = _mlflow_counts(uri)
    report = upgrade(uri, backup_dir=tmp_path / "bk")
    t = report.tracking
    assert report.ok and t.status == "upgraded", t.message
    assert t.verify["difference_count"] == 0
    assert [s.status for s in t.steps] == ["applied"] * len(t.steps)
    assert current_revision(uri) == HEAD
    _assert_kept(before, uri)
    assert "***" not in t.message or ":***@" in t.message


def test_no_backup_on_a_new_machine_creates_the_state_directory(pg_uri: str, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Without a backup folder the "before" fingerprint is the first file in the state directory: on a machine
    # that never ran the tool that directory does not exist yet (CI on a fresh machine failed here).
    state = tmp_path / "never-used" / "state"
    monkeypatch.setenv("MLFLOW_UPGRADE_STATE_DIR", str(state))
    load_fixture_into("2.16.2", pg_uri)
    report = upgrade(pg_uri, no_backup=True)
    assert report.ok and report.tracking.status == "upgraded", report.tracking.message
    assert report.tracking.verify["difference_count"] == 0
    assert state.is_dir() and state.stat().st_mode & 0o077 == 0


def test_auth_db_legacy_stamp_and_upgrade(tmp_path: Path) -> None:
    pytest.importorskip("flask_wtf")
    auth_uri = copy_auth_fixture("3.0.1", tmp_path)
    uri = copy_sqlite_fixture("3.0.1", tmp_path)
    before = _mlflow_counts(auth_uri)
    res = run_cli("upgrade", uri, "--auth-uri", auth_uri, "--backup-dir", str(tmp_path / "bk"), "--json")
    assert res.returncode == 0, res.output
    data = json.loads(res.stdout)
    assert data["tracking"]["status"] == "upgraded" and data["auth"]["status"] == "upgraded"
    assert current_revision(auth_uri, "alembic_version_auth") == alembic_driver.head("auth")
    assert any("stamped" in w for w in data["auth"]["warnings"])
    _assert_kept(before, auth_uri)


def test_dry_run_changes_nothing_and_no_backup_needs_confirmation(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    data = Path(uri.removeprefix("sqlite:///")).read_bytes()
    res = run_cli("upgrade", uri, "--dry-run")
    assert res.returncode == 0, res.output
    assert "preflight" in res.stdout and "97727af70f4d" in res.stdout
    assert Path(uri.removeprefix("sqlite:///")).read_bytes() == data
    refused = run_cli("upgrade", uri, "--no-backup")
    assert refused.returncode == errors.ExitCode.REFUSED
    assert "--i-have-a-backup" in refused.stderr


def test_newer_database_is_refused(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("3.17.2", tmp_path)
    engine = sqlalchemy.create_engine(uri)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    engine.dispose()
    res = run_cli("upgrade", uri)
    assert res.returncode == errors.ExitCode.TOO_NEW, res.output


def test_auth_db_on_postgres(pg_uri: str, tmp_path: Path) -> None:
    pytest.importorskip("flask_wtf")
    from tests.support.fixture_stores import load_auth_fixture_into

    load_auth_fixture_into("3.0.1", pg_uri)
    before = _mlflow_counts(pg_uri)
    report = upgrade(pg_uri, auth=True, backup_dir=tmp_path / "bk")
    assert report.auth is not None and report.auth.status == "upgraded", report.auth.message
    assert current_revision(pg_uri, "alembic_version_auth") == alembic_driver.head("auth")
    _assert_kept(before, pg_uri)


def test_refuses_while_another_run_is_alive(tmp_path: Path) -> None:
    import os
    import socket

    from mlflow_upgrade.upgrade.runner import write_marker

    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    marker = marker_path(parse_store_uri(uri), "tracking")
    write_marker(marker, {"status": "running", "pid": os.getppid(), "host": socket.gethostname(),
                          "started": "now", "from_revision": "97727af70f4d"})
    with pytest.raises(errors.Refused, match="another mlflow-upgrade"):
        upgrade(uri, backup_dir=tmp_path / "bk")
    assert current_revision(uri) == "97727af70f4d"


def test_password_never_printed_even_in_alembic_debug_logs(pg_uri: str, tmp_path: Path) -> None:
    load_fixture_into("3.0.1", pg_uri)
    # trust authentication: any password is accepted, so one can travel in the URI
    with_pw = sqlalchemy.make_url(pg_uri).set(password="S3CRETpw").render_as_string(hide_password=False)
    res = run_cli("-vv", "upgrade", with_pw, "--backup-dir", str(tmp_path / "bk"), "--json")
    assert res.returncode == 0, res.output[-3000:]
    assert "S3CRETpw" not in res.output
    plan_res = run_cli("plan", with_pw, "--json", "--check")
    assert plan_res.returncode == 0 and "S3CRETpw" not in plan_res.output
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix == ".json":
            assert "S3CRETpw" not in path.read_text(), path
