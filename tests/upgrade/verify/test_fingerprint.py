"""Fingerprints on the three real dialects: identical data compares equal, every kind of change is named with
table, key and column, and MLflow's own migrations leave pre-existing data unchanged (expected changes aside)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import sqlalchemy as sa

from mlflow_upgrade import errors
from mlflow_upgrade.upgrade.verify.fingerprint import Fingerprint, compare_fingerprints, take_fingerprint
from mlflow_upgrade.upgrade.verify.fingerprint import take as fpmod
from tests.support.fixture_stores import any_dialect_store, copy_sqlite_fixture, table_counts

DIALECTS = ("sqlite", "postgresql", "mysql")


@pytest.fixture(params=DIALECTS)
def old_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """MLflow 1.30.1's fixture store on each dialect."""
    dialect = request.param
    kwargs = {"pg_uri": request.getfixturevalue("pg_uri")} if dialect == "postgresql" else \
        {"mysql_uri": request.getfixturevalue("mysql_uri")} if dialect == "mysql" else {}
    return any_dialect_store("1.30.1", dialect, tmp_path, **kwargs)


def _engine(uri: str) -> sa.Engine:
    return sa.create_engine(uri, poolclass=sa.pool.NullPool)


def _upgrade_with_mlflow(uri: str) -> None:
    from alembic import command
    from mlflow.store.db.utils import _get_alembic_config

    command.upgrade(_get_alembic_config(uri), "heads")


def _by_table(diffs):
    out: dict[str, list] = {}
    for d in diffs:
        out.setdefault(d.table, []).append(d)
    return out


def test_identical_compares_equal_and_changes_are_named(old_store: str) -> None:
    engine = _engine(old_store)
    before = take_fingerprint(engine)
    assert before.rows == sum(n for t, n in table_counts(old_store).items() if t != "alembic_version")
    assert before.tables["metrics"].rows == table_counts(old_store)["metrics"] > 100
    assert compare_fingerprints(before, engine) == []

    meta = sa.MetaData()
    metrics, params, tags = (sa.Table(t, meta, autoload_with=engine) for t in ("metrics", "params", "tags"))
    with engine.begin() as conn:
        point = conn.execute(sa.select(metrics).where(metrics.c.is_nan == sa.false(), metrics.c.key == "loss")
                             .order_by(metrics.c.run_uuid, metrics.c.step).limit(1)).mappings().one()
        nan = conn.execute(sa.select(metrics).where(metrics.c.is_nan == sa.true()).order_by(metrics.c.run_uuid)
                           .limit(1)).mappings().one()
        param = conn.execute(sa.select(params).order_by(params.c.run_uuid, params.c.key).limit(1)).mappings().one()
        tag = conn.execute(sa.select(tags).order_by(tags.c.run_uuid, tags.c.key).limit(1)).mappings().one()
        conn.execute(metrics.update().where(*(metrics.c[k] == point[k] for k in point)).values(value=float(point["value"]) + 0.5))
        conn.execute(metrics.update().where(*(metrics.c[k] == nan[k] for k in nan)).values(is_nan=False))
        conn.execute(params.delete().where(params.c.key == param["key"], params.c.run_uuid == param["run_uuid"]))
        conn.execute(tags.update().where(tags.c.key == tag["key"], tags.c.run_uuid == tag["run_uuid"])
                     .values(value="changed by the test"))
    diffs = _by_table(compare_fingerprints(before, engine))
    assert set(diffs) == {"metrics", "params", "tags"}, diffs

    value_change = [d for d in diffs["metrics"] if d.column == "value"]
    assert len(value_change) == 1
    assert value_change[0].key["run_uuid"] == point["run_uuid"] and value_change[0].key["step"] == point["step"]
    assert math.isclose(value_change[0].after, float(point["value"]) + 0.5)
    if engine.dialect.name == "sqlite":  # SQLite floats are summed, so a one-row bucket shows its old value
        assert value_change[0].before == point["value"]

    nan_change = [d for d in diffs["metrics"] if d.column == "is_nan"]
    assert len(nan_change) == 1 and nan_change[0].key["run_uuid"] == nan["run_uuid"]
    assert (nan_change[0].before, nan_change[0].after) == (1, 0)

    (missing,) = diffs["params"]
    assert missing.kind == "missing" and missing.key == {"key": param["key"], "run_uuid": param["run_uuid"]}

    (changed,) = diffs["tags"]
    assert (changed.kind, changed.column, changed.after) == ("changed", "value", "changed by the test")
    assert f"run_uuid='{tag['run_uuid']}'" in str(changed)
    engine.dispose()


def test_added_rows_and_dropped_tables_are_reported(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    engine = _engine(uri)
    before = take_fingerprint(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO params (key, value, run_uuid) SELECT 'new', 'x', run_uuid FROM runs LIMIT 1")
        conn.exec_driver_sql("DROP TABLE model_version_tags")
    kinds = {(d.table, d.kind) for d in compare_fingerprints(before, engine)}
    assert kinds == {("params", "added"), ("model_version_tags", "table-missing")}
    engine.dispose()


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("2.16.2", tmp_path)
    engine = _engine(uri)
    fp = take_fingerprint(engine)
    path = fp.save(tmp_path / "fp.json")
    loaded = Fingerprint.load(path)
    assert loaded.to_dict() == fp.to_dict()
    assert compare_fingerprints(loaded, engine) == []
    assert compare_fingerprints(loaded, take_fingerprint(engine, like=loaded)) == []
    loaded.dialect = "postgresql"
    with pytest.raises(errors.UsageError, match="same dialect"):
        compare_fingerprints(loaded, engine)
    engine.dispose()


def test_large_tables_are_bucketed_and_drilled_down_with_a_backup(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fpmod, "EXACT_LIMIT", 20)  # make metrics "large" on a small store
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    backup = copy_sqlite_fixture("1.30.1", tmp_path, name="backup.db")
    engine, backup_engine = _engine(uri), _engine(backup)
    before = take_fingerprint(engine)
    # SQLite: metrics by key over the covering primary-key index, rows per run counted separately
    assert (before.tables["metrics"].bucket, before.tables["metrics"].cross) == (["key"], ["run_uuid"])
    with engine.begin() as conn:
        run_uuid, step = conn.exec_driver_sql(
            "SELECT run_uuid, step FROM metrics WHERE key = 'loss' AND is_nan = 0 ORDER BY run_uuid, step LIMIT 1"
        ).one()
        conn.exec_driver_sql(f"UPDATE metrics SET value = value * 3 + 1 WHERE run_uuid = '{run_uuid}' "
                             f"AND key = 'loss' AND step = {step}")
        param_run = conn.exec_driver_sql("SELECT run_uuid FROM params ORDER BY run_uuid LIMIT 1").scalar()
        conn.exec_driver_sql(f"DELETE FROM params WHERE run_uuid = '{param_run}'")
    diffs = compare_fingerprints(before, engine)
    assert {(d.table, d.kind, d.column, tuple(d.key.items())) for d in diffs if d.table == "metrics"} == {
        ("metrics", "changed", "value", (("key", "loss"),))}
    assert {(d.kind, d.key["run_uuid"]) for d in diffs if d.table == "params"} == {("missing", param_run)}
    exact = compare_fingerprints(before, engine, before_engine=backup_engine)
    (row,) = [d for d in exact if d.table == "metrics"]
    assert row.key["run_uuid"] == run_uuid and row.key["step"] == step
    assert row.column == "value" and row.after == row.before * 3 + 1

    with engine.begin() as conn:  # a point moved to another run: seen by the rows-per-run counts
        other = conn.exec_driver_sql(f"SELECT run_uuid FROM runs WHERE run_uuid != '{run_uuid}' LIMIT 1").scalar()
        conn.exec_driver_sql(f"UPDATE metrics SET run_uuid = '{other}' WHERE run_uuid = '{run_uuid}' "
                             f"AND key = 'loss' AND step = {step}")
    moved = {(d.kind, tuple(d.key.items())) for d in compare_fingerprints(before, engine) if d.table == "metrics"}
    assert ("count", (("run_uuid", run_uuid),)) in moved and ("count", (("run_uuid", other),)) in moved
    engine.dispose()
    backup_engine.dispose()


def test_mlflow_migrations_keep_sqlite_data(tmp_path: Path) -> None:
    """The whole chain from 1.30's head; 3.0.1 (trace rules) and the servers: test_verify.py."""
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    engine = _engine(uri)
    before = take_fingerprint(engine)
    _upgrade_with_mlflow(uri)
    assert compare_fingerprints(before, engine) == []
    engine.dispose()


def test_expected_rules_follow_the_pending_revisions() -> None:
    from mlflow_upgrade.catalog import installed_revisions

    chain = installed_revisions("tracking")
    assert chain[0] == "451aebb31d03" and len(chain) == len(set(chain))
    assert fpmod.pending_revisions(chain[-1]) == set()
    assert "75868b020152" in fpmod.pending_revisions("97727af70f4d")
    assert fpmod.pending_revisions("not-a-revision") is None


def test_job_rename_across_5d2d30f0abce_is_expected(tmp_path: Path) -> None:
    """A 3.5-era store with a queued job: MLflow renames jobs.function_fullname and cancels the job; verify
    must not call either a lost row, and still compares the job's other columns."""
    from alembic import command
    from mlflow.store.db.utils import _get_alembic_config
    from mlflow.store.tracking.dbmodels.initial_models import Base

    uri = f"sqlite:///{tmp_path / 'jobs.db'}"
    engine = _engine(uri)
    Base.metadata.create_all(engine)
    command.upgrade(_get_alembic_config(uri), "bf29a5ff90ea")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO jobs (id, creation_time, function_fullname, params, timeout, status, result, "
            "retry_count, last_update_time) VALUES ('j1', 1, 'pkg.mod.fn', '{}', NULL, 0, NULL, 0, 1)"
        )
    before = take_fingerprint(engine)
    assert "function_fullname" in before.tables["jobs"].skipped
    _upgrade_with_mlflow(uri)
    assert compare_fingerprints(before, engine) == []
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE jobs SET params = '{\"changed\": 1}'")
    assert [d.column for d in compare_fingerprints(before, engine)] == ["params"]
    engine.dispose()


def test_saved_fingerprint_is_owner_only(tmp_path: Path) -> None:
    import stat

    engine = _engine(copy_sqlite_fixture("2.9.2", tmp_path))
    path = take_fingerprint(engine).save(tmp_path / "fp.json")
    engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
