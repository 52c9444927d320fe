"""Secrets (docs/security.md, S-cases): every password form a driver accepts is masked in every message, --json,
manifest, run marker, journal row and child-process command line."""

from __future__ import annotations

import base64
import http.server
import json
import os
import stat
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy

from mlflow_upgrade.store.masking import mask_one_uri, mask_uri
from tests.cli_helpers import run_cli
from tests.conftest import MYSQL_ADMIN

SECRET = "Zq7-secret-Xw"


# -- S1: the forms, one by one (the library function every message goes through) ---------------------------
@pytest.mark.parametrize("text", [
    f"postgresql://u:{SECRET}@h:5432/db",
    f"postgresql://u@h/db?password={SECRET}",
    f"postgresql://u@h/db?sslmode=require&sslpassword={SECRET}&x=1",
    f"mysql+pymysql://u@h/db?passwd={SECRET}",
    f"mysql://u@h/db?PWD={SECRET}",
    f"postgresql://u:{SECRET[:3]}@{SECRET[3:]}@h/db",  # raw '@' in the password: masked whole, not in part
    f"postgresql://u:{SECRET[:3]}:{SECRET[3:]}@h/db",  # raw ':'
    f"postgresql://u:{SECRET[:3]}/{SECRET[3:]}@h/db",  # raw '/' (SQLAlchemy reads it as part of the password)
    f"mysql://user@server:{SECRET}@h/db",  # Azure-style user name holding '@'
    f"mssql+pyodbc:///?odbc_connect=DRIVER%3D18%3BPWD%3D{SECRET}",
    f"http://admin:{SECRET}@mlflow.example:5000/",
])
def test_every_password_form_is_masked(text: str) -> None:
    for masked in (mask_uri(f"error: cannot open {text}: refused"), mask_one_uri(text)):
        assert SECRET not in masked and SECRET[:3] not in masked and SECRET[3:] not in masked
        assert "***" in masked


def test_masking_keeps_what_is_not_secret() -> None:
    assert mask_uri("postgresql://u:pw@db.example:5432/mlflow?sslmode=require: failed") == \
        "postgresql://u:***@db.example:5432/mlflow?sslmode=require: failed"
    assert mask_uri("http://127.0.0.1:5000/health is down") == "http://127.0.0.1:5000/health is down"
    assert mask_uri("mysql://root@127.0.0.1/test?passwd=abcdef: check") == "mysql://root@127.0.0.1/test?passwd=***: check"


def test_a_password_with_a_space_is_masked_in_free_text() -> None:
    from mlflow_upgrade.store.uri import parse_store_uri

    ref = parse_store_uri("postgresql://u:open sesame@h/db")
    assert "sesame" not in ref.masked
    assert "sesame" not in mask_uri("driver said: password 'open sesame' rejected")


@pytest.mark.parametrize("text", [
    "a" * 200_000,
    "postgresql://u:" + "p" * 200_000 + "@h/db",
    "http://a:" * 25_000,
    "?password=" + "x" * 200_000,
    "@:" * 100_000,
])
def test_masking_long_inputs(text: str) -> None:
    """Masking is linear: these took minutes with the old backtracking pattern (40 k chars: 2.5-10 s)."""
    out = mask_uri(text)
    assert len(out) <= len(text)
    if "pppp" in text or "xxxx" in text:
        assert "ppppp" not in out and "xxxxx" not in out


# -- S2: query-parameter passwords through a whole backup and an upgrade -----------------------------------
@pytest.fixture
def mysql_user_db() -> Iterator[tuple[str, str]]:
    """A MariaDB database and a user with a password that may use it only: (user, database)."""
    admin = sqlalchemy.create_engine(MYSQL_ADMIN, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
    name = f"mlu_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{name}`")
        conn.exec_driver_sql(f"CREATE USER '{name}'@'%%' IDENTIFIED BY '{SECRET}'")
        conn.exec_driver_sql(f"CREATE USER '{name}'@'localhost' IDENTIFIED BY '{SECRET}'")
        conn.exec_driver_sql(f"GRANT ALL ON `{name}`.* TO '{name}'@'%%'")
        conn.exec_driver_sql(f"GRANT ALL ON `{name}`.* TO '{name}'@'localhost'")
        conn.exec_driver_sql(f"CREATE TABLE `{name}`.t (id INT PRIMARY KEY, v VARCHAR(20))")
        conn.exec_driver_sql(f"INSERT INTO `{name}`.t VALUES (1, 'a'), (2, 'b')")
    try:
        yield name, name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
            conn.exec_driver_sql(f"DROP USER IF EXISTS '{name}'@'%%'")
            conn.exec_driver_sql(f"DROP USER IF EXISTS '{name}'@'localhost'")
        admin.dispose()


def _argv_logging_wrappers(tmp_path: Path, tools: list[str]) -> tuple[dict[str, str], Path]:
    """PATH entries that record each dump tool's command line, then run the real tool."""
    import shutil

    bindir, log = tmp_path / "bin", tmp_path / "argv.log"
    bindir.mkdir()
    for tool in tools:
        real = shutil.which(tool)
        if real is None:
            continue
        wrapper = bindir / tool
        wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$0 $*" >> {log}\nexec {real} "$@"\n')
        wrapper.chmod(0o755)
    return {"PATH": f"{bindir}:{os.environ['PATH']}"}, log


def _assert_secret_nowhere(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text


def test_mysql_query_password_backup_restore(mysql_user_db: tuple[str, str], tmp_path: Path) -> None:
    user, db = mysql_user_db
    uri = f"mysql+pymysql://{user}@127.0.0.1:3306/{db}?passwd={SECRET}"
    env, log = _argv_logging_wrappers(tmp_path, ["mariadb-dump", "mysqldump", "mariadb", "mysql"])
    out = tmp_path / "b"
    result = run_cli("backup", uri, "--out", str(out), "--json", env=env)
    assert result.returncode == 0, result.output  # the option file carried the query password
    manifest = (out / "manifest.json").read_text()
    _assert_secret_nowhere(result.output, manifest)
    assert json.loads(manifest)["source_uri"].endswith("passwd=***")
    assert json.loads(manifest)["row_counts"] == {"t": 2}
    restored = run_cli("restore", str(out), "--to", uri.replace("passwd=", "password="), "--force", "--json", env=env)
    assert restored.returncode == 0, restored.output
    _assert_secret_nowhere(restored.output)
    if json.loads(manifest)["method"] != "logical":  # a native tool ran: its command line never held it
        assert "--defaults-extra-file=" in log.read_text()
        _assert_secret_nowhere(log.read_text())


def test_postgres_query_password_backup(pg_uri: str, tmp_path: Path) -> None:
    """(The test server trusts local connections, so any password logs in: what is checked is where it goes.)"""
    engine = sqlalchemy.create_engine(pg_uri, poolclass=sqlalchemy.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INT PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    engine.dispose()
    uri = f"{pg_uri}?password={SECRET}&sslmode=prefer"
    env, log = _argv_logging_wrappers(tmp_path, ["pg_dump", "pg_restore"])
    out = tmp_path / "b"
    result = run_cli("backup", uri, "--out", str(out), "--json", env=env)
    assert result.returncode == 0, result.output
    manifest = (out / "manifest.json").read_text()
    _assert_secret_nowhere(result.output, manifest)
    assert "password=***" in json.loads(manifest)["source_uri"]
    bad = run_cli("inspect", uri.replace("127.0.0.1", "no-such-host.invalid"), "--json")
    assert bad.returncode == 6
    _assert_secret_nowhere(bad.output)
    if json.loads(manifest)["method"] != "logical":
        assert "pg_dump" in log.read_text()
        _assert_secret_nowhere(log.read_text())


def test_upgrade_with_query_password_leaves_it_nowhere(pg_uri: str, tmp_path: Path) -> None:
    from tests.support.fixture_stores import load_fixture_into

    load_fixture_into("3.0.1", pg_uri)
    state = tmp_path / "state"
    uri = f"{pg_uri}?password={SECRET}"
    result = run_cli("upgrade", uri, "--backup-dir", str(tmp_path / "backups"), "--json",
                     env={"MLFLOW_UPGRADE_STATE_DIR": str(state)})
    assert result.returncode == 0, result.output
    _assert_secret_nowhere(result.output)
    for path in [*tmp_path.rglob("*.json")]:
        _assert_secret_nowhere(path.read_text())
    engine = sqlalchemy.create_engine(pg_uri, poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM mlflow_upgrade_log").fetchall()
    engine.dispose()
    assert rows
    _assert_secret_nowhere(repr(rows))


# -- S3: credentials of a tracking server ------------------------------------------------------------------
class _AuthServer(http.server.BaseHTTPRequestHandler):
    expected = "Basic " + base64.b64encode(f"admin:{SECRET}".encode()).decode()

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != self.expected:
            self.send_response(401)
            self.end_headers()
            return
        body = {"/health": b"OK", "/version": b"3.17.2"}.get(self.path, b"{}")
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def auth_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AuthServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_server_credentials_in_url_or_environment(auth_server: str, tmp_path: Path) -> None:
    from tests.support.fixture_stores import copy_sqlite_fixture

    store = copy_sqlite_fixture("3.17.2", tmp_path)
    in_url = run_cli("inspect", store, "--server", f"http://admin:{SECRET}@{auth_server}/", "--json")
    assert in_url.returncode == 0, in_url.output
    assert json.loads(in_url.stdout)["server"]["version"] == "3.17.2"
    assert json.loads(in_url.stdout)["server"]["url"] == f"http://admin:***@{auth_server}"
    from_env = run_cli("inspect", store, "--server", f"http://{auth_server}", "--json",
                       env={"MLFLOW_TRACKING_USERNAME": "admin", "MLFLOW_TRACKING_PASSWORD": SECRET})
    assert json.loads(from_env.stdout)["server"]["version"] == "3.17.2"
    wrong = run_cli("inspect", store, "--server", f"http://admin:nope{SECRET}x@{auth_server}", "--json")
    assert json.loads(wrong.stdout)["server"]["endpoints"]["/version"] == 401
    bad_port = run_cli("inspect", store, "--server", f"http://admin:{SECRET}@host:port/")
    assert bad_port.returncode == 2 and "malformed" in bad_port.stderr
    _assert_secret_nowhere(in_url.output, from_env.output, wrong.output, bad_port.output)


def test_option_file_of_a_dump_tool_is_private(tmp_path: Path) -> None:
    from mlflow_upgrade.dialects import mysql
    from mlflow_upgrade.store.uri import parse_store_uri

    ref = parse_store_uri(f"mysql://u@h/db?password={SECRET}")
    with mysql._defaults_file(ref) as cnf:
        assert stat.S_IMODE(Path(cnf).stat().st_mode) == 0o600
        assert stat.S_IMODE(Path(cnf).parent.stat().st_mode) == 0o700
        assert SECRET in Path(cnf).read_text()
    assert not Path(cnf).exists()
