"""The installed MLflow newer than the catalog: every answer derived from its own files equals the catalog's.

Simulated offline two ways: MLflow 3.18.0's unpacked wheels as the installed MLflow with a catalog built as
if before 3.18.0 (the facts derived at run time must equal the facts the build derived from the same wheels),
and the installed 3.17.2 with a catalog that stops before it.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from mlflow_upgrade import catalog
from mlflow_upgrade.catalog import installed
from tests.catalog.support import NEXT_VERSION, catalog_without, next_mlflow, write_catalog
from tests.cli_helpers import run_cli

FIXTURE_317 = Path(__file__).resolve().parents[1] / "fixtures" / "3.17.2"
COMPARED = ("parent", "message", "classification", "kinds", "rolling_safe", "rolling_note", "ops",
            "data_migration", "sqlite_recreates", "introduced_in", "shipped_first", "shipped_last", "head_of")


@pytest.fixture
def full() -> dict:
    return json.loads(json.dumps(catalog.packaged_data()))


@pytest.fixture
def next_installed(monkeypatch):
    """The catalog's reader of the installed MLflow pointed at 3.18.0's unpacked wheels."""
    root = next_mlflow()
    monkeypatch.setattr(installed, "package_dir", lambda: root / "mlflow")
    catalog.reset()
    yield root
    catalog.reset()


def _same_facts(got: catalog.Catalog, want: catalog.Catalog, db: str, rev: str) -> None:
    left, right = got.revision(db, rev), want.revision(db, rev)
    assert right is not None, rev
    assert {k: getattr(left, k) for k in COMPARED} == {k: getattr(right, k) for k in COMPARED}, rev


def test_catalog_without_reproduces_the_catalog_of_the_previous_build(full):
    """The simulation is faithful: 3.18.0 removed, every 3.17.2 fact is as the build wrote it before."""
    old = catalog_without(full, NEXT_VERSION)
    assert max(old["releases"], key=catalog.fallback.release_key) == "3.17.2"
    assert old["tracking"]["revisions"]["dc11669786a5"]["shipped_in"]["last"] == "3.17.2"
    assert old["tracking"]["revisions"]["dc11669786a5"]["head_of"] == ["3.17.0", "3.17.1", "3.17.2"]
    assert "f4a9b2c7d1e6" not in old["tracking"]["revisions"]
    assert old["flavors"]["sklearn"]["last"] == "3.17.2"


def test_newer_installed_mlflow_gets_the_catalogued_answers(full, next_installed, caplog):
    """3.18.0 installed, catalog before it: the derived facts equal what the build derived from the wheels."""
    want = catalog.Catalog(full)
    with caplog.at_level(logging.WARNING, logger="mlflow_upgrade.catalog"):
        got = catalog.catalog_for(catalog_without(full, NEXT_VERSION), installed.installed_version())
    assert got.derived_release == NEXT_VERSION
    assert got.derived == {"tracking": ["e7d1f4b2a9c6", "8b6ad64cb8f5", "f4a9b2c7d1e6"], "auth": []}
    notes = [r.getMessage() for r in caplog.records]
    assert len(notes) == 1 and "MLflow 3.18.0 is not in mlflow-upgrade's catalog (newest: 3.17.2)" in notes[0]
    for db in catalog.DBS:
        for rev in installed.order(db):
            _same_facts(got, want, db, rev)
            assert got.releases_shipping(db, rev) == want.releases_shipping(db, rev)
            assert got.release_range(db, rev) == want.release_range(db, rev)
    assert got.release_range("tracking", "f4a9b2c7d1e6") == "3.18.0"
    assert got.release_range("tracking", "dc11669786a5") == "3.17.0–3.17.2"  # no "stopped part way"
    for key in ("tracking_head", "auth_head", "tracking_version_table", "auth_version_table"):
        assert got.release(NEXT_VERSION)[key] == want.release(NEXT_VERSION)[key]


def test_removed_flavors_are_the_ones_the_installed_mlflow_lacks(full, next_installed):
    got = catalog.catalog_for(catalog_without(full, NEXT_VERSION), NEXT_VERSION)
    removed = got.flavors_removed_before(NEXT_VERSION)
    assert removed == catalog.Catalog(full).flavors_removed_before(NEXT_VERSION)
    assert "sklearn" not in removed and "catboost" not in removed  # the false reports
    assert {"fastai", "mleap", "diviner"} <= set(removed)


def test_catalog_before_the_installed_release_names_it(full):
    """3.17.2 installed, catalog stopping at 3.17.1: the installed release is named, its heads are ranges."""
    old = catalog_without(catalog_without(full, NEXT_VERSION), "3.17.2")
    got = catalog.catalog_for(old, "3.17.2")
    want = catalog.Catalog(full)
    assert got.derived_release == "3.17.2" and got.derived == {"tracking": [], "auth": []}
    assert got.release_range("tracking", "dc11669786a5") == "3.17.0–3.17.2"
    assert got.flavors_removed_before("3.17.2") == want.flavors_removed_before("3.17.2")


def test_catalog_covering_the_installed_release_is_used_as_is():
    got = catalog.catalog_for(catalog.packaged_data(), installed.installed_version())
    assert got.derived_release is None and got.data is catalog.packaged_data()


# -- the verbs, as a user runs them with 3.18.0 installed over a catalog that stops at 3.17.2 -----------------
@pytest.fixture
def next_env(full, tmp_path) -> dict[str, str]:
    root = next_mlflow()
    old = write_catalog(catalog_without(full, NEXT_VERSION), tmp_path / "revisions.json")
    return {"PYTHONPATH": str(root), catalog.CATALOG_ENV: str(old)}


def _note_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "is not in mlflow-upgrade's catalog" in line]


def test_plan_with_newer_installed_mlflow(full, next_env, tmp_path):
    db = tmp_path / "mlflow.db"
    shutil.copy(FIXTURE_317 / "mlflow.db", db)
    result = run_cli("plan", f"sqlite:///{db}", "--json", env=next_env)
    assert result.returncode == 0, result.stderr
    assert len(_note_lines(result.stderr)) == 1
    plan = json.loads(result.stdout)
    want = catalog.Catalog(full)
    assert plan["installed_mlflow"] == NEXT_VERSION and plan["written_by"] == "3.17.0–3.17.2"
    assert [r["revision"] for r in plan["revisions"]] == ["e7d1f4b2a9c6", "8b6ad64cb8f5", "f4a9b2c7d1e6"]
    for row in plan["revisions"]:
        facts = want.revision("tracking", row["revision"])
        assert (row["introduced_in"], row["classification"], row["rolling_safe"], row["data_migration"]) == (
            facts.introduced_in, facts.classification, facts.rolling_safe, facts.data_migration)
        assert row["sql"], row["revision"]  # offline or rehearsed SQL, as for catalogued revisions
    assert plan["rolling_safe"] is False
    assert any("2 revision(s) change what old servers read or write (8b6ad64cb8f5, f4a9b2c7d1e6)" in n
               for n in plan["notes"])


def test_inspect_and_codemod_with_newer_installed_mlflow(next_env, tmp_path):
    db = tmp_path / "mlflow.db"
    shutil.copy(FIXTURE_317 / "mlflow.db", db)
    result = run_cli("inspect", f"sqlite:///{db}", "--json", env=next_env)
    assert result.returncode == 0, result.stderr
    assert len(_note_lines(result.stderr)) == 1
    report = json.loads(result.stdout)
    tracking = report.get("tracking", report)
    assert tracking["written_by"] == "3.17.0–3.17.2"
    assert [p["introduced_in"] for p in tracking["pending"]] == [NEXT_VERSION] * 3
    assert not any("stopped part way" in n for n in tracking["notes"])

    code = tmp_path / "train.py"
    code.write_text("import mlflow.sklearn\nimport mlflow.catboost\nimport mlflow.fastai\n")
    result = run_cli("codemod", "check", str(code), env=next_env)
    assert "mlflow.fastai" in result.stdout
    assert "mlflow.sklearn" not in result.stdout and "mlflow.catboost" not in result.stdout


def test_note_names_an_unreleased_build():
    note = catalog.fallback.note("3.19.0.dev0", "3.18.0", {"tracking": ["abc"], "auth": []})
    assert note.startswith("the installed MLflow 3.19.0.dev0 (not yet released) is not in mlflow-upgrade's catalog")
    assert "its 1 tracking revision(s) the catalog lacks were analysed" in note
    assert "(not yet released)" not in catalog.fallback.note("3.18.0", "3.17.2", {"tracking": [], "auth": []})
