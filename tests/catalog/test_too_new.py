"""A database written by a newer MLflow than the installed one: every verb says the same line, naming the
release that wrote it (the catalog knows it) and the exact command that fixes it, and changes nothing."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from mlflow_upgrade import catalog
from tests.cli_helpers import run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _newer_revision() -> tuple[str, str]:
    """(revision, first release shipping it): the newest catalogued head the installed MLflow lacks."""
    cat = catalog.load_catalog()
    for version in reversed(cat.releases):
        head = cat.head_of_release("tracking", version)
        if head and catalog.newer_than_installed("tracking", head):
            return head, cat.releases_shipping("tracking", head)[0]
    pytest.skip("the catalog knows no release newer than the installed MLflow")


def _one_line(text: str) -> str:
    return " ".join(text.split())  # the terminal wraps long lines


@pytest.fixture
def too_new_db(tmp_path: Path) -> tuple[Path, str, str]:
    revision, release = _newer_revision()
    db = tmp_path / "mlflow.db"
    shutil.copy(FIXTURES / "3.17.2" / "mlflow.db", db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    return db, revision, release


def _expected(uri: str, revision: str, release: str) -> str:
    installed = catalog.installed_version()
    return (
        f"mlflow-upgrade: error: {uri}: the tracking schema is at revision {revision}, written by MLflow "
        f"{release} or later, newer than the installed MLflow {installed}: run `pip install 'mlflow>={release}'` "
        "first (mlflow-upgrade never downgrades)"
    )


VERBS = {
    "inspect": lambda uri, tmp: ["inspect", uri],
    "plan": lambda uri, tmp: ["plan", uri],
    "upgrade": lambda uri, tmp: ["upgrade", uri, "--backup-dir", str(tmp / "backups")],
    "verify": lambda uri, tmp: ["verify", uri],
    "migrate-filestore": lambda uri, tmp: ["migrate-filestore", str(FIXTURES / "3.17.2" / "mlruns"), uri],
}


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_every_verb_says_the_same_line(verb, too_new_db, tmp_path):
    db, revision, release = too_new_db
    uri = f"sqlite:///{db}"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    result = run_cli(*VERBS[verb](uri, tmp_path))
    assert result.returncode == 5, result.output
    assert _expected(uri, revision, release) in _one_line(result.stderr), result.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before  # nothing changed


def test_revision_no_catalogued_release_ships(tmp_path):
    text = catalog.too_new_message("tracking", "0123456789ab")
    assert "newer than the installed" in text and "`pip install -U mlflow mlflow-upgrade`" in text
    assert f"catalog (newest: {catalog.load_catalog().newest_catalogued})" in text
