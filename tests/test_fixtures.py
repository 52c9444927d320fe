"""The committed fixtures are what their manifests say, stay untouched, and load faithfully on every dialect."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.fixture_stores import (
    FIXTURE_RELEASES,
    AuthDbUnsupported,
    clear_store,
    copy_auth_fixture,
    copy_filestore_fixture,
    copy_sqlite_fixture,
    fixture_dir,
    load_auth_fixture_into,
    load_fixture_into,
    manifest,
    table_counts,
)

EXPECTED_RELEASES = ["1.30.1", "2.9.2", "2.16.2", "2.22.5", "3.0.1", "3.17.2"]
SQL_MAX_DOUBLE = 1.7976931348623157e308  # what the SQL store keeps for +/-inf


def _ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _sqlite_counts(path: Path) -> dict[str, int]:
    with _ro(path) as con:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _version(release: str) -> tuple[int, ...]:
    return tuple(int(p) for p in release.split("."))


def test_every_release_has_a_fixture():
    assert FIXTURE_RELEASES == EXPECTED_RELEASES


@pytest.mark.parametrize("release", FIXTURE_RELEASES)
def test_sqlite_store_matches_manifest(release):
    m = manifest(release)
    db = fixture_dir(release) / "mlflow.db"
    assert _sqlite_counts(db) == m["table_counts"]
    with _ro(db) as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == m["tracking_revision"]
        names = {r[0]: r[1] for r in con.execute("SELECT name, lifecycle_stage FROM experiments")}
        statuses = {r[0] for r in con.execute("SELECT status FROM runs")}
        parents = con.execute("SELECT COUNT(*) FROM tags WHERE key = 'mlflow.parentRunId'").fetchone()[0]
        nan_rows = con.execute("SELECT COUNT(*) FROM metrics WHERE is_nan").fetchone()[0]
        inf_rows = con.execute("SELECT COUNT(*) FROM metrics WHERE abs(value) = ?", (SQL_MAX_DOUBLE,)).fetchone()[0]
        deleted_runs = con.execute("SELECT COUNT(*) FROM runs WHERE lifecycle_stage = 'deleted'").fetchone()[0]
    assert m["tracking_revision"] == m["tracking_head_of_release"]
    if m["tracking_head_in_facts"]:
        assert m["tracking_revision"] == m["tracking_head_in_facts"]
    assert names["Expérience ünïcode 実験"] == "active"
    assert names["fixture-deleted"] == "deleted"
    assert {"FINISHED", "FAILED", "KILLED", "RUNNING"} <= statuses
    assert parents == 2 and nan_rows == 2 and inf_rows == 2 and deleted_runs >= 1
    assert m["duplicate_points_stored"] == {"sql": {"dup_batch": 1, "dup_twice": 1},
                                            "file": {"dup_batch": 2, "dup_twice": 2}}
    assert m["table_counts"]["model_versions"] >= 4 and m["table_counts"]["metrics"] > 300


@pytest.mark.parametrize("release", FIXTURE_RELEASES)
def test_features_of_each_release_are_present(release):
    counts = manifest(release)["table_counts"]
    v = _version(release)
    assert (counts.get("registered_model_aliases", 0) == 2) == (v >= (2, 3))
    assert (counts.get("inputs", 0) >= 3) == (v >= (2, 4))
    assert (counts.get("trace_info", 0) == 2) == (v >= (2, 15))
    assert (counts.get("logged_models", 0) == 2) == (v >= (3, 0))


@pytest.mark.parametrize("release", FIXTURE_RELEASES)
def test_auth_db_matches_manifest(release):
    m = manifest(release)
    path = fixture_dir(release) / "basic_auth.db"
    if _version(release) < (2, 5):
        assert not path.exists() and m["auth_revision"] is None
        return
    assert _sqlite_counts(path) == m["auth_table_counts"]
    with _ro(path) as con:
        table = m["auth_version_table"]
        assert con.execute(f'SELECT version_num FROM "{table}"').fetchone()[0] == m["auth_revision"]
        assert con.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 3
    expected_table = "alembic_version_auth" if _version(release) >= (3, 6) else "alembic_version"
    assert m["auth_version_table"] == expected_table


@pytest.mark.parametrize("release", FIXTURE_RELEASES)
def test_file_store_matches_manifest(release, tmp_path):
    m = manifest(release)
    root = copy_filestore_fixture(release, tmp_path)
    counts = m["file_store_counts"]
    experiments = list(root.glob("*/meta.yaml")) + list(root.glob(".trash/*/meta.yaml"))
    runs = [p for e in experiments for p in e.parent.glob("*/meta.yaml")]
    lines = sum(len(p.read_text().splitlines()) for r in runs for p in (r.parent / "metrics").rglob("*")
                if p.is_file())
    assert (len(experiments), len(runs), lines) == (counts["experiments"], counts["runs"], counts["metric_lines"])
    assert counts["experiments_in_trash"] == 1
    assert (counts["registered_models"] > 0) == m["file_store_registry"] == (_version(release) >= (2, 0))
    assert all((root / rel).is_dir() for rel in m["file_store_empty_dirs"])


@pytest.mark.parametrize("release", FIXTURE_RELEASES)
def test_copies_are_writable_and_leave_the_fixture_alone(release, tmp_path):
    committed = fixture_dir(release) / "mlflow.db"
    before = _digest(committed)
    uri = copy_sqlite_fixture(release, tmp_path)
    copy = Path(sa.make_url(uri).database)
    assert copy.parent == tmp_path and copy != committed
    with sqlite3.connect(copy) as con:
        con.execute("UPDATE experiments SET name = name || '-x'")
    if _version(release) >= (2, 5):
        auth = Path(sa.make_url(copy_auth_fixture(release, tmp_path)).database)
        with sqlite3.connect(auth) as con:
            con.execute("DELETE FROM users")
    assert _digest(committed) == before


_METRIC_FINGERPRINT = sa.text(
    "SELECT COUNT(*), SUM(step), MIN(value), MAX(value), SUM(CASE WHEN is_nan THEN 1 ELSE 0 END), "
    "COUNT(DISTINCT run_uuid), MAX(timestamp) FROM metrics")


def _fixture_metric_fingerprint(release: str) -> tuple:
    engine = sa.create_engine(f"sqlite:///file:{fixture_dir(release) / 'mlflow.db'}?mode=ro&uri=true")
    with engine.connect() as conn:
        row = tuple(conn.execute(_METRIC_FINGERPRINT).one())
    engine.dispose()
    return row


def _revision(conn: sa.Connection, table: str = "alembic_version") -> str:
    return conn.exec_driver_sql(f"SELECT version_num FROM {table}").scalar_one()


# One database per dialect, migrated forward release by release (clear_store between): the first load takes
# the fresh-database path, every later one the upgrade-an-emptied-store path; the migration chain runs once.
def test_load_every_release_into_postgres(pg_uri):
    engine = sa.create_engine(pg_uri, poolclass=sa.pool.NullPool)
    for release in FIXTURE_RELEASES:
        m = manifest(release)
        load_fixture_into(release, pg_uri)
        assert table_counts(pg_uri) == m["table_counts"], release
        with engine.connect() as conn:
            assert _revision(conn) == m["tracking_revision"]
            top = conn.exec_driver_sql("SELECT MAX(experiment_id) FROM experiments").scalar_one()
            nxt = conn.exec_driver_sql("SELECT nextval(pg_get_serial_sequence('experiments', 'experiment_id'))")
            assert nxt.scalar_one() > top, release
            assert tuple(conn.execute(_METRIC_FINGERPRINT).one()) == _fixture_metric_fingerprint(release)
        clear_store(pg_uri)
    engine.dispose()


def test_load_every_release_into_mysql(mysql_uri):
    engine = sa.create_engine(mysql_uri, poolclass=sa.pool.NullPool)
    for release in FIXTURE_RELEASES:
        m = manifest(release)
        load_fixture_into(release, mysql_uri)
        assert table_counts(mysql_uri) == m["table_counts"], release
        with engine.connect() as conn:
            assert _revision(conn) == m["tracking_revision"]
            # Id 0 (Default) survives: without NO_AUTO_VALUE_ON_ZERO MySQL would have renumbered it.
            default = conn.execute(sa.text("SELECT name FROM experiments WHERE experiment_id = 0")).scalar_one()
            assert default == "Default", release
            names = conn.execute(sa.text("SELECT name FROM experiments")).scalars().all()
            assert "Expérience ünïcode 実験" in names, release
            assert tuple(conn.execute(_METRIC_FINGERPRINT).one()) == _fixture_metric_fingerprint(release)
        clear_store(mysql_uri)
    engine.dispose()


def test_load_every_auth_db_into_postgres(pg_uri):
    engine = sa.create_engine(pg_uri, poolclass=sa.pool.NullPool)
    for release in [r for r in FIXTURE_RELEASES if _version(r) >= (2, 5)]:
        m = manifest(release)
        load_auth_fixture_into(release, pg_uri)
        assert table_counts(pg_uri) == m["auth_table_counts"], release
        with engine.connect() as conn:
            assert _revision(conn, m["auth_version_table"]) == m["auth_revision"]
        clear_store(pg_uri)
    engine.dispose()


def test_load_rejects_a_store_with_rows(pg_uri):
    load_fixture_into("2.9.2", pg_uri)
    with pytest.raises(RuntimeError, match="not empty"):
        load_fixture_into("2.16.2", pg_uri)


def test_auth_db_cannot_be_built_on_mysql(mysql_uri):
    with pytest.raises(AuthDbUnsupported, match="9642"):
        load_auth_fixture_into("2.16.2", mysql_uri)


def test_bundled_example_is_the_1_30_1_fixture():
    from mlflow_upgrade.examples import EXAMPLE_DB

    assert EXAMPLE_DB.is_file()
    assert _digest(EXAMPLE_DB) == _digest(fixture_dir("1.30.1") / "mlflow.db")
