"""backup / restore on real SQLite, PostgreSQL and MariaDB databases (no mocks).

The stores are the MLflow 3.17.2 fixture (made by the real release) plus rows that are hard to round-trip:
NaN/±inf/1.79e308/-0.0 metric values, 2**62 steps, unicode, and an extra non-MLflow table with blobs, datetimes
with microseconds, decimals, JSON and the largest BIGINT.
"""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import json
import math
import stat
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from mlflow_upgrade import errors
from mlflow_upgrade.backup import BackupManifest, backup, restore
from mlflow_upgrade.dialects import get_dialect
from tests.cli_helpers import CliResult, run_cli
from tests.conftest import MYSQL_ADMIN, PG_ADMIN
from tests.support.fixture_stores import any_dialect_store, schema_snapshot

RELEASE = "3.17.2"
UNICODE = "ünïcødé 🚀 数据 'quoted' \"double\" back\\slash\nnewline\ttab"
EXTRA_DDL = {
    "sqlite": "CREATE TABLE mlu_extra (id INTEGER PRIMARY KEY, b BLOB, d TEXT, n NUMERIC, f REAL, t TEXT, j TEXT)",
    "postgresql": "CREATE TABLE mlu_extra (id BIGINT PRIMARY KEY, b BYTEA, d TIMESTAMP(6), n NUMERIC(30, 10), "
                  "f DOUBLE PRECISION, t TEXT, j JSONB)",
    "mysql": "CREATE TABLE mlu_extra (id BIGINT PRIMARY KEY, b LONGBLOB, d DATETIME(6), n DECIMAL(30, 10), "
             "f DOUBLE, t LONGTEXT, j JSON) DEFAULT CHARSET=utf8mb4",
}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> CliResult:
    """The command line in this process (a subprocess pays seconds of imports per call)."""
    from mlflow_upgrade.cli import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    return CliResult(int(exit_info.value.code or 0), captured.out, captured.err)


def _engine(uri: str) -> sa.Engine:
    return sa.create_engine(uri, poolclass=NullPool)


def _dialect_of(uri: str) -> str:
    return sa.make_url(uri).get_backend_name()


def _special_floats(dialect: str) -> list[float]:
    finite = [1.7976931348623157e308, -1.7976931348623157e308, 5e-324, 0.1 + 0.2, 1 / 3, 123456789.123456789]
    if dialect == "mysql":  # MariaDB's DOUBLE holds neither NaN nor infinities (MLflow stores ±1.79e308)
        return finite
    if dialect == "sqlite":  # SQLite turns NaN into NULL and -0.0 into 0.0
        return [*finite, math.inf, -math.inf]
    return [*finite, math.nan, math.inf, -math.inf, -0.0]


def add_hard_rows(uri: str) -> None:
    """Metrics, params and tags whose values test exactness, and a table MLflow does not know."""
    dialect = _dialect_of(uri)
    engine = _engine(uri)
    with engine.begin() as conn:
        run_uuid = conn.exec_driver_sql("SELECT run_uuid FROM runs ORDER BY run_uuid").scalars().first()
        metrics = [
            {"key": f"hard_{i}", "value": v, "timestamp": 2**41 + i, "run_uuid": run_uuid, "step": 2**62 + i,
             "is_nan": math.isnan(v)}
            for i, v in enumerate(_special_floats(dialect))
        ]
        key = "`key`" if dialect == "mysql" else '"key"'
        conn.execute(sa.text(f"INSERT INTO metrics ({key}, value, timestamp, run_uuid, step, is_nan) VALUES "
                             "(:key, :value, :timestamp, :run_uuid, :step, :is_nan)"), metrics)
        conn.execute(sa.text(f"INSERT INTO params ({key}, value, run_uuid) VALUES (:k, :v, :r)"),
                     [{"k": "unicode", "v": UNICODE, "r": run_uuid}])
        conn.exec_driver_sql(EXTRA_DDL[dialect])
        rows = [
            {"id": 2**63 - 1, "b": bytes(range(256)), "d": dt.datetime(2026, 11, 27, 17, 1, 2, 345678),
             "n": decimal.Decimal("12345678901234567890.0123456789"), "f": 2.5e-300, "t": UNICODE,
             "j": json.dumps({"a": [1, 2.5, None], "ü": "🚀"})},
            {"id": -(2**63), "b": b"", "d": None, "n": None, "f": None, "t": "", "j": None},
        ]
        if dialect == "sqlite":
            for row in rows:
                row["d"] = row["d"].isoformat() if row["d"] else None
                row["n"] = str(row["n"]) if row["n"] is not None else None
        conn.execute(sa.text("INSERT INTO mlu_extra (id, b, d, n, f, t, j) VALUES (:id, :b, :d, :n, :f, :t, :j)"),
                     rows)
    engine.dispose()


def _comparable(value: object) -> object:
    if isinstance(value, float):
        return ("float", repr(value))  # NaN equals NaN, -0.0 differs from 0.0
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def all_rows(uri: str) -> dict[str, list[tuple]]:
    """Every row of every table, raw driver values, in a stable order."""
    engine = _engine(uri)
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in sorted(sa.inspect(conn).get_table_names()):
            quoted = conn.dialect.identifier_preparer.quote(table)
            rows = conn.exec_driver_sql(f"SELECT * FROM {quoted}").fetchall()
            out[table] = sorted((tuple(_comparable(v) for v in row) for row in rows), key=repr)
    engine.dispose()
    return out


def damage(uri: str) -> None:
    """What a failed upgrade might leave: rows gone, a half-created table."""
    engine = _engine(uri)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM metrics")
        conn.exec_driver_sql("DELETE FROM mlu_extra")
        conn.exec_driver_sql("CREATE TABLE half_created (x INTEGER)")
    engine.dispose()


def insert_experiment(uri: str) -> tuple[int, int]:
    """Insert an experiment without an id; return (new id, largest id before)."""
    engine = _engine(uri)
    with engine.begin() as conn:
        before = conn.exec_driver_sql("SELECT MAX(experiment_id) FROM experiments").scalar()
        conn.exec_driver_sql(
            "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) "
            "VALUES ('after-restore', '/tmp/x', 'active', 1, 1)"
        )
        new = conn.exec_driver_sql("SELECT experiment_id FROM experiments WHERE name = 'after-restore'").scalar()
    engine.dispose()
    return int(new), int(before)


def _normalized(schema: dict) -> dict:
    """pg_dump re-deparses CHECK expressions: ``ARRAY['a'::character varying]::text[]`` comes back as
    ``ARRAY['a'::character varying::text]``, the same constraint. Compare them without the casts."""
    import re

    def strip(text: object) -> object:
        return re.sub(r"::[a-z ]+(\[\])?", "", text) if isinstance(text, str) else text

    return {table: {key: ([tuple(strip(x) for x in c) for c in value] if key == "checks" else value)
                    for key, value in info.items()} for table, info in schema.items()}


def assert_private(manifest: BackupManifest) -> None:
    assert stat.S_IMODE(manifest.directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(manifest.path.stat().st_mode) == 0o600
    for f in manifest.files:
        assert stat.S_IMODE((manifest.directory / f.name).stat().st_mode) == 0o600


@pytest.fixture
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    dialect = request.param
    kwargs = {}
    if dialect == "postgresql":
        kwargs["pg_uri"] = request.getfixturevalue("pg_uri")
    elif dialect == "mysql":
        kwargs["mysql_uri"] = request.getfixturevalue("mysql_uri")
    uri = any_dialect_store(RELEASE, dialect, tmp_path, **kwargs)
    add_hard_rows(uri)
    return uri


NATIVE = {"sqlite": "sqlite-backup-api", "postgresql": "pg_dump", "mysql": "mariadb-dump"}


@pytest.mark.parametrize("store_uri", ["sqlite", "postgresql", "mysql"], indirect=True)
def test_round_trip_native_and_logical(store_uri: str, tmp_path: Path) -> None:
    dialect = _dialect_of(store_uri)
    original_rows = all_rows(store_uri)
    original_schema = schema_snapshot(store_uri)
    native = backup(store_uri, tmp_path / "native", method="native")
    logical = backup(store_uri, tmp_path / "logical", method="logical")
    assert native.method == NATIVE[dialect] and logical.method == "logical"
    for manifest in (native, logical):
        assert_private(manifest)
        assert manifest.schema_revision == "dc11669786a5"
        assert manifest.row_counts == {t: len(rows) for t, rows in original_rows.items()}
        assert BackupManifest.load(manifest.directory).to_dict() == manifest.to_dict()

    for manifest in (native, logical):
        damage(store_uri)
        with pytest.raises(errors.Refused, match="not empty"):
            restore(manifest.directory, store_uri)
        report = restore(manifest.path, store_uri, force=True)
        assert report.verified and "half_created" in report.dropped_tables
        assert all_rows(store_uri) == original_rows, manifest.method
        assert _normalized(schema_snapshot(store_uri)) == _normalized(original_schema), manifest.method

    new_id, before = insert_experiment(store_uri)
    assert new_id == before + 1


@pytest.mark.parametrize("method", ["native", "logical"])
def test_restore_into_another_database(method: str, tmp_path: Path) -> None:
    source = any_dialect_store(RELEASE, "sqlite", tmp_path)
    add_hard_rows(source)
    manifest = backup(source, tmp_path / "b", method=method)
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    report = restore(manifest.directory, copy)
    assert report.dropped_tables == [] and report.verified
    assert all_rows(copy) == all_rows(source)
    new_id, before = insert_experiment(copy)
    assert new_id == before + 1


def test_corrupt_backup_refused_before_touching_target(tmp_path: Path) -> None:
    source = any_dialect_store(RELEASE, "sqlite", tmp_path)
    manifest = backup(source, tmp_path / "b", method="logical")
    data = manifest.directory / manifest.files[0].name
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))
    target = tmp_path / "never.db"
    with pytest.raises(errors.OperationFailed, match="corrupt"):
        restore(manifest.directory, f"sqlite:///{target}")
    assert not target.exists()
    result = run_cli("restore", str(manifest.directory), "--to", f"sqlite:///{target}")
    assert result.returncode == errors.ExitCode.FAILED
    assert "corrupt" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_api_reexports() -> None:
    from mlflow_upgrade import api

    assert api.backup is backup and api.restore is restore


def test_existing_backup_not_overwritten_without_force(tmp_path: Path) -> None:
    source = any_dialect_store(RELEASE, "sqlite", tmp_path)
    first = backup(source, tmp_path / "b")
    with pytest.raises(errors.Refused):
        backup(source, tmp_path / "b")
    again = backup(source, tmp_path / "b", method="logical", force=True)
    assert again.method == "logical" and first.method == "sqlite-backup-api"
    assert sorted(p.name for p in again.directory.iterdir()) == ["logical.jsonl.gz", "manifest.json"]


def test_default_destination(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = any_dialect_store(RELEASE, "sqlite", tmp_path)
    monkeypatch.chdir(tmp_path)
    manifest = backup(source)
    assert manifest.directory.parent == tmp_path / "mlflow-upgrade-backups"
    assert manifest.directory.name.startswith(f"{RELEASE}-mlflow-")
    assert stat.S_IMODE(manifest.directory.parent.stat().st_mode) == 0o700
    assert_private(manifest)
    second = backup(source)  # within the same second: a new directory, not a refusal
    assert second.directory != manifest.directory and second.directory.parent == manifest.directory.parent


def test_logical_dump_keeps_exact_types(tmp_path: Path) -> None:
    source = any_dialect_store(RELEASE, "sqlite", tmp_path)
    add_hard_rows(source)
    manifest = backup(source, tmp_path / "b", method="logical")
    with gzip.open(manifest.directory / "logical.jsonl.gz", "rt") as fh:
        text = fh.read()
    assert "-Infinity" in text and "1.7976931348623157e+308" in text and "0.30000000000000004" in text
    assert '"$b":' in text  # blobs are tagged, never coerced to text


# ---- passwords ------------------------------------------------------------------------------------------
PASSWORD = "Sup3r$s3cret#pw"


@pytest.fixture(params=["postgresql", "mysql"])
def password_uri(request: pytest.FixtureRequest) -> str:
    """A database owned by a user with a password, holding a small table; URI with that password."""
    name = f"mlu_pw_{uuid.uuid4().hex[:10]}"
    admin_url = PG_ADMIN if request.param == "postgresql" else MYSQL_ADMIN
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        if request.param == "postgresql":
            conn.exec_driver_sql(f"CREATE ROLE {name} LOGIN PASSWORD '{PASSWORD}'")
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER {name}')
        else:
            conn.exec_driver_sql(f"CREATE DATABASE `{name}`")
            conn.exec_driver_sql(f"CREATE USER '{name}'@'%%' IDENTIFIED BY '{PASSWORD}'")
            conn.exec_driver_sql(f"GRANT ALL PRIVILEGES ON `{name}`.* TO '{name}'@'%%'")
    uri = sa.make_url(admin_url).set(username=name, password=PASSWORD, database=name)
    text = uri.render_as_string(hide_password=False)
    engine = _engine(text)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name VARCHAR(64))")
        conn.exec_driver_sql(f"INSERT INTO experiments VALUES (0, 'Default'), (7, '{name}')")
        if request.param == "postgresql":  # like MLflow 3.x's trigger on `secrets`
            conn.exec_driver_sql("CREATE FUNCTION keep_name() RETURNS trigger LANGUAGE plpgsql AS "
                                 "$$ BEGIN NEW.name := OLD.name; RETURN NEW; END $$")
            conn.exec_driver_sql("CREATE TRIGGER keep_name BEFORE UPDATE ON experiments "
                                 "FOR EACH ROW EXECUTE FUNCTION keep_name()")
    engine.dispose()
    if request.param == "mysql":  # a trigger whose DEFINER (root) the restoring user may not impersonate
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE TRIGGER `{name}`.keep_name BEFORE UPDATE ON `{name}`.experiments "
                                 "FOR EACH ROW SET NEW.name = OLD.name")
    yield text
    with admin.connect() as conn:
        if request.param == "postgresql":
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {name}")
        else:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
            conn.exec_driver_sql(f"DROP USER IF EXISTS '{name}'@'%%'")
    admin.dispose()


def _assert_no_password(*texts: str) -> None:
    for text in texts:
        assert PASSWORD not in text and quote(PASSWORD, safe="") not in text


@pytest.mark.parametrize("method", ["native", "logical"])
def test_password_never_shown(
    password_uri: str, method: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    result = cli(capsys, "backup", password_uri, "--out", str(out), "--method", method)
    assert result.returncode == 0, result.output
    _assert_no_password(result.output, *(p.read_text(errors="replace") for p in [out / "manifest.json"]))
    manifest = json.loads((out / "manifest.json").read_text())
    assert ":***@" in manifest["source_uri"]
    assert manifest["row_counts"] == {"experiments": 2}

    as_json = cli(capsys, "backup", password_uri, "--out", str(tmp_path / "b2"), "--method", method, "--json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["method"] != "auto"
    _assert_no_password(as_json.output)

    without_target = cli(capsys, "restore", str(out))
    assert without_target.returncode == errors.ExitCode.USAGE and "--to" in without_target.stderr
    refused = cli(capsys, "restore", str(out), "--to", password_uri)
    assert refused.returncode == errors.ExitCode.REFUSED
    restored = cli(capsys, "restore", str(out), "--to", password_uri, "--force", "--json")
    assert restored.returncode == 0, restored.output
    assert json.loads(restored.stdout)["verified"] is True
    _assert_no_password(without_target.output, refused.output, restored.output)
    engine = _engine(password_uri)
    with engine.begin() as conn:  # the trigger came back and works
        conn.exec_driver_sql("UPDATE experiments SET name = 'renamed' WHERE experiment_id = 0")
        assert conn.exec_driver_sql("SELECT name FROM experiments WHERE experiment_id = 0").scalar() == "Default"
    engine.dispose()


def test_wrong_password_is_one_masked_line(
    password_uri: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if _dialect_of(password_uri) == "postgresql":
        pytest.skip("the test PostgreSQL trusts local connections: a wrong password still logs in")
    wrong = password_uri.replace(quote(PASSWORD, safe=""), "Wr0ng-pw")
    result = cli(capsys, "backup", wrong, "--out", str(tmp_path / "b"))
    assert result.returncode == errors.ExitCode.CONNECTION
    assert "Wr0ng-pw" not in result.output and len(result.stderr.strip().splitlines()) == 1


# ---- command line ---------------------------------------------------------------------------------------
def test_cli_exit_codes_and_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = any_dialect_store(RELEASE, "sqlite", tmp_path)
    ok = cli(capsys, "backup", source, "--out", str(tmp_path / "b"))
    assert ok.returncode == 0, ok.output
    assert "sqlite-backup-api" in ok.stdout and "dc11669786a5" in ok.stdout

    assert cli(capsys, "backup", source, "--out", str(tmp_path / "b")).returncode == errors.ExitCode.REFUSED
    assert cli(capsys, "backup", source, "--method", "bogus").returncode == errors.ExitCode.USAGE
    missing = cli(capsys, "backup", f"sqlite:///{tmp_path / 'nope.db'}", "--out", str(tmp_path / "c"))
    assert missing.returncode == errors.ExitCode.NOT_FOUND and not (tmp_path / "c").exists()
    assert cli(capsys, "restore", str(tmp_path / "no-such-backup")).returncode == errors.ExitCode.USAGE

    restored = cli(capsys, "restore", str(tmp_path / "b"), "--to", f"sqlite:///{tmp_path / 'copy.db'}", "--json")
    assert restored.returncode == 0, restored.output
    report = json.loads(restored.stdout)
    assert report["verified"] is True and report["method"] == "sqlite-backup-api"
    wrong_dialect = cli(capsys, "restore", str(tmp_path / "b"), "--to", PG_ADMIN)
    assert wrong_dialect.returncode == errors.ExitCode.USAGE and "sqlite backup" in wrong_dialect.stderr


def test_dialect_helpers(empty_db_uri: str) -> None:
    dialect = get_dialect(empty_db_uri)
    if dialect.name == "sqlite":
        Path(sa.make_url(empty_db_uri).database).touch()
    engine = _engine(empty_db_uri)
    assert dialect.is_empty(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE a (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id))")
        conn.exec_driver_sql("INSERT INTO a VALUES (1), (2)")
        conn.exec_driver_sql("INSERT INTO b VALUES (1, 1)")
    assert dialect.list_tables(engine) == ["a", "b"]
    assert dialect.row_counts(engine, ["a", "b"]) == {"a": 2, "b": 1}
    assert not dialect.is_empty(engine)
    dialect.drop_all_tables(engine)
    assert dialect.is_empty(engine)
    engine.dispose()


@pytest.mark.parametrize("method", ["native", "logical"])
def test_counts_match_the_dump_while_the_store_is_written(password_uri: str, method: str, tmp_path: Path) -> None:
    """A writer inserts rows during the backup: the manifest's counts must still describe the dumped rows."""
    import threading

    stop = threading.Event()

    def write() -> None:
        engine = _engine(password_uri)
        i = 1000
        while not stop.is_set():
            with engine.begin() as conn:
                conn.exec_driver_sql(f"INSERT INTO experiments VALUES ({i}, 'w{i}')")
            i += 1
        engine.dispose()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        manifest = backup(password_uri, tmp_path / "b", method=method)
    finally:
        stop.set()
        writer.join()
    if manifest.dialect == "mysql" and method == "native":
        assert manifest.details["counts"].startswith("exact")
    report = restore(manifest.directory, password_uri, force=True)
    assert report.verified and report.restored_counts["experiments"] >= 2


@pytest.mark.parametrize("method", ["native", "logical"])
def test_dump_failure_is_one_masked_line(
    password_uri: str, method: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A table the backup user may not read: pg_dump (or the SELECT) fails; one line, no password, no files."""
    if _dialect_of(password_uri) != "postgresql":
        pytest.skip("the MariaDB test user holds ALL on its database")
    admin = _engine(sa.make_url(PG_ADMIN).set(database=sa.make_url(password_uri).database))
    with admin.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE locked_out (x INTEGER)")
    admin.dispose()
    result = cli(capsys, "backup", password_uri, "--out", str(tmp_path / "b"), "--method", method)
    assert result.returncode == errors.ExitCode.FAILED
    assert "permission denied" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    _assert_no_password(result.output)
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_tool_failure_shows_its_first_error_line_masked(dialect: str, tmp_path: Path) -> None:
    from mlflow_upgrade.dialects import mysql, postgres
    from mlflow_upgrade.dialects.tools import run_tool
    from mlflow_upgrade.store.uri import parse_store_uri

    secret = "Sup3r-secret-pw"
    if dialect == "postgresql":
        ref = parse_store_uri(f"postgresql://nobody:{secret}@127.0.0.1:5432/no_such_db_{uuid.uuid4().hex[:6]}")
        tool = get_dialect("postgresql")._pick("pg_dump", 0).tool
        with postgres._libpq_env(ref) as env, pytest.raises(errors.OperationFailed) as info:
            run_tool([tool, "--format=custom", f"--file={tmp_path / 'x'}"], env, secrets=[secret])
        assert "pg_dump failed" in str(info.value) and "does not exist" in str(info.value)
    else:
        ref = parse_store_uri(f"mysql://nobody:{secret}@127.0.0.1:3306/test")
        with open(tmp_path / "x", "wb") as sink, mysql._defaults_file(ref) as cnf, \
                pytest.raises(errors.OperationFailed) as info:
            assert stat.S_IMODE(Path(cnf).stat().st_mode) == 0o600
            run_tool(["mariadb-dump", f"--defaults-extra-file={cnf}", "test"], mysql._tool_env(),
                     stdout_sink=sink, secrets=[secret])
        assert "mariadb-dump failed" in str(info.value) and "Access denied" in str(info.value)
        assert not Path(cnf).exists()
    assert secret not in str(info.value) and "\n" not in str(info.value)


def test_auth_database_and_old_release(tmp_path: Path) -> None:
    """The basic-auth DB (revision in alembic_version_auth) and a 1.30.1 store round-trip logically."""
    from tests.support.fixture_stores import copy_auth_fixture, copy_sqlite_fixture

    auth = copy_auth_fixture(RELEASE, tmp_path)
    manifest = backup(auth, tmp_path / "auth", method="logical")
    assert manifest.schema_revision is None and manifest.version_tables == {"alembic_version_auth": ["f1a2b3c4d5e6"]}
    restore(manifest.directory, f"sqlite:///{tmp_path / 'auth-copy.db'}")
    assert all_rows(f"sqlite:///{tmp_path / 'auth-copy.db'}") == all_rows(auth)

    old = copy_sqlite_fixture("1.30.1", tmp_path)
    manifest = backup(old, tmp_path / "old", method="logical")
    assert manifest.schema_revision == "97727af70f4d"
    restore(manifest.directory, f"sqlite:///{tmp_path / 'old-copy.db'}")
    assert all_rows(f"sqlite:///{tmp_path / 'old-copy.db'}") == all_rows(old)
