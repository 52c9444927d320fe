"""Which release diffcheck runs for a store, and how it installs (catalog/venvs.py, install_pins.json)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.catalog import venvs
from tests.support.fixture_stores import FIXTURE_RELEASES, manifest


def test_listed_releases_have_their_own_pins() -> None:
    spec = venvs.install_spec("2.16.2")
    assert spec.borrowed_from == "2.16.2" and spec.python == "3.10"
    assert spec.requirements[0] == "mlflow[auth]==2.16.2"
    assert "opentelemetry-sdk<1.28" in spec.requirements and "psycopg2-binary" in spec.requirements


def test_an_unlisted_release_borrows_the_nearest_older_listed_one() -> None:
    assert venvs.install_spec("2.10.0").borrowed_from == "2.9.2"
    assert venvs.install_spec("3.5.0").borrowed_from == "3.0.1"
    assert venvs.install_spec("1.20.0").borrowed_from == "1.30.1"  # none older: the oldest listed
    assert venvs.install_spec("1.20.0").requirements[0] == "mlflow==1.20.0"


@pytest.mark.parametrize("release", FIXTURE_RELEASES)
def test_each_fixture_store_is_served_by_its_own_release(release: str) -> None:
    assert venvs.release_for_revision("tracking", manifest(release)["tracking_revision"]) == release


def test_a_revision_no_release_ends_at_is_refused() -> None:
    with pytest.raises(errors.UsageError, match="no MLflow release's newest revision"):
        venvs.release_for_revision("tracking", "0123456789ab")


def test_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(venvs.VENVS_ENV, str(tmp_path / "v"))
    assert venvs.cache_dir() == tmp_path / "v"
    monkeypatch.delenv(venvs.VENVS_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert venvs.cache_dir() == tmp_path / "mlflow-upgrade" / "venvs"
