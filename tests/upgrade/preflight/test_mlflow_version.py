"""``mlflow_version``: a database newer than the installed MLflow is refused with exit 5."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.upgrade import preflight as pf
from mlflow_upgrade.upgrade.preflight import preflight
from tests.support.fixture_stores import copy_sqlite_fixture
from tests.upgrade.preflight.support import execute as _exec


def test_too_new_database_names_the_mlflow_needed(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("3.17.2", tmp_path)
    _exec(uri, "UPDATE alembic_version SET version_num = 'abcdefabcdef'")
    report = preflight(uri)
    assert report.check("mlflow_version").status == pf.FAIL
    with pytest.raises(errors.StoreTooNew):
        report.raise_for_failures()
