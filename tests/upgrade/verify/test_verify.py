"""``verify``: the library call and the CLI, before and after MLflow's own migrations, on the three dialects."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from mlflow_upgrade import api, errors
from mlflow_upgrade.upgrade.verify import read_back
from tests.cli_helpers import run_cli
from tests.support.fixture_stores import any_dialect_store, copy_sqlite_fixture, manifest


def _upgrade_with_mlflow(uri: str) -> None:
    from alembic import command
    from mlflow.store.db.utils import _get_alembic_config

    command.upgrade(_get_alembic_config(uri), "heads")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_upgraded_store_verifies_and_reads_back(dialect: str, request: pytest.FixtureRequest,
                                                tmp_path: Path) -> None:
    target = {"sqlite": None, "postgresql": "pg_uri", "mysql": "mysql_uri"}[dialect]
    server = request.getfixturevalue(target) if target else None
    uri = any_dialect_store("3.0.1", dialect, tmp_path, pg_uri=server, mysql_uri=server)
    saved = tmp_path / "before.json"

    before = api.verify(uri, save=saved)
    assert before.ok and before.saved == str(saved) and before.rows_checked > 400
    assert before.read_back is None and "would migrate" in before.read_back_skipped
    # 3.0.1 stores pass 75868b020152, which moves mlflow.traceName tags into trace_info: left out, on purpose
    assert any(e.startswith("75868b020152 trace_tags") for e in before.expected_changes)

    _upgrade_with_mlflow(uri)
    after = api.verify(uri, against=saved)
    assert after.ok, [str(d) for d in after.differences] + (after.read_back.mismatches if after.read_back else [])
    assert after.differences == [] and after.rows_checked == before.rows_checked
    rb = after.read_back
    assert rb is not None and rb.ok, rb
    counts = manifest("3.0.1")["table_counts"]
    assert rb.read["runs"] == counts["runs"] and rb.read["metric points"] == counts["metrics"]
    assert rb.read["experiments"] == counts["experiments"] and rb.read["traces"] == counts["trace_info"]
    assert rb.read["params"] == counts["params"] and rb.read["logged models"] > 0
    assert rb.read["aliases"] > 0 and rb.read["model versions"] > 0


def test_verify_never_writes_a_sqlite_store(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("3.17.2", tmp_path)  # at head: the read-back opens MLflow's own store
    path = Path(uri.removeprefix("sqlite:///"))
    digest = _sha(path)
    report = api.verify(uri)
    assert report.ok and report.read_back is not None and report.read_back.ok
    assert _sha(path) == digest
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no -journal / -wal files left


def test_read_back_refuses_an_old_store(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    digest = _sha(Path(uri.removeprefix("sqlite:///")))
    with pytest.raises(errors.Refused, match="would migrate it"):
        read_back(uri)
    assert _sha(Path(uri.removeprefix("sqlite:///"))) == digest


def test_cli_save_then_against_names_differences(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    saved = tmp_path / "fp.json"
    result = run_cli("verify", uri, "--save", str(saved), "--no-read-back")
    assert result.returncode == 0 and "saved to" in result.stdout, result.output
    assert saved.exists() and json.loads(saved.read_text())["format"].startswith("mlflow-upgrade-fingerprint")


    engine = sa.create_engine(uri)
    with engine.begin() as conn:
        run_uuid = conn.exec_driver_sql("SELECT run_uuid FROM params ORDER BY run_uuid, key LIMIT 1").scalar()
        conn.exec_driver_sql(f"DELETE FROM params WHERE run_uuid = '{run_uuid}'")
    engine.dispose()
    changed = run_cli("verify", uri, "--against", str(saved), "--json")
    assert changed.returncode == errors.ExitCode.FINDINGS, changed.output
    report = json.loads(changed.stdout)
    assert report["ok"] is False
    assert {(d["table"], d["kind"], d["key"]["run_uuid"]) for d in report["differences"]} == {
        ("params", "missing", run_uuid)}

    text = run_cli("verify", uri, "--against", str(saved), "--no-read-back")
    assert text.returncode == 1 and "params" in text.stdout and run_uuid[:12] in text.stdout
    assert "error: verify found 1 difference(s)" in text.stderr


def test_errors_have_their_exit_codes(tmp_path: Path) -> None:
    with pytest.raises(errors.StoreNotFound):
        api.verify(f"sqlite:///{tmp_path / 'nope.db'}", read_back=False)
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(errors.UsageError, match="not an mlflow-upgrade fingerprint"):
        api.verify(uri, against=bad, read_back=False)


def test_empty_database_is_not_verified_as_ok(empty_db_uri: str) -> None:
    """Nothing to verify is not "ok": an empty database gets the same refusal as `inspect` (exit 4)."""
    import sqlite3

    from tests.cli_helpers import run_cli

    if empty_db_uri.startswith("sqlite"):
        sqlite3.connect(empty_db_uri.removeprefix("sqlite:///")).close()
    result = run_cli("verify", empty_db_uri)
    assert result.returncode == errors.ExitCode.NOT_MLFLOW, result.output
    assert "is empty" in result.stderr
