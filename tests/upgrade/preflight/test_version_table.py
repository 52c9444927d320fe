"""``version_table``: another application's revision in alembic_version is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.upgrade import preflight as pf
from mlflow_upgrade.upgrade.preflight import preflight
from tests.support.fixture_stores import copy_sqlite_fixture
from tests.upgrade.preflight.support import execute as _exec


def test_optuna_in_alembic_version_is_refused(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    _exec(uri, "UPDATE alembic_version SET version_num = 'v3.2.0.a'",
          "CREATE TABLE studies (study_id INTEGER PRIMARY KEY)", "CREATE TABLE trials (trial_id INTEGER PRIMARY KEY)",
          "CREATE TABLE version_info (version_info_id INTEGER PRIMARY KEY)")
    report = preflight(uri)
    check = report.check("version_table")
    assert check.status == pf.FAIL and "optuna" in check.message and "own database" in check.message
    with pytest.raises(errors.PreflightFailed, match="version_table"):
        report.raise_for_failures()
