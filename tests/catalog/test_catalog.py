"""The schema catalog agrees with the installed MLflow and with what the scripts were read to do.

Offline: reads the packaged revisions.json and the installed MLflow's scripts; no downloads.
"""

from __future__ import annotations

import itertools
import json
from importlib import resources
from pathlib import Path

import mlflow
import pytest
from packaging.version import Version

from mlflow_upgrade import catalog
from mlflow_upgrade.catalog import installed
from mlflow_upgrade.catalog.analyze import analyze_source
from mlflow_upgrade.errors import StoreTooNew

# Heads measured on real stores made by these releases (docs FACTS.md).
FACTS_HEADS = {
    "1.30.1": "97727af70f4d",
    "2.9.2": "acf3f17fdcc7",
    "2.16.2": "4465047574b1",
    "3.0.1": "bda7b8c39065",
    "3.17.2": "dc11669786a5",
    "3.18.0": "f4a9b2c7d1e6",
}


@pytest.fixture(scope="module")
def cat() -> catalog.Catalog:
    return catalog.load_catalog()


@pytest.fixture(scope="module")
def scripts():
    """Alembic's own view of the installed script directories: the reference for our AST-read chain
    (ScriptDirectory imports every migration and MLflow with it, so the runtime never uses it)."""
    from alembic.script import ScriptDirectory

    return {db: ScriptDirectory(str(catalog.installed_script_dir(db))) for db in catalog.DBS}


@pytest.mark.parametrize("db", catalog.DBS)
def test_installed_chain_read_without_imports_matches_alembic(scripts, db):
    walked = [s.revision for s in scripts[db].walk_revisions(base="base", head="heads")]
    assert catalog.installed_revisions(db) == list(reversed(walked))
    assert catalog.installed_head(db) == scripts[db].get_current_head()


def _parent(down_revision):
    return tuple(down_revision) if isinstance(down_revision, list | tuple) else down_revision


@pytest.mark.parametrize("db", catalog.DBS)
def test_every_installed_revision_is_catalogued_with_its_parent(cat, scripts, db):
    installed = catalog.installed_revisions(db)
    assert installed, f"installed MLflow ships no {db} revisions"
    for rev in installed:
        facts = cat.revision(db, rev)
        assert facts is not None, f"{db} revision {rev} missing from revisions.json: rebuild it"
        assert facts.parent == _parent(scripts[db].get_revision(rev).down_revision)


def test_installed_heads_match_the_installed_release(cat):
    release = cat.release(mlflow.__version__)
    assert release is not None, f"MLflow {mlflow.__version__} is not in the catalog: rebuild it"
    assert catalog.installed_head("tracking") == release["tracking_head"]
    assert catalog.installed_head("auth") == release["auth_head"]
    assert catalog.installed_revisions("tracking")[-1] == catalog.installed_head("tracking")


def test_installed_dir_is_the_one_mlflow_itself_uses():
    from mlflow.store.db.utils import _get_alembic_config

    location = _get_alembic_config("sqlite://").get_main_option("script_location")
    assert Path(location).resolve() == catalog.installed_script_dir("tracking").resolve()


@pytest.mark.parametrize(("version", "head"), sorted(FACTS_HEADS.items()))
def test_release_heads_measured_on_real_stores(cat, version, head):
    assert cat.head_of_release("tracking", version) == head
    assert version in cat.releases_with_head("tracking", head)


def test_auth_facts(cat):
    for version in ("2.5.0", "2.16.2", "3.0.1"):
        assert cat.head_of_release("auth", version) == "8606fa83a998"
        assert cat.version_table("auth", version) == "alembic_version"
    assert cat.version_table("auth", "3.17.2") == "alembic_version_auth"
    assert cat.head_of_release("auth", "2.4.2") is None
    assert cat.version_table("tracking", "3.17.2") == "alembic_version"


def test_coverage(cat):
    """Every release from 1.0.0 to the newest read, the installed one among them; a release is skipped only
    when PyPI has no wheel to read (3.18.0 was once skipped for a package missing from one index)."""
    assert cat.releases[0] == "1.0.0"
    assert mlflow.__version__ in cat.releases
    assert "3.18.0" in cat.releases and "3.18.0" not in cat.skipped
    assert all("wheel" in reason for reason in cat.skipped.values())
    assert len(cat.releases) > 140
    # MLflow 1.0.0 kept its scripts in mlflow/alembic; its head is the user-tags migration.
    assert cat.head_of_release("tracking", "1.0.0") == "90e64c465722"


def test_ranges_are_sorted_by_version_and_show_gaps(cat):
    heads = cat.releases_with_head("tracking", "acf3f17fdcc7")
    assert heads == sorted(heads, key=lambda v: tuple(int(p) for p in v.split(".")))
    assert "2.9.0" in heads and "2.10.0" in heads  # 2.10 sorts after 2.9, not before
    assert cat.release_range("tracking", "acf3f17fdcc7").startswith("2.8.0–")
    # 3.1.0 shipped without 3.0.1's patch migration: a 3.0.1 store cannot be opened by 3.1.0.
    assert "3.1.0" not in cat.releases_shipping("tracking", "bda7b8c39065")
    assert cat.release_range("tracking", "bda7b8c39065") == "3.0.1, 3.1.1–3.1.4"
    assert cat.release_range("tracking", "no-such-rev") is None


def test_pending_from_1_30_1_runs_the_chain_to_the_installed_head():
    pending = catalog.pending_revisions("tracking", FACTS_HEADS["1.30.1"])
    assert pending[0].parent == FACTS_HEADS["1.30.1"]
    assert pending[-1].revision == catalog.installed_head("tracking")
    for before, after in itertools.pairwise(pending):
        assert before.revision in after.parents
    assert FACTS_HEADS["1.30.1"] not in {f.revision for f in pending}


def test_pending_from_empty_schema_and_from_head():
    everything = catalog.pending_revisions("tracking", None)
    assert everything[0].parent is None
    assert [f.revision for f in everything] == catalog.installed_revisions("tracking")
    assert catalog.pending_revisions("tracking", catalog.installed_head("tracking")) == []
    assert catalog.pending_revisions("auth", None)[0].revision == "8606fa83a998"


def test_unknown_revision_is_newer_than_installed():
    assert catalog.newer_than_installed("tracking", "ffffffffffff")
    assert not catalog.is_known("tracking", "ffffffffffff")
    assert not catalog.newer_than_installed("tracking", FACTS_HEADS["2.9.2"])
    with pytest.raises(StoreTooNew, match="ffffffffffff"):
        catalog.pending_revisions("tracking", "ffffffffffff")
    with pytest.raises(ValueError):
        catalog.load_catalog().revision("registry", "x")


# Classifications checked by reading the scripts (3.17.2).
KNOWN = {
    # add_column step NOT NULL with server default, then drop and recreate the metrics primary key
    "451aebb31d03": ("rewrite", False, "primary key"),
    # reads runs through an ORM session and writes mlflow.user tags
    "90e64c465722": ("data", False, "changes rows"),
    # creates latest_metrics and fills it from metrics
    "89d4b8295536": ("data", False, "changes rows"),
    # nullable runs.deleted_time
    "0c779009ac13": ("additive", True, "only adds"),
    # widens params.value String(500) -> String(8000)
    "2d6e25af4d3e": ("rewrite", True, "alter_column"),
    # renames jobs.function_fullname -> job_name
    "5d2d30f0abce": ("rewrite", False, "renames column jobs.function_fullname"),
    # drops spans columns and deletes moved rows
    "75868b020152": ("destructive", False, "drops column spans."),
    # new tables plus triggers on the new secrets table only
    "1bd49d398cd23": ("additive", True, "only adds"),
    # replaces the spans experiment index (drop + create)
    "c1d2e3f4a5b6": ("additive", True, "replaces indexes"),
    # recreates trace_tags / trace_request_metadata foreign keys with ON DELETE CASCADE (loop over tables)
    "5b0e9adcef9c": ("rewrite", True, "create_foreign_key"),
    # cancels non-terminal jobs with an UPDATE after adding executor tables and columns
    "dc11669786a5": ("data", False, "changes rows"),
}


@pytest.mark.parametrize(("rev", "expected"), sorted(KNOWN.items()))
def test_known_classifications(cat, rev, expected):
    classification, rolling, note = expected
    facts = cat.revision("tracking", rev)
    assert (facts.classification, facts.rolling_safe) == (classification, rolling)
    assert note in facts.rolling_note


def test_dialect_conditions_become_dialect_lists(cat):
    ops = cat.revision("tracking", "1bd49d398cd23").ops
    triggers = [op["dialects"] for op in ops if op["op"] == "execute"]
    assert triggers == [["sqlite"], ["postgresql"], ["postgresql"], ["mysql"], ["mssql"]]
    # `if dialect == "sqlite": batch ... else: op...` -> the else branch runs everywhere but SQLite
    ops = cat.revision("tracking", "c1d2e3f4a5b6").ops
    assert {tuple(op["dialects"]) for op in ops} == {("sqlite",), ("mssql", "mysql", "postgresql")}
    assert "dialects" not in cat.revision("tracking", "0c779009ac13").ops[0]


def test_tables_created(cat):
    assert "secrets" in cat.revision("tracking", "1bd49d398cd23").tables_created
    assert cat.revision("tracking", "0c779009ac13").tables_created == ()


def test_data_migration_flags(cat):
    assert cat.revision("tracking", "90e64c465722").data_migration
    assert not cat.revision("tracking", "0c779009ac13").data_migration
    assert cat.revision("auth", "e5f6a7b8c9d0").classification == "data"
    assert cat.revision("auth", "8606fa83a998").classification == "additive"
    assert cat.revision("tracking", "451aebb31d03").sqlite_recreates == ("metrics",)
    assert cat.revision("tracking", "5b0e9adcef9c").sqlite_recreates == (
        "trace_request_metadata",
        "trace_tags",
    )
    created = [
        op["table"] for op in cat.revision("tracking", "867495a8f9d4").ops if op["op"] == "create_table"
    ]
    assert created == ["trace_info", "trace_tags", "trace_request_metadata"]  # SqlX.__tablename__ resolved


@pytest.mark.parametrize("db", catalog.DBS)
def test_analysis_is_deterministic_and_matches_the_catalog(cat, scripts, db):
    """Analysing an installed script twice gives equal facts, equal to the catalogued ones."""
    for rev in catalog.installed_revisions(db):
        path = Path(scripts[db].get_revision(rev).path)
        tablenames = installed.tablenames()
        first = analyze_source(path.read_text(), path.name, tablenames)
        assert first == analyze_source(path.read_text(), path.name, tablenames)
        stored = cat.data[db]["revisions"][rev]
        for key in ("ops", "classification", "kinds", "rolling_safe", "rolling_note", "data_migration"):
            assert first[key] == stored[key], f"{db} {rev} {key}: rebuild revisions.json"


def test_installed_facts_fallback_equals_catalog(cat):
    rev = "5d2d30f0abce"
    fresh, stored = catalog._installed_facts("tracking", rev), cat.revision("tracking", rev)
    assert fresh.source == "installed" and fresh.introduced_in is None
    assert (fresh.ops, fresh.classification, fresh.parent) == (
        stored.ops,
        stored.classification,
        stored.parent,
    )


def test_json_is_canonical():
    """Sorted keys, one layout: a rebuild over the same wheels yields the same bytes."""
    text = resources.files("mlflow_upgrade.catalog").joinpath("revisions.json").read_text()
    data = json.loads(text)
    assert text == json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    assert "time" not in json.dumps(data["generated_from"]).lower()


def test_flavor_facts_match_the_installed_mlflow(cat):
    """Flavors the catalog says the installed release ships are importable; removed ones are gone."""
    import importlib.util

    installed = mlflow.__version__
    removed = cat.flavors_removed_before(installed)
    assert {"fastai", "mleap", "gluon", "diviner", "promptflow"} <= set(removed)
    assert removed["diviner"] == "3.6.0" and removed["fastai"] == "2.22.5"
    for name, facts in cat.flavors.items():
        present = importlib.util.find_spec(f"mlflow.{name}") is not None
        assert present == (name not in removed), name
        if name not in removed:  # shipped by the installed release, and by every later one catalogued
            assert Version(facts["last"]) >= Version(installed)


def _build_script():
    """scripts/build_catalog.py as a module (it is a script, not part of the package)."""
    import importlib.util
    import sys

    path = Path(__file__).resolve().parents[2] / "scripts" / "build_catalog.py"
    spec = importlib.util.spec_from_file_location("build_catalog", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_catalog", module)
    spec.loader.exec_module(module)
    return module


def test_generated_by_the_current_generator(cat):
    """A catalog written by an older build script or analyser is stale: rebuild with --refresh."""
    build = _build_script()
    stamp = cat.data["generated_from"]
    assert stamp["script_version"] == build.SCRIPT_VERSION, "revisions.json is stale: build_catalog.py --refresh"
    assert stamp["analyzer_version"] == build.ANALYZER_VERSION, "revisions.json is stale: build_catalog.py --refresh"
    assert set(stamp["wheels"]) == set(cat.releases)


def test_refresh_reports_a_new_release(cat):
    """The maintainer's report for 3.17.2 -> 3.18.0: new revisions in chain order with their class."""
    from tests.catalog.support import catalog_without

    build = _build_script()
    full = json.loads(json.dumps(cat.data))
    lines = build.changes(catalog_without(full, "3.18.0"), full)
    assert lines[0] == "release 3.18.0: tracking head f4a9b2c7d1e6, auth head f1a2b3c4d5e6"
    new = [line.split()[3] for line in lines if line.startswith("new tracking revision")]
    assert new == ["e7d1f4b2a9c6", "8b6ad64cb8f5", "f4a9b2c7d1e6"]
    assert "additive, rolling-safe" in lines[1]
    assert "tracking revision 75868b020152: code edited in 3.18.0" in lines
    removed = build.changes(full, catalog_without(full, "3.18.0"))
    assert "release 3.18.0: no longer read" in removed
