"""The verdicts on models logged and registered by real old releases match what the installed MLflow does when it
loads them (``mlflow.pyfunc.load_model`` in a fresh interpreter, every warning recorded)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import sqlalchemy as sa

from mlflow_upgrade import api
from mlflow_upgrade.compat.models import Status
from mlflow_upgrade.store.schema import read_revision
from mlflow_upgrade.store.uri import sqlite_readonly_engine
from tests.support import fixture_stores, model_fixtures

# Loads each model directory given on the command line; prints one JSON line per model: loaded or the error,
# and every warning raised meanwhile (MLflow's logged warnings and Python warnings).
LOADER = r"""
import json, logging, sys, warnings
import mlflow.pyfunc

class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []
    def emit(self, record):
        self.records.append(record.getMessage().splitlines()[0])

for location in sys.argv[1:]:
    handler = Collect()
    logging.getLogger("mlflow").addHandler(handler)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            mlflow.pyfunc.load_model(location)
            error = None
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
    logging.getLogger("mlflow").removeHandler(handler)
    found = handler.records + [f"{w.category.__name__}: {w.message}" for w in caught]
    print(json.dumps({"location": location, "error": error, "warnings": found}))
"""


def load_with_target(locations: list[str], env: dict[str, str] | None = None) -> dict[str, dict]:
    proc = subprocess.run([sys.executable, "-c", LOADER, *locations], capture_output=True, text=True, timeout=600,
                          env={"MLFLOW_DISABLE_TELEMETRY": "true", "PATH": "/usr/bin:/bin", **(env or {})})
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return {r["location"]: r for r in results}


@pytest.fixture(scope="module", params=model_fixtures.RELEASES)
def release_inventory(request):
    release = request.param
    if not model_fixtures.committed(release).is_dir():
        pytest.fail(f"tests/fixtures/{release}/models is missing: python scripts/make_fixtures.py --models")
    store = model_fixtures.place(release)
    return release, api.models(f"sqlite:///{store / 'mlflow.db'}")


def test_every_logged_and_registered_model_is_listed(release_inventory) -> None:
    release, inventory = release_inventory
    logged = model_fixtures.manifest(release)["logged"]
    versions = {row.name for row in inventory.rows if row.kind == "version"}
    runs = {row.run_id for row in inventory.rows if row.kind == "run"}
    assert versions == set(logged)
    assert runs == {entry["run_id"] for entry in logged.values()}
    assert all(row.logged_by == release for row in inventory.rows)
    assert all(row.mlflow_version == release for row in inventory.rows)


def assert_verdicts_match_loading(rows, env: dict[str, str] | None = None) -> None:
    """Each row's verdict against what `mlflow.pyfunc.load_model` of its location did."""
    outcome = load_with_target([row.location for row in rows], env)
    for row in rows:
        happened = outcome[row.location]
        what = f"{row.label}: verdict {row.status.value} {row.reasons}, load {happened}"
        if row.status is Status.FAILS:
            assert happened["error"], what
        elif row.status is Status.WARNINGS:
            assert happened["error"] is None and happened["warnings"], what
        else:
            assert row.status is Status.LOADS, what
            assert happened["error"] is None and not happened["warnings"], what


def test_verdict_matches_what_loading_does(release_inventory) -> None:
    _release, inventory = release_inventory
    assert_verdicts_match_loading([row for row in inventory.rows if row.kind == "version"])


def test_expected_verdicts(release_inventory) -> None:
    """What each fixture model is: the removed flavor never loads, through python_function or not."""
    release, inventory = release_inventory
    by_name = {row.name: row for row in inventory.rows if row.kind == "version"}
    diviner = by_name["diviner-model"]
    assert diviner.status is Status.FAILS
    assert "mlflow.diviner" in diviner.reasons[0] and "3.6.0" in diviner.reasons[0]
    assert {"diviner", "python_function"} <= set(diviner.flavors)
    sklearn = by_name["sklearn-model"]
    assert sklearn.status is Status.WARNINGS
    assert any(r.startswith("scikit-learn") for r in sklearn.requirements) or any(
        "scikit-learn" in r for r in sklearn.requirements)
    pyfunc = by_name["pyfunc-model"]
    if release == "1.30.1":  # Python 3.10 pickle of a __main__ class, target Python 3.11
        assert pyfunc.status is Status.FAILS and "pickled with its code" in pyfunc.reasons[0]
    else:
        assert pyfunc.status is not Status.FAILS
    assert inventory.exit_code == 12


@pytest.fixture(params=["pg_uri", "mysql_uri"])
def server_db(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(request.param)


def test_same_inventory_on_postgresql_and_mariadb(server_db: str) -> None:
    """The 2.22.5 model store's rows copied into PostgreSQL / MariaDB at the same revision: the same rows and
    verdicts as from SQLite (the walk's SQL is the same on every dialect)."""
    store = model_fixtures.place("2.22.5")
    readonly = sqlite_readonly_engine(store / "mlflow.db")
    revision = read_revision(readonly)
    readonly.dispose()
    engine = sa.create_engine(server_db, poolclass=sa.pool.NullPool)
    try:
        fixture_stores._migrate_tracking(engine, revision)
        fixture_stores._copy_rows(store / "mlflow.db", engine)
    finally:
        engine.dispose()

    def rows(uri: str) -> list[tuple]:
        return sorted((r.kind, r.name, r.run_id, r.status.value, r.location) for r in api.models(uri).rows)

    assert rows(server_db) == rows(f"sqlite:///{store / 'mlflow.db'}")
