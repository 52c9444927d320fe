"""Bad data is never dropped silently: each case is counted and listed with its path; --strict refuses it
before anything is written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from mlflow_upgrade.filestore import StrictRefused, migrate_filestore
from tests.cli_helpers import run_cli
from tests.support.fixture_stores import copy_filestore_fixture, manifest


def _damage(root: Path) -> dict[str, Path]:
    """Apply one of each kind of damage to a copy of the 1.30.1 file store; return what was damaged."""
    runs = manifest("1.30.1")["ids"]["file"]["runs"]
    exp1 = root / "1"
    corrupt = exp1 / runs["failed"] / "meta.yaml"
    corrupt.write_text("run_uuid: [unclosed\n  : nonsense: {")
    missing = exp1 / runs["running"]
    (missing / "meta.yaml").unlink()
    malformed = exp1 / runs["train"] / "metrics" / "loss"
    with malformed.open("a") as fh:
        fh.write("not a metric line\n1700000000000 1.0 2 3 4 5 6\n")
    orphan_exp = root / "77"
    orphan_exp.mkdir()
    (orphan_exp / "meta.yaml").write_text("")  # empty meta.yaml: an unreadable experiment
    shutil.copytree(exp1 / runs["child1"], orphan_exp / "0123456789abcdef0123456789abcdef")
    return {"corrupt": corrupt, "missing": missing, "malformed": malformed, "orphan_exp": orphan_exp}


def _tables(uri: str) -> dict[str, int]:
    engine = sa.create_engine(uri)
    try:
        names = sa.inspect(engine).get_table_names()
        with engine.connect() as conn:
            return {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in ("runs", "metrics")
                    if t in names}
    finally:
        engine.dispose()


def test_every_problem_counted_and_listed(tmp_path: Path, sqlite_uri: str) -> None:
    root = copy_filestore_fixture("1.30.1", tmp_path)
    damaged = _damage(root)
    report = migrate_filestore(root, sqlite_uri)
    counts = report.problems.counts
    # the corrupt and the missing run meta.yaml, the experiment's empty one: each rebuilt from its folder
    assert counts["salvaged"] == 3
    assert "corrupt_meta" not in counts and "missing_meta" not in counts and "orphan_run" not in counts
    assert counts["malformed_metric_line"] == 2
    assert counts["duplicate_metric_point"] == 2  # dup_batch and dup_twice, one extra line each
    assert counts["id_mismatch"] == 2  # the copied run names its own id and experiment
    assert counts["trashed_experiment"] == 1 and counts["trash_lifecycle_mismatch"] == 1
    listed = {(p.kind, p.path) for p in report.problems.items}
    assert ("salvaged", str(damaged["corrupt"].parent)) in listed
    assert ("salvaged", str(damaged["missing"])) in listed
    assert ("salvaged", str(damaged["orphan_exp"])) in listed
    assert ("malformed_metric_line", str(damaged["malformed"])) in listed
    # 9 runs in the fixture, 2 rebuilt; the copy in the rebuilt experiment is migrated too
    assert report.units["runs"] == 10
    engine = sa.create_engine(sqlite_uri)
    with engine.connect() as conn:
        stage = conn.execute(sa.text("SELECT lifecycle_stage FROM experiments WHERE experiment_id = 3")).scalar()
        loss = conn.execute(sa.text("SELECT COUNT(*) FROM metrics WHERE key = 'loss' AND run_uuid = :r"),
                            {"r": manifest("1.30.1")["ids"]["file"]["runs"]["train"]}).scalar()
    engine.dispose()
    assert stage == "deleted"  # 1.x .trash: the folder decides, not meta.yaml's "active"
    assert loss == 200  # the two malformed lines skipped, the 200 good ones kept


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_strict_writes_nothing(dialect: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    uri = request.getfixturevalue({"sqlite": "sqlite_uri", "postgresql": "pg_uri"}[dialect])
    root = copy_filestore_fixture("1.30.1", tmp_path)
    _damage(root)
    with pytest.raises(StrictRefused) as info:
        migrate_filestore(root, uri, strict=True)
    assert info.value.exit_code == 7
    assert info.value.report.problems.counts["salvaged"] == 3
    if dialect == "sqlite":
        assert not Path(sa.make_url(uri).database).exists()
    else:
        engine = sa.create_engine(uri)
        assert sa.inspect(engine).get_table_names() == []
        engine.dispose()


def test_strict_passes_on_clean_store(tmp_path: Path, sqlite_uri: str) -> None:
    root = copy_filestore_fixture("2.9.2", tmp_path)
    for dup in root.rglob("metrics/dup_*"):  # the only bad data in the fixture: exact duplicate points
        lines = dup.read_text().splitlines(keepends=True)
        dup.write_text("".join(dict.fromkeys(lines)))
    shutil.rmtree(root / ".trash")
    report = migrate_filestore(root, sqlite_uri, strict=True)
    assert report.status == "complete" and report.problems.errors == 0


def test_json_report_lists_paths(tmp_path: Path, sqlite_uri: str) -> None:
    root = copy_filestore_fixture("1.30.1", tmp_path)
    damaged = _damage(root)
    result = run_cli("migrate-filestore", str(root), sqlite_uri, "--json")
    assert result.returncode == 10, result.stderr  # written, but not everything as it was: scripts notice
    assert "salvaged: 3" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    report = json.loads(result.stdout)
    assert report["status"] == "complete"
    paths = {p["path"] for p in report["problems"]["listed"]}
    assert str(damaged["corrupt"].parent) in paths and str(damaged["malformed"]) in paths
    assert report["problems"]["counts"]["duplicate_metric_point"] == 2
    strict = run_cli("migrate-filestore", str(root), sqlite_uri + "-strict.db", "--strict", "--json")
    assert strict.returncode == 7
    assert json.loads(strict.stdout)["status"] == "refused"
    assert "--strict" in strict.stderr


def test_same_run_in_two_experiments(tmp_path: Path, sqlite_uri: str) -> None:
    root = copy_filestore_fixture("1.30.1", tmp_path)
    run_id = manifest("1.30.1")["ids"]["file"]["runs"]["child2"]
    shutil.copytree(root / "1" / run_id, root / "2" / run_id)
    report = migrate_filestore(root, sqlite_uri)
    assert report.problems.counts["duplicate_run"] == 1
    assert report.units["runs"] == 9


def _long_values(root: Path) -> Path:
    """A run of the 1.30.1 store given what the file store accepts and MLflow's SQL schema cannot hold: a
    9000-character param value, a 300-character tag key and a 300-character metric key (nested folders:
    one path component cannot be that long)."""
    run_dir = next(p for p in (root / "1").iterdir() if (p / "params").is_dir())
    (run_dir / "params" / "config").write_text("x" * 9000)
    (run_dir / "params" / "fits").write_text("y" * 250)
    (run_dir / "tags" / ("t" * 200)).mkdir()
    (run_dir / "tags" / ("t" * 200) / ("u" * 99)).write_text("v")
    (run_dir / "metrics" / ("m" * 200)).mkdir()
    (run_dir / "metrics" / ("m" * 200) / ("n" * 99)).write_text("1700000000000 1.5 0\n")
    return run_dir


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_values_longer_than_the_destination_holds(dialect: str, tmp_path: Path,
                                                  request: pytest.FixtureRequest) -> None:
    uri = request.getfixturevalue({"sqlite": "sqlite_uri", "postgresql": "pg_uri", "mysql": "mysql_uri"}[dialect])
    root = copy_filestore_fixture("1.30.1", tmp_path)
    run_dir = _long_values(root)
    report = migrate_filestore(root, uri)
    assert report.status == "complete"
    engine = sa.create_engine(uri)
    try:
        with engine.connect() as conn:
            params_t = sa.table("params", sa.column("key"), sa.column("value"), sa.column("run_uuid"))
            tags_t = sa.table("tags", sa.column("key"), sa.column("run_uuid"))
            params = dict(conn.execute(sa.select(params_t.c.key, params_t.c.value)
                                       .where(params_t.c.run_uuid == run_dir.name)).all())
            long_keys = conn.execute(sa.select(sa.func.count()).select_from(tags_t).where(
                tags_t.c.run_uuid == run_dir.name, sa.func.length(tags_t.c.key) > 250)).scalar()
    finally:
        engine.dispose()
    if dialect == "sqlite":  # SQLite holds them whole: nothing to skip
        assert "value_too_long" not in report.problems.counts
        assert len(params["config"]) == 9000 and long_keys == 1
    else:  # PostgreSQL refuses them, MySQL would too (or truncate): skipped, each listed with its path
        assert report.problems.counts["value_too_long"] == 3
        listed = {p.path for p in report.problems.items if p.kind == "value_too_long"}
        assert str(run_dir / "params" / "config") in listed
        assert "config" not in params and long_keys == 0
        assert params["fits"] == "y" * 250  # the run and its other params are migrated


def test_strict_refuses_values_too_long_for_postgresql(tmp_path: Path, pg_uri: str) -> None:
    root = copy_filestore_fixture("1.30.1", tmp_path)
    _long_values(root)
    with pytest.raises(StrictRefused, match="value_too_long"):
        migrate_filestore(root, pg_uri, strict=True)
    engine = sa.create_engine(pg_uri)
    try:
        assert not sa.inspect(engine).get_table_names()  # nothing written, not even the schema
    finally:
        engine.dispose()
