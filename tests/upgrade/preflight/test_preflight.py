"""The preflight as a whole: every registered check runs, in order; stores that are not MLflow's are
refused before any check; docs/upgrade.md's table of checks is generated from the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.upgrade import preflight as pf
from mlflow_upgrade.upgrade.preflight import preflight
from tests.support.docs_blocks import check_block
from tests.support.fixture_stores import copy_sqlite_fixture
from tests.upgrade.preflight.support import execute as _exec


def test_clean_sqlite_store_passes(tmp_path: Path) -> None:
    report = preflight(copy_sqlite_fixture("1.30.1", tmp_path))
    assert report.ok, report.to_dict()
    assert {c.name for c in report.checks} == {"version_table", "mlflow_version", "connections", "privileges",
                                              "disk_space", "half_applied", "conflicts", "foreign_tables",
                                              "interrupted_run", "case_only_versions"}


def test_tracking_tables_without_revision_are_refused(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    _exec(uri, "DELETE FROM alembic_version")
    with pytest.raises(errors.NotAnMlflowStore, match="no revision"):
        preflight(uri)


def test_checks_run_in_the_declared_order_and_each_is_registered_once() -> None:
    assert [c.name for c in pf.CHECKS] == ["version_table", "foreign_tables", "mlflow_version", "connections",
                                         "privileges", "disk_space", "half_applied", "conflicts",
                                         "interrupted_run", "case_only_versions"]
    # every registered check is in RUN_ORDER (a module forgotten there would never run)
    assert {c.name for c in pf.CHECKS} == set(pf.base.REGISTERED)
    assert pf.OVERRIDES == {"connections": "--allow-connections", "foreign_tables": "--allow-foreign-tables"}
    assert {c.name: c.exit_code for c in pf.CHECKS}["mlflow_version"] == errors.ExitCode.TOO_NEW


def test_docs_table_is_generated_from_the_registry() -> None:
    check_block("docs/upgrade.md", "preflight-checks", pf.markdown_table())
