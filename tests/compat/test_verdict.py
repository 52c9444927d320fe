"""Verdict logic over the generated route table (no servers): the rules, and the measured matrix's expectations."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path

import pytest
from packaging.version import Version

from mlflow_upgrade import catalog, errors
from mlflow_upgrade.catalog import routes
from mlflow_upgrade.compat import Level, judge, known_release

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import catalog_routes


@pytest.fixture(scope="module")
def table() -> routes.RouteTable:
    return routes.load()


def test_table_is_from_the_current_generator_and_covers_the_catalog(table):
    data = json.loads(resources.files("mlflow_upgrade.catalog").joinpath("routes.json").read_text())
    assert data["generated_from"]["routes_version"] == catalog_routes.ROUTES_VERSION
    packaged = catalog.Catalog(catalog.packaged_data()).releases  # without the installed MLflow's fallback
    assert table.releases == [v for v in packaged if Version(v) >= Version("1.30.1")]


@pytest.mark.parametrize(("route", "first"), [
    ("POST /api/2.0/mlflow/logged-models", "3.0.0"),          # logged models (3.0)
    ("POST /api/2.0/mlflow/registered-models/alias", "2.3.0"),  # aliases
    ("POST /api/2.0/mlflow/runs/log-inputs", "2.4.0"),
    ("POST /api/2.0/mlflow/traces", "2.14.0"),                 # v2 traces: declared in 2.13 without handlers
    ("POST /api/3.0/mlflow/traces", "3.2.0"),                  # the /api/3.0 prefix rule of 3.2.0
    ("GET /version", "2.1.0"),
    ("GET /api/3.0/mlflow/server-info", "3.10.0"),
])
def test_routes_first_served_as_researched(table, route, first):
    assert table.first_serving(route) == first


def test_preview_routes_end_with_1x(table):
    assert table.serving_runs("POST /api/2.0/preview/mlflow/registered-models/create") == "1.30.1"
    assert "GET /api/2.0/mlflow/experiments/list" not in table.served("2.0.1")


def test_parse_runs_roundtrip(table):
    some = ["2.9.2", "2.10.0", "2.11.0", "3.0.1"]
    text = catalog_routes.runs(some, table.releases)
    assert routes.parse_runs(text, table.releases) >= set(some)


# The research's measured matrix (COMPAT-RESEARCH §2.1); the real-server test checks it again.
MATRIX = {
    ("1.30.1", "2.9.2"): (Level.BREAKING, {"register_model"}),
    ("1.30.1", "3.17.2"): (Level.BREAKING, {"register_model"}),
    ("2.9.2", "1.30.1"): (Level.CAUTION, set()),
    ("2.16.2", "1.30.1"): (Level.CAUTION, set()),
    ("2.16.2", "2.9.2"): (Level.CAUTION, set()),
    ("2.9.2", "3.17.2"): (Level.SAFE, set()),
    ("2.16.2", "3.0.1"): (Level.SAFE, set()),
    ("3.0.1", "2.9.2"): (Level.BREAKING, {"log_model", "register_model"}),
    ("3.17.2", "2.16.2"): (Level.BREAKING, {"log_model", "register_model"}),
    ("3.17.2", "1.30.1"): (Level.BREAKING, {"log_model", "register_model"}),
    ("3.17.2", "3.0.1"): (Level.CAUTION, set()),
    ("3.0.1", "3.17.2"): (Level.SAFE, set()),
}


@pytest.mark.parametrize(("client", "server"), sorted(MATRIX))
def test_matrix_verdicts(table, client, server):
    verdict = judge(client, server, table)
    level, breaking = MATRIX[(client, server)]
    assert verdict.level == level, verdict.to_dict()
    assert set(verdict.breaking) == breaking


def test_breaking_reason_names_route_and_release(table):
    verdict = judge("3.17.2", "2.9.2", table)
    log_model = next(r for r in verdict.reasons if r.feature == "log_model")
    assert "`POST /api/2.0/mlflow/logged-models`" in log_model.message and "3.0.0" in log_model.message
    register = next(r for r in verdict.reasons if r.feature == "register_model")
    assert "no version" in register.message


def test_fallback_is_caution_and_works(table):
    verdict = judge("3.17.2", "2.16.2", table)
    tracing = next(r for r in verdict.reasons if r.feature == "tracing")
    assert tracing.level == Level.CAUTION and tracing.works and "falls back" in tracing.message
    lost = next(r for r in judge("2.16.2", "2.9.2", table).reasons if r.feature == "tracing")
    assert not lost.works and "silently lost" in lost.message


def test_version_rule(table):
    assert judge("2.9.2", "2.9.2", table).level == Level.SAFE
    newer = judge("2.9.3", "2.9.2", table) if "2.9.3" in table.releases else judge("2.10.0", "2.9.2", table)
    assert any(r.feature == "version rule" for r in newer.reasons)
    older = judge("1.30.1", "3.17.2", table)
    assert any(r.feature == "version rule" and "more than one major" in r.message for r in older.reasons)


def test_release_outside_the_table_is_judged_as_the_nearest_older_one(table):
    verdict = judge("1.29.0", "3.17.2", table)
    assert verdict.judged_as == {"1.29.0": "1.30.1"}


@pytest.mark.parametrize("version", ["2.99.0", "9.9.9", "not-a-version", "2.12.99"])
def test_unknown_versions_are_refused(version):
    with pytest.raises(errors.UsageError) as info:
        known_release(version, "--client")
    assert "\n" not in str(info.value)
