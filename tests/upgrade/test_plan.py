"""``plan``: pending revisions with their facts, transactions per dialect, estimates and offline SQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.upgrade import alembic_driver, estimate
from mlflow_upgrade.upgrade.plan import plan
from tests.cli_helpers import run_cli
from tests.support.fixture_stores import copy_sqlite_fixture, load_fixture_into


def test_plan_sqlite_130(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    data = Path(uri.removeprefix("sqlite:///")).read_bytes()
    p = plan(uri)
    assert p.current_revision == "97727af70f4d"
    assert p.target_revision == alembic_driver.head("tracking")
    assert [r.revision for r in p.revisions] == [r.revision for r in alembic_driver.pending("tracking",
                                                                                            "97727af70f4d")]
    first = p.revisions[0]
    assert (first.revision, first.introduced_in, first.classification) == ("3500859a5d39", "2.3.0", "additive")
    assert all(r.transactional for r in p.revisions)  # SQLite: each revision wrapped in BEGIN IMMEDIATE
    by_rev = {r.revision: r for r in p.revisions}
    assert "CREATE TABLE datasets" in by_rev["7f2a7d5fae7d"].sql
    # batch-mode table rebuilds need the live table on SQLite and data migrations read rows: offline mode cannot
    # render them; the plan shows the SQL of a rehearsal on an empty copy of the schema instead, and says so
    rebuild = by_rev["2d6e25af4d3e"]
    assert "batch mode" in rebuild.sql_error and rebuild.sql.startswith("-- captured from a rehearsal")
    assert "CREATE TABLE _alembic_tmp_params" in rebuild.sql and "BEGIN IMMEDIATE" in rebuild.sql
    assert by_rev["dc11669786a5"].sql_error and "rehearsal" in by_rev["dc11669786a5"].sql
    assert by_rev["75868b020152"].classification == "destructive" and by_rev["75868b020152"].rolling_safe is False
    assert not p.rolling_safe and any("stop every MLflow server" in n for n in p.notes)
    assert p.row_counts["metrics"] > 0
    assert Path(uri.removeprefix("sqlite:///")).read_bytes() == data  # plan changed nothing


def test_plan_mysql_is_not_transactional_and_renders_sql(mysql_uri: str) -> None:
    load_fixture_into("2.16.2", mysql_uri)
    p = plan(mysql_uri, check=True)
    assert p.revisions and not any(r.transactional for r in p.revisions if "DDL statements" in r.transaction_note)
    assert any(r.sql and "CREATE TABLE" in r.sql for r in p.revisions)
    assert p.preflight is not None and p.preflight.ok, p.preflight.to_dict()
    assert ":***@" not in json.dumps(p.to_dict()) or "root" in p.store


def test_plan_postgres_transactional(pg_uri: str) -> None:
    load_fixture_into("3.0.1", pg_uri)
    p = plan(pg_uri, with_sql=True)
    assert p.current_revision == "bda7b8c39065"
    assert all(r.transactional for r in p.revisions)
    spans = next(r for r in p.revisions if r.revision == "a1b2c3d4e5f6")
    assert "CREATE TABLE spans" in spans.sql
    assert "-- Running upgrade 770bee3ae1dd -> a1b2c3d4e5f6" in spans.sql


def test_cli_plan_json_check_and_up_to_date(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("3.17.2", tmp_path)
    res = run_cli("plan", uri, "--check", "--json")
    assert res.returncode == 0, res.output
    data = json.loads(res.stdout)
    assert data["up_to_date"] is True and data["pending"] == 0
    assert {c["name"] for c in data["preflight"]["checks"]} >= {"connections", "privileges", "disk_space",
                                                                "version_table", "half_applied", "mlflow_version"}


def test_plan_refuses_file_store_and_masks_password() -> None:
    with pytest.raises(errors.UsageError):
        plan("/nonexistent/mlruns")
    with pytest.raises(errors.MlflowUpgradeError) as info:
        plan("postgresql://u:topsecret@127.0.0.1:1/none")
    assert "topsecret" not in str(info.value)


def test_estimate_scales_with_rows() -> None:
    ops = [{"op": "create_index", "table": "metrics"}]
    touched = estimate.touched_tables(ops, get_dialect("sqlite"))
    assert touched == {"metrics": "index"}
    small = estimate.estimate_seconds(get_dialect("sqlite"), touched, {"metrics": 1_000})
    big = estimate.estimate_seconds(get_dialect("sqlite"), touched, {"metrics": 2_000_000})
    assert big > small * 10
    assert estimate.resolve_tables("SqlDataset.__tablename__") == ["datasets"]


def test_sqlite_rehearsal_reports_a_revision_that_would_fail(tmp_path: Path) -> None:
    import sqlite3

    uri = copy_sqlite_fixture("2.16.2", tmp_path)
    conn = sqlite3.connect(uri.removeprefix("sqlite:///"))
    conn.execute("CREATE TABLE secrets (x INTEGER)")  # what 1bd49d398cd23 creates
    conn.commit()
    conn.close()
    p = plan(uri)
    assert any("1bd49d398cd23 failed in a rehearsal" in n for n in p.notes), p.notes
