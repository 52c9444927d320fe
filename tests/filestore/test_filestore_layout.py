"""``inspect`` and ``migrate-filestore`` read a file store by one layout (store/filestore_layout.py): on a store with
every awkward case they count the same experiments and runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from mlflow_upgrade.filestore import migrate_filestore
from mlflow_upgrade.inspect.filestore import summarize_file_store
from mlflow_upgrade.store import filestore_layout as layout
from mlflow_upgrade.store.uri import parse_store_uri
from tests.support.fixture_stores import copy_filestore_fixture, manifest


def _tricky_store(tmp_path: Path) -> Path:
    """1.30.1's store (a deleted experiment in .trash whose meta.yaml still says active) plus: an experiment with
    an empty meta.yaml holding a run (migrate-filestore rebuilds it from its folder), a run folder without meta.yaml, a non-numeric folder with a
    meta.yaml, and a trace folder without trace_info.yaml."""
    root = copy_filestore_fixture("1.30.1", tmp_path)
    runs = manifest("1.30.1")["ids"]["file"]["runs"]
    exp1 = root / "1"
    orphan_exp = root / "77"
    orphan_exp.mkdir()
    (orphan_exp / layout.META).write_text("")
    shutil.copytree(exp1 / runs["child1"], orphan_exp / "0123456789abcdef0123456789abcdef")
    (exp1 / "fedcba9876543210fedcba9876543210").mkdir()  # a run folder without meta.yaml
    (root / "notes").mkdir()
    (root / "notes" / layout.META).write_text("name: not an experiment folder\n")
    (exp1 / layout.TRACES / "tr-1").mkdir(parents=True)
    return root


def _experiments(uri: str) -> dict[str, int]:
    engine = sa.create_engine(uri)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT lifecycle_stage, COUNT(*) FROM experiments GROUP BY 1").all()
        runs = conn.exec_driver_sql("SELECT COUNT(*) FROM runs").scalar_one()
        traces = conn.exec_driver_sql("SELECT COUNT(*) FROM trace_info").scalar_one()
    engine.dispose()
    return {**{str(stage): int(n) for stage, n in rows}, "runs": int(runs), "traces": int(traces)}


def test_inspect_and_migrate_filestore_agree_on_a_tricky_store(tmp_path: Path, sqlite_uri: str) -> None:
    root = _tricky_store(tmp_path / "src")
    summary = summarize_file_store(parse_store_uri(str(root)))
    report = migrate_filestore(root, sqlite_uri)
    migrated = _experiments(sqlite_uri)
    # The default experiment 0 is created by MLflow's schema and reused: both count it once.
    assert summary.experiments_active == migrated["active"]
    assert summary.experiments_deleted == migrated["deleted"] == 1
    assert summary.runs == migrated["runs"] == report.units["runs"]
    assert summary.traces == migrated["traces"]
    assert report.problems.counts["missing_meta"] == 1  # the run folder without meta.yaml, skipped by both
    assert any("77" in p and "meta.yaml" in p for p in summary.problems)


def test_both_find_the_same_root(tmp_path: Path) -> None:
    root = copy_filestore_fixture("1.30.1", tmp_path).rename(tmp_path / layout.MLRUNS)
    assert layout.resolve_root(tmp_path) == root
    assert Path(summarize_file_store(parse_store_uri(str(tmp_path))).path) == root
