"""runbook: the ordered steps for a stop-the-world plan (a real 3.0.1 store: its pending chain holds revisions
old servers cannot live with) and a rolling-safe one (the same store's plan cut to its rolling-safe revisions:
no real store is rolling-safe towards the installed MLflow, whose two newest revisions are not), with the optional
inputs of compat/models/diffcheck present or "not run"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlflow_upgrade import api
from mlflow_upgrade.runbook import ROLLING, STOP_THE_WORLD
from mlflow_upgrade.upgrade.plan import plan
from tests.cli_helpers import run_cli
from tests.conftest import PG_ADMIN, _server_database, _unique_name
from tests.support import model_fixtures
from tests.support.fixture_stores import copy_sqlite_fixture, load_fixture_into


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return copy_sqlite_fixture("3.0.1", tmp_path_factory.mktemp("runbook"))


def _commands(book) -> list[str]:
    return [c for step in book.steps for c in step.commands]


def test_stop_the_world_plan(store: str, tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    book = api.runbook(store, clients=[str(tmp_path / "app")])
    assert book.mode == STOP_THE_WORLD
    titles = [s.title for s in book.steps]
    assert titles == ["Check", "Upgrade clients first", "Stop every MLflow server", "Back up", "Upgrade the store",
                      "Verify", "Restart the servers on the new release"]
    stop = book.steps[2]
    assert any(item.startswith("75868b020152 (3.17.0)") for item in stop.items)
    assert book.downtime_seconds >= book.estimate_seconds > 0
    cmds = _commands(book)
    assert f"mlflow-upgrade backup {store} --out mlflow-upgrade-backups/tracking" in cmds
    assert f"mlflow-upgrade upgrade {store} --backup-dir mlflow-upgrade-backups/upgrade" in cmds
    assert f"mlflow-upgrade codemod check {tmp_path / 'app'}" in cmds
    assert [c for s in book.rollback for c in s.commands][-2:] == [
        f"mlflow-upgrade restore mlflow-upgrade-backups/tracking --to {store} --force",
        f"pip install 'mlflow=={book.current_release}'",
    ]
    assert book.current_release == "3.1.4"  # the newest release whose head the store's revision is
    text = book.to_markdown()
    assert "**Mode: stop-the-world.**" in text and "- compat: used" in text  # run on the client path (no pins there) and "- diffcheck: not run" in text


def test_rolling_safe_plan(store: str) -> None:
    the_plan = plan(store, with_sql=False)
    the_plan.revisions = [r for r in the_plan.revisions if r.rolling_safe]
    assert the_plan.revisions and the_plan.rolling_safe
    book = api.runbook(store, the_plan=the_plan)
    assert book.mode == ROLLING
    assert book.downtime_seconds == 0
    assert book.steps[2].title == "Keep the servers running"
    assert book.steps[-1].why.startswith("One at a time")
    assert not any("stop every" in n for n in book.notes)
    assert "Expected downtime: none expected" in book.to_markdown()


def test_compat_models_and_diffcheck_results_are_used(store: str) -> None:
    compat = api.compat(clients=["1.30.1", "2.9.2"], server_version="2.9.2", target="3.17.2")
    diff = {"old_release": "3.0.1", "target_release": "3.17.2", "differences": [{"call": "x"}]}
    book = api.runbook(store, compat=compat, diffcheck=diff)
    clients = book.steps[1].items
    assert any(i.startswith("mlflow ==1.30.1 (--client 1.30.1, judged as 1.30.1): BREAKING — 1.30.1 register_model")
               for i in clients), clients
    assert "mlflow ==2.9.2 (--client 2.9.2, judged as 2.9.2): SAFE — every feature's calls are served" in clients
    assert "1 difference(s)" in book.steps[0].items[0]
    assert book.sections["compat"] == "used" and book.sections["models"].startswith("not run")


def test_models_that_will_not_load_are_counted(store: str) -> None:
    inventory = api.models(f"sqlite:///{model_fixtures.place('2.22.5') / 'mlflow.db'}")
    book = api.runbook(store, models=inventory)
    # diviner, as its registered version and as the model its run logged
    assert "models: 2 model(s) will not load on the target as they are" in book.steps[0].items
    assert book.sections["models"] == "used"


def test_passwords_are_masked_in_every_command() -> None:
    for uri in _server_database(PG_ADMIN, _unique_name()):
        load_fixture_into("3.0.1", uri)
        secret_uri = uri.replace("postgres@", "postgres:s3cret-pw@")  # trust auth: any password is accepted
        book = api.runbook(secret_uri)
        text = book.to_markdown() + json.dumps(book.to_dict())
        assert "s3cret-pw" not in text
        assert "***" in text
        assert "give the password where the URI shows ***" in text


def test_cli_markdown_and_json(store: str, tmp_path: Path) -> None:
    compat = tmp_path / "compat.json"
    compat.write_text(json.dumps(api.compat(clients=["2.9.2"], server_version="2.9.2", target="3.17.2").to_dict()))
    md = run_cli("runbook", store, "--compat-json", str(compat))
    assert md.returncode == 0, md.output
    assert md.stdout.startswith(f"# Upgrade runbook: {store}")
    assert "- compat: used" in md.stdout
    js = run_cli("runbook", store, "--json")
    assert json.loads(js.stdout)["mode"] == STOP_THE_WORLD
    bad = run_cli("runbook", store, "--compat-json", str(tmp_path))
    assert bad.returncode == 2


def test_a_store_at_the_target_has_nothing_to_do(tmp_path: Path) -> None:
    book = api.runbook(copy_sqlite_fixture("3.17.2", tmp_path))
    assert book.mode == "nothing to do" and book.pending == 0
    assert [s.title for s in book.steps] == ["Nothing to migrate"] and book.rollback == []


def test_a_server_that_does_not_answer_is_listed_and_the_pin_comes_from_the_store(store: str) -> None:
    book = api.runbook(store, servers=["http://user:hunter2@127.0.0.1:9"])
    assert book.servers == ["http://user:***@127.0.0.1:9: not reachable (ConnectionFailed)"]
    assert book.current_release == "3.1.4"
    assert "hunter2" not in book.to_markdown()


def test_clients_pins_are_judged_and_models_run_from_the_cli(store: str, tmp_path: Path) -> None:
    client = tmp_path / "team-a"
    client.mkdir()
    (client / "requirements.txt").write_text("mlflow==1.30.1\n")
    res = run_cli("runbook", store, "--clients", str(client), "--models", "--json")
    assert res.returncode == 0, res.output
    book = json.loads(res.stdout)
    assert book["sections"]["compat"] == "used" and book["sections"]["models"] == "used"
    clients = book["steps"][1]["items"]
    assert any(i.startswith("mlflow ==1.30.1") and "BREAKING" in i for i in clients), clients
    assert f"mlflow-upgrade codemod check {client}" in book["steps"][1]["commands"]
