"""diffcheck end to end: stores written by real old releases, served by those releases (their own venvs) and by
the installed MLflow, on SQLite, PostgreSQL and MariaDB (one release per dialect keeps the cost down: each run
starts two MLflow servers). A difference injected into the upgraded copy must be reported; the source store is
never touched, the servers are gone and the scratch database dropped afterwards.

Real differences between the releases on these fixtures are listed in docs/diffcheck.md; the tests check the
injected one and that nothing else differs.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from mlflow_upgrade import errors
from mlflow_upgrade.diffcheck import DiffcheckReport, diffcheck
from mlflow_upgrade.store.schema import read_revision
from tests.cli_helpers import run_cli
from tests.conftest import MYSQL_ADMIN, PG_ADMIN, _server_database, _unique_name
from tests.support.fixture_stores import copy_sqlite_fixture, load_fixture_into

RENAMED = " (renamed after the upgrade)"


def _inject(uri: str) -> None:
    """The difference the test plants in the upgraded copy, before the target server starts."""
    engine = sa.create_engine(uri, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE experiments SET name = :new WHERE name = 'fixture-main'"),
                     {"new": "fixture-main" + RENAMED})
    engine.dispose()


def _server_processes(*, parent: int | None = None, work: str | None = None) -> list[str]:
    """Command lines of MLflow servers diffcheck started: children of ``parent`` (default: this process, which
    runs diffcheck in-process), or any naming the work folder ``work``. Other tests' servers (pytest-xdist) are
    not ours."""
    out = subprocess.run(["ps", "-eww", "-o", "pid=,ppid=,args="], capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        _pid, ppid, args = line.split(None, 2)
        if "mlflow-upgrade-diffcheck-" not in args or " server " not in args:
            continue
        if (work is not None and work in args) or (work is None and int(ppid) == (parent or os.getpid())):
            found.append(args)
    return found


def _scratch_databases(admin: str) -> set[str]:
    engine = sa.create_engine(admin, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("SELECT datname FROM pg_database").all()
        else:
            rows = conn.exec_driver_sql("SHOW DATABASES").all()
    engine.dispose()
    return {r[0] for r in rows if r[0].startswith("mlu_diffcheck_")}


def _revision(uri: str) -> str | None:
    engine = sa.create_engine(uri, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        rev = read_revision(conn)
    engine.dispose()
    return rev


def _check_injected_only(report: DiffcheckReport) -> None:
    renamed = [d for d in report.differences if d.kind == "value" and d.new.endswith(RENAMED)]
    assert renamed, report.differences
    # a renamed experiment may move in a search ordered by name: that order difference is the injected one too
    other = [d for d in report.differences
             if d not in renamed and not (d.kind == "order" and d.call.startswith("search experiments"))]
    assert other == [], other
    assert any(c["call"].startswith("get run ") for c in report.calls)
    assert any(a.endswith("experiments[].workspace") for a in report.additions)
    assert not report.ok


@pytest.fixture(scope="module")
def sqlite_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[DiffcheckReport, str, str]:
    uri = copy_sqlite_fixture("2.16.2", tmp_path_factory.mktemp("diffcheck-sqlite"))
    digest = hashlib.sha256(Path(uri.removeprefix("sqlite:///")).read_bytes()).hexdigest()
    return diffcheck(uri, sample=3, after_upgrade=_inject), uri, digest


@pytest.fixture(scope="module")
def pg_run() -> tuple[DiffcheckReport, str, str | None]:
    for uri in _server_database(PG_ADMIN, _unique_name()):
        load_fixture_into("1.30.1", uri)
        before = _scratch_databases(PG_ADMIN)
        yield diffcheck(uri, sample=3, after_upgrade=_inject), uri, before


@pytest.fixture(scope="module")
def mysql_run() -> tuple[DiffcheckReport, str, str | None]:
    for uri in _server_database(MYSQL_ADMIN, _unique_name()):
        load_fixture_into("3.0.1", uri)
        before = _scratch_databases(MYSQL_ADMIN)
        yield diffcheck(uri, sample=3, after_upgrade=_inject), uri, before


def test_sqlite_2_16_2_reports_the_injected_difference_and_leaves_the_source(sqlite_run) -> None:
    report, uri, digest = sqlite_run
    assert (report.old_release, report.dialect) == ("2.16.2", "sqlite")
    _check_injected_only(report)
    assert hashlib.sha256(Path(uri.removeprefix("sqlite:///")).read_bytes()).hexdigest() == digest
    assert _server_processes() == []
    assert report.kept is None


def test_postgresql_1_30_1_reports_the_injected_difference(pg_run) -> None:
    report, uri, before = pg_run
    assert (report.old_release, report.dialect) == ("1.30.1", "postgresql")
    _check_injected_only(report)
    assert "traces: the old release does not serve /api/2.0/mlflow/traces (404)" in report.skipped
    assert _revision(uri) == "97727af70f4d"  # the source was not upgraded
    assert _scratch_databases(PG_ADMIN) == before
    assert _server_processes() == []


def test_mariadb_3_0_1_reports_the_injected_difference(mysql_run) -> None:
    report, uri, before = mysql_run
    assert (report.old_release, report.dialect) == ("3.0.1", "mysql")
    _check_injected_only(report)
    assert _revision(uri) == "bda7b8c39065"
    assert _scratch_databases(MYSQL_ADMIN) == before
    assert _server_processes() == []


def test_a_server_that_does_not_start_in_time_is_stopped_and_the_copy_removed(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("2.16.2", tmp_path)
    before = set(Path(os.environ.get("TMPDIR", "/tmp")).glob("mlflow-upgrade-diffcheck-*"))
    with pytest.raises(errors.OperationFailed, match="did not answer /health within 1 s"):
        diffcheck(uri, timeout=1)
    assert _server_processes() == []
    assert set(Path(os.environ.get("TMPDIR", "/tmp")).glob("mlflow-upgrade-diffcheck-*")) <= before


def test_cli_refuses_a_file_store_and_a_zero_sample(tmp_path: Path) -> None:
    assert run_cli("diffcheck", str(tmp_path), "--json").returncode == errors.ExitCode.USAGE
    result = run_cli("diffcheck", "sqlite:///nowhere.db", "--sample", "0")
    assert result.returncode == errors.ExitCode.USAGE
    assert "--sample" in result.output


def test_sigterm_stops_the_server_and_removes_the_copy(tmp_path: Path) -> None:
    """Interrupted while the old release's server is up: exit 130, no server left, work folder gone."""
    uri = copy_sqlite_fixture("2.16.2", tmp_path)
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "mlflow_upgrade", "diffcheck", uri, "--json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        servers: list[str] = []
        deadline = time.monotonic() + 600
        while not servers and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            servers = _server_processes(parent=proc.pid)
        assert servers, proc.stderr.read() if proc.poll() is not None else "no server started in time"
        work = re.search(r"--default-artifact-root (\S+)/old-artifacts", servers[0]).group(1)
        assert Path(work).is_dir()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == errors.ExitCode.INTERRUPTED, err
    assert "servers are stopped and its copy removed" in err
    assert _server_processes(work=work) == []
    assert not Path(work).exists()


def test_keep_keeps_the_work_folder_and_the_servers_log(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("2.16.2", tmp_path)
    with pytest.raises(errors.OperationFailed) as failed:
        diffcheck(uri, timeout=1, keep=True)
    log = Path(re.search(r"its log: (\S+)", str(failed.value)).group(1))
    try:
        assert log.name == "old-server.log" and log.exists()
        assert (log.parent / "copy.db").exists() and (log.parent / "backup").is_dir()
    finally:
        shutil.rmtree(log.parent)
    assert _server_processes() == []
