"""The HTML report in a real browser (headless Chromium): every section renders with the store's figures after
the page's script ran, the page makes no request, and a store holding markup in an experiment name and tags
shows it as text and runs nothing. The screenshot is kept in .cache/test-output/report/ (docs/report.md shows
one taken there)."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from mlflow_upgrade import api
from mlflow_upgrade.diffcheck import DiffcheckReport, Difference
from mlflow_upgrade.report.html import SECTIONS
from tests.cli_helpers import run_cli
from tests.conftest import PG_ADMIN, _server_database, _unique_name
from tests.support import model_fixtures
from tests.support.browser import open_page, screenshot
from tests.support.fixture_stores import copy_sqlite_fixture, load_fixture_into, manifest

OUTPUT = Path(os.environ.get("MLFLOW_UPGRADE_TEST_OUTPUT", Path(__file__).resolve().parents[2] / ".cache" /
                             "test-output")) / "report"
EVIL_NAME = "<script>document.title='pwned'</script>"
EVIL_TAG_KEY = "<script>document.body.setAttribute('data-pwned','key')</script>"
EVIL_TAG_VALUE = "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"


def _evil_experiment(uri: str) -> None:
    engine = sa.create_engine(uri, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
                             "creation_time, last_update_time) VALUES (77, :n, '/tmp/a', 'active', 0, 0)"),
                     {"n": EVIL_NAME})
        conn.execute(sa.text("INSERT INTO experiment_tags (key, value, experiment_id) VALUES (:k, :v, 77)"),
                     {"k": EVIL_TAG_KEY, "v": EVIL_TAG_VALUE})
    engine.dispose()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("report")
    uri = copy_sqlite_fixture("3.0.1", work)
    _evil_experiment(uri)
    code = work / "client"
    code.mkdir()
    (code / "train.py").write_text("import mlflow\nfor e in mlflow.list_experiments():\n    print(e.name)\n")
    inputs = {
        "compat": api.compat(clients=["1.30.1", "3.0.1"], server_version="2.9.2", target="3.17.2").to_dict(),
        "models": api.models(f"sqlite:///{model_fixtures.place('2.22.5') / 'mlflow.db'}").to_dict(),
        "diffcheck": DiffcheckReport("sqlite:///x.db", "sqlite", "bda7b8c39065", "3.0.1", "3.17.2",
                                     calls=[{"call": "get run a"}],
                                     differences=[Difference("get run a", "run.data.tags", "value", "1", "2")],
                                     additions=["experiments/search: experiments[].workspace"]).to_dict(),
    }
    args = []
    for verb, data in inputs.items():
        path = work / f"{verb}.json"
        path.write_text(json.dumps(data))
        args += [f"--{verb}-json", str(path)]
    out = work / "report.html"
    result = run_cli("report", uri, "-o", str(out), "--code", str(code), *args)
    assert result.returncode == 0, result.output
    return {"uri": uri, "html": out, "work": work, "page": open_page(out, work)}


def _element(dom: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>.*?</\1>', dom, re.S)
    assert match, f"#{element_id} missing"
    return match.group(0)


def test_every_section_renders_with_the_stores_figures(built: dict) -> None:
    dom = built["page"].dom
    assert '<body data-ready="1"' in dom  # the page's script ran
    assert re.search(r"\d+ sortable tables, 1 sorted on load", dom)
    for name, _ in SECTIONS:
        assert f'id="sec-{name}"' in dom
    counts = manifest("3.0.1")["table_counts"]
    rows = _element(dom, "table-rows")
    first = re.search(r"<tbody><tr><td>([^<]+)</td><td[^>]*data-value=\"(\d+)\"", rows)
    assert first and first.group(1) == max(counts, key=counts.get)  # sorted by rows, descending, by the script
    assert int(first.group(2)) == counts[first.group(1)]
    chart = _element(dom, "chart-rows")
    assert f'data-label="metrics" data-value="{counts["metrics"]}"' in chart
    plan = _element(dom, "sec-plan")
    assert "36 pending" in plan and "not rolling-safe" in plan
    assert len(re.findall(r"<rect class=\"bar\"", _element(dom, "chart-estimate"))) == 36
    assert 'data-state="ok"' in _element(dom, "sec-preflight")[:200]
    verdicts = _element(dom, "chart-verdicts")
    assert 'data-label="mlflow ==1.30.1" data-verdict="BREAKING" data-value="1"' in verdicts
    assert 'data-label="mlflow ==3.0.1" data-verdict="SAFE" data-value="1"' in verdicts
    assert "register_model" in _element(dom, "table-compat")
    models = _element(dom, "table-models")
    assert "diviner-model v1" in models and "sklearn-model v1" in models and "will not load" in models
    assert 'data-verdict="will not load" data-value="' in _element(dom, "chart-models")
    assert "MLU101" in _element(dom, "table-codemod")
    assert 'data-state="1 difference(s)"' in dom
    assert "experiments[].workspace" in _element(dom, "sec-diffcheck")
    runbook = _element(dom, "sec-runbook")
    assert "mlflow-upgrade restore" in runbook and "stop-the-world" in runbook


def test_markup_from_the_store_is_shown_as_text_and_runs_nothing(built: dict) -> None:
    dom = built["page"].dom
    assert "pwned" not in re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert "data-pwned" not in dom.split(">", 1)[0] and 'data-pwned="' not in dom
    assert dom.count("<script") == 1  # the page's own
    experiments = _element(dom, "table-experiments")
    # the browser serializes text nodes with <, >, & escaped (quotes as they are): the markup is text
    assert html.escape(EVIL_NAME, quote=False) in experiments
    assert html.escape(f"{EVIL_TAG_KEY}={EVIL_TAG_VALUE}", quote=False) in experiments
    assert "<img" not in dom


def test_no_request_leaves_the_page(built: dict) -> None:
    assert built["page"].page_requests == []
    source = built["html"].read_text()
    assert not re.search(r"""(src|href|action)\s*=\s*["']?(https?:)?//""", source)
    assert "url(" not in source
    assert "default-src 'none'" in source


def test_the_request_check_can_fail(tmp_path: Path) -> None:
    page = tmp_path / "leaky.html"
    page.write_text('<html><body><img src="http://example.invalid/x.png"></body></html>')
    assert open_page(page, tmp_path).page_requests == ["http://example.invalid/x.png"]


def test_json_holds_the_same_data_and_a_screenshot_is_kept(built: dict) -> None:
    data = json.loads(built["html"].with_suffix(".json").read_text())
    assert set(data["sections"]) == {name for name, _ in SECTIONS}
    assert data["not_run"] == []
    assert any(e["name"] == EVIL_NAME for e in data["sections"]["store"]["experiments"])
    OUTPUT.mkdir(parents=True, exist_ok=True)
    shot = screenshot(built["html"], OUTPUT / "report.png", built["work"])
    assert shot.stat().st_size > 10_000
    shutil.copy2(built["html"], OUTPUT / "report.html")


def test_sections_not_given_are_not_run(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("2.16.2", tmp_path)
    result = run_cli("report", uri, "-o", str(tmp_path / "r.html"), "--json")
    assert result.returncode == 0, result.output
    assert json.loads(result.stdout)["html"].endswith("r.html")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["not_run"] == ["codemod", "compat", "diffcheck", "models"]
    page = (tmp_path / "r.html").read_text()
    assert page.count('data-state="not run"') == 4


def test_a_password_in_the_uri_is_in_neither_file(tmp_path: Path) -> None:
    for uri in _server_database(PG_ADMIN, _unique_name()):
        load_fixture_into("2.16.2", uri)
        secret = uri.replace("postgres@", "postgres:s3cret-pw@")  # trust auth: any password is accepted
        out = tmp_path / "r.html"
        api.report(secret, out)
        for path in (out, out.with_suffix(".json")):
            text = path.read_text()
            assert "s3cret-pw" not in text and "postgres:***@" in text
