"""MLflow 3.18.0's migrations, run from its unpacked wheels (it cannot install here; see tests/catalog/support.py).

A 3.17.2 store on each dialect, upgraded by `mlflow-upgrade upgrade` with 3.18.0 first on PYTHONPATH: the data
migration 8b6ad64cb8f5 does what verify's expectations declare, a SIGKILL inside it is recovered by a rerun, and
on MariaDB the case-only conflict that makes f4a9b2c7d1e6 refuse part way is found by preflight before anything
runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from mlflow_upgrade import catalog
from mlflow_upgrade.catalog import installed
from mlflow_upgrade.upgrade.verify.fingerprint import take_fingerprint
from tests.catalog.support import next_mlflow
from tests.cli_helpers import run_cli
from tests.support.fixture_stores import any_dialect_store, copy_sqlite_fixture, table_counts
from tests.upgrade.test_crash import CORE, _kill_at

RELEASE = "3.17.2"
NEXT_HEAD = "f4a9b2c7d1e6"
CATEGORIES = ["Bug", " bug", "UI"]  # "Bug" and " bug" hash alike (trimmed, lower-cased): 2 categories
CREATED = 1_700_000_000_000


@pytest.fixture
def next_env() -> dict[str, str]:
    return {"PYTHONPATH": str(next_mlflow())}


def _store(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    pg = request.getfixturevalue("pg_uri") if dialect == "postgresql" else None
    my = request.getfixturevalue("mysql_uri") if dialect == "mysql" else None
    return any_dialect_store(RELEASE, dialect, tmp_path, pg_uri=pg, mysql_uri=my)


def _execute(uri: str, *statements: tuple[str, dict]) -> None:
    engine = sa.create_engine(uri, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            for sql, params in statements:
                conn.execute(sa.text(sql), params)
    finally:
        engine.dispose()


def _scalar(uri: str, sql: str):
    engine = sa.create_engine(uri, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()
    finally:
        engine.dispose()


def _add_issue(uri: str) -> None:
    experiment = _scalar(uri, "SELECT MIN(experiment_id) FROM experiments")
    _execute(uri, (
        "INSERT INTO issues (issue_id, experiment_id, name, description, status, categories, created_timestamp,"
        " last_updated_timestamp) VALUES ('issue-1', :e, 'slow', 'p99 doubled', 'open', :c, :t, :u)",
        {"e": experiment, "c": json.dumps(CATEGORIES), "t": CREATED, "u": CREATED + 5},
    ))


def _upgrade(uri: str, env: dict[str, str], tmp_path: Path, *extra: str):
    return run_cli("upgrade", uri, "--backup-dir", str(tmp_path / "bk"), "--no-progress", *extra, env=env)


def _check_migrated(uri: str, before: dict[str, int]) -> None:
    assert _scalar(uri, "SELECT version_num FROM alembic_version") == NEXT_HEAD
    assert _scalar(uri, "SELECT last_seen_timestamp FROM issues WHERE issue_id = 'issue-1'") == CREATED
    assert _scalar(uri, "SELECT COUNT(*) FROM issue_categories WHERE issue_id = 'issue-1'") == 2
    assert {t: n for t, n in table_counts(uri).items() if t in CORE} == before


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_upgrade_runs_the_next_release_and_verifies(dialect, request, tmp_path, next_env) -> None:
    uri = _store(dialect, request, tmp_path)
    _add_issue(uri)
    before = {t: n for t, n in table_counts(uri).items() if t in CORE}
    result = _upgrade(uri, next_env, tmp_path, "--json")
    assert result.returncode == 0, result.output[-3000:]
    tracking = json.loads(result.stdout)["tracking"]
    assert [s["revision"] for s in tracking["steps"]] == ["e7d1f4b2a9c6", "8b6ad64cb8f5", NEXT_HEAD]
    assert tracking["status"] == "upgraded" and tracking["verify"]["difference_count"] == 0
    _check_migrated(uri, before)


def test_fingerprint_declares_the_data_migration(tmp_path, monkeypatch) -> None:
    """With 3.18.0 installed, a 3.17.2 store's fingerprint applies 8b6ad64cb8f5's declared change."""
    monkeypatch.setattr(installed, "package_dir", lambda: next_mlflow() / "mlflow")
    catalog.reset()
    try:
        engine = sa.create_engine(copy_sqlite_fixture(RELEASE, tmp_path), poolclass=NullPool)
        fingerprint = take_fingerprint(engine)
        engine.dispose()
    finally:
        monkeypatch.undo()
        catalog.reset()
    assert [e for e in fingerprint.expected if e.startswith("8b6ad64cb8f5")] == [
        "8b6ad64cb8f5 issues: adds last_seen_timestamp (backfilled from created_timestamp), last_updated_by "
        "and metadata"]
    assert not [e for e in fingerprint.expected if e.startswith("dc11669786a5")]  # not pending from 3.17.2


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_kill_inside_the_data_migration_then_rerun(dialect, request, tmp_path, next_env) -> None:
    """SIGKILL right after 8b6ad64cb8f5's first statement; a plain rerun finishes with every row kept and the
    categories filled once (PostgreSQL/SQLite roll back; MariaDB committed DDL: restored, then upgraded)."""
    uri = _store(dialect, request, tmp_path)
    _add_issue(uri)
    before = {t: n for t, n in table_counts(uri).items() if t in CORE}
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = next_env["PYTHONPATH"]  # _kill_at runs the CLI with this process's environment
    try:
        _kill_at(uri, "8b6ad64cb8f5@1", tmp_path)
    finally:
        os.environ.pop("PYTHONPATH") if saved is None else os.environ.__setitem__("PYTHONPATH", saved)
    result = _upgrade(uri, next_env, tmp_path)
    assert result.returncode == 0, result.output[-3000:]
    _check_migrated(uri, before)


def _add_case_only_reference(uri: str) -> None:
    """A version tag naming version 'v1' of a server whose stored version is 'V1' (accepted by MariaDB's
    case-insensitive collation, which MLflow 3.17.2 creates the columns with)."""
    common = {"w": "default", "n": "srv", "t": CREATED}
    _execute(
        uri,
        ("INSERT INTO mcp_servers (workspace, name, created_at, last_updated_at) VALUES (:w, :n, :t, :t)", common),
        ("INSERT INTO mcp_server_versions (workspace, name, version, version_major, version_minor, version_patch,"
         " version_prerelease_sort_key, server_json, status, created_at, last_updated_at)"
         " VALUES (:w, :n, 'V1', 1, 0, 0, '', '{}', 'draft', :t, :t)", common),
        ("INSERT INTO mcp_server_version_tags (workspace, name, version, `key`, value)"
         " VALUES (:w, :n, 'v1', 'team', 'ml')", common),
    )


def test_case_only_conflict_is_refused_by_preflight_before_anything_runs(mysql_uri, tmp_path, next_env) -> None:
    load = any_dialect_store(RELEASE, "mysql", tmp_path, mysql_uri=mysql_uri)
    _add_case_only_reference(load)
    result = _upgrade(load, next_env, tmp_path)
    assert result.returncode == 7, result.output[-3000:]
    line = " ".join(result.stderr.split())
    assert "preflight 'case_only_versions' failed" in line
    assert ("pending revision f4a9b2c7d1e6 (MLflow 3.18.0) compares MCP server versions case-sensitively and "
            "refuses this store: mcp_server_version_tags.version holds 'v1' for server 'srv' in workspace "
            "'default' where the stored version is 'V1'") in line
    # Nothing ran: still 3.17.2's head, none of 3.18.0's columns.
    assert _scalar(load, "SELECT version_num FROM alembic_version") == "dc11669786a5"
    columns = {c["name"] for c in sa.inspect(sa.create_engine(load, poolclass=NullPool)).get_columns("issues")}
    assert "last_seen_timestamp" not in columns

    # What preflight spares the user: MLflow's own upgrade stops inside f4a9b2c7d1e6, two revisions applied.
    code = "import sys, sqlalchemy; from mlflow.store.db.utils import _upgrade_db; " \
           "_upgrade_db(sqlalchemy.create_engine(sys.argv[1]))"
    proc = subprocess.run([sys.executable, "-c", code, load], capture_output=True, text=True,
                          env={**os.environ, **next_env}, timeout=300)
    assert proc.returncode != 0 and "Cannot make MCP server versions case-sensitive" in proc.stderr
    assert _scalar(load, "SELECT version_num FROM alembic_version") == "8b6ad64cb8f5"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_case_check_is_a_no_op_where_comparisons_are_case_sensitive(dialect, request, tmp_path, next_env):
    uri = _store(dialect, request, tmp_path)
    result = run_cli("plan", uri, "--check", "--json", env=next_env)
    assert result.returncode == 0, result.output[-3000:]
    checks = {c["name"]: c for c in json.loads(result.stdout)["preflight"]["checks"]}
    assert checks["case_only_versions"]["status"] == "ok"
    assert "no reference differs from its version only in case" in checks["case_only_versions"]["message"]
