"""`mlflow-upgrade models` on every kind of store and on bad input: one line, the documented exit code,
nothing written."""

from __future__ import annotations

import http.server
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlflow_upgrade import api
from mlflow_upgrade.compat.models import Status
from mlflow_upgrade.compat.models.mlmodel import describe, parse_mlmodel, pickles_code_by_value
from mlflow_upgrade.compat.models.verdict import logged_by
from tests.cli_helpers import run_cli
from tests.support import fixture_stores, model_fixtures
from tests.support.mlflow_server import free_port


def _tree(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")}


def test_missing_artifacts_are_rows_not_the_end(tmp_path: Path) -> None:
    """The 3.17.2 fixture's artifacts were never committed: every model is an unreadable row (exit 1)."""
    uri = fixture_stores.copy_sqlite_fixture("3.17.2", tmp_path)
    before = _tree(tmp_path)
    result = run_cli("models", uri, "--json")
    assert result.returncode == 1, result.output
    data = json.loads(result.stdout)
    assert data["counts"]["unreadable"] == len(data["models"]) > 0
    assert all(m["reasons"] == ["the model directory does not exist"] for m in data["models"])
    kinds = {m["kind"] for m in data["models"]}
    assert kinds == {"version", "logged"}  # 3.x logs no run-artifact models; the prompt is not a model
    logged = [m for m in data["models"] if m["kind"] == "logged"]
    assert all(m["runs_uri"] and m["runs_uri"].startswith(f"runs:/{m['run_id']}/") for m in logged)
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("release", ["2.9.2", "3.17.2"])
def test_file_store(release: str, tmp_path: Path) -> None:
    root = fixture_stores.copy_filestore_fixture(release, tmp_path)
    before = _tree(root)
    inventory = api.models(str(root))
    manifest = fixture_stores.manifest(release)
    versions = [r for r in inventory.rows if r.kind == "version"]
    # the prompt (3.x) is a registered model with a prompt tag, not a model
    prompts = 1 if release == "3.17.2" else 0
    assert len(versions) == manifest["file_store_counts"]["model_versions"] - prompts
    assert all(r.status is Status.UNREADABLE for r in inventory.rows)
    assert _tree(root) == before


@pytest.fixture(params=[404, 401])
def fake_server(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """An HTTP server on loopback that answers /health and then 404 (not MLflow) or 401 (a proxy refusing the
    credentials) to every API call."""
    status = request.param

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"OK" if self.path == "/health" else b"<html>no</html>"
            self.send_response(200 if self.path == "/health" else status)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", status
    finally:
        server.shutdown()
        server.server_close()


def test_bad_input(tmp_path: Path, fake_server: tuple[str, int]) -> None:
    url, status = fake_server
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    cases = {
        "sqlite:///" + str(tmp_path / "missing.db"): (3, "does not exist"),
        str(tmp_path / "no-such-mlruns"): (3, "does not exist"),
        "sqlite:///" + str(other): (4, "not an MLflow tracking database"),
        f"http://127.0.0.1:{free_port()}": (6, "cannot reach"),
        url: (4, "not an MLflow tracking server") if status == 404 else (6, "refused the credentials"),
        url.replace("http://", "http://alice:secret-pw@"): (4, "not an MLflow tracking server") if status == 404
        else (6, "refused the credentials"),
        "postgresql://nobody:secret-pw@127.0.0.1:5432/test": (6, "role \"nobody\" does not exist"),
    }
    before = _tree(tmp_path)
    for uri, (code, text) in cases.items():
        result = run_cli("models", uri)
        assert result.returncode == code, (uri, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and text in lines[0], (uri, result.stderr)
        assert "secret-pw" not in result.output
        assert result.stdout == ""
    assert _tree(tmp_path) == before


def test_custom_pickle_by_value_is_seen_without_unpickling() -> None:
    store = model_fixtures.committed("1.30.1") / "artifacts"
    pickles = list(store.rglob("python_model.pkl"))
    assert len(pickles) == 1 and pickles_code_by_value(pickles[0].read_bytes())
    assert not pickles_code_by_value(next(store.rglob("model.pkl")).read_bytes())  # sklearn: by reference
    assert not pickles_code_by_value(b"not a pickle")


def test_logged_by_from_utc_time_created() -> None:
    """An MLmodel older than the mlflow_version field: dated by utc_time_created against PyPI's release dates;
    the flavors' first releases (the catalog's flavor table) bound it from below."""
    mlmodel = parse_mlmodel("flavors:\n  sklearn: {}\n  python_function: {loader_module: mlflow.sklearn}\n"
                            "utc_time_created: '2021-09-01 12:00:00.000000'\n")
    assert logged_by(describe(mlmodel, {})) == "1.0.0–1.20.1 (no mlflow_version; published by its utc_time_created)"
    assert logged_by(describe({**mlmodel, "utc_time_created": "2021-09-04 00:30:00"}, {})).startswith("1.0.0–1.20.2 ")
    assert logged_by(describe({**mlmodel, "mlflow_version": "1.30.1"}, {})) == "1.30.1"


def test_soft_deleted_versions_are_not_models(tmp_path: Path) -> None:
    """The SQL registry marks a deleted version `Deleted_Internal`; MLflow no longer lists it, nor do we."""
    store = model_fixtures.place("2.22.5")
    db = tmp_path / "mlflow.db"
    db.write_bytes((store / "mlflow.db").read_bytes())
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE model_versions SET current_stage = 'Deleted_Internal' WHERE name = 'diviner-model'")
    versions = {r.name for r in api.models(f"sqlite:///{db}").rows if r.kind == "version"}
    assert versions == {"sklearn-model", "pyfunc-model"}
