"""``half_applied``: the next revision's objects already present (a failed MariaDB run) are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.upgrade import preflight as pf
from mlflow_upgrade.upgrade.preflight import preflight
from mlflow_upgrade.upgrade.runner import upgrade
from tests.support.fixture_stores import load_fixture_into
from tests.upgrade.preflight.support import execute as _exec


def test_half_applied_revision_on_mysql(mysql_uri: str, tmp_path: Path) -> None:
    load_fixture_into("3.0.1", mysql_uri)
    # What a failed run of cbc13b556ace ... a1b2c3d4e5f6 leaves on MariaDB: the first revision's column exists.
    _exec(mysql_uri, "ALTER TABLE trace_info ADD COLUMN client_request_id VARCHAR(50)")
    report = preflight(mysql_uri)
    check = report.check("half_applied")
    assert check.status == pf.FAIL and "trace_info.client_request_id" in check.message
    assert report.half_applied["revision"] == "cbc13b556ace"
    with pytest.raises(errors.PreflightFailed, match="half applied"):
        upgrade(mysql_uri, backup_dir=tmp_path / "bk")
