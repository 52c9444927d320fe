import json

from tests.cli_helpers import run_cli

SNIPPET = "import mlflow\nmlflow.sklearn.log_model(m, 'model')\nmlflow.recipes.Recipe(profile='x')\n"


def test_check_exit_codes_and_text(tmp_path):
    (tmp_path / "t.py").write_text(SNIPPET)
    res = run_cli("codemod", "check", str(tmp_path))
    assert res.returncode == 1
    assert f"{tmp_path / 't.py'}:2:1: MLU201 [*]" in res.stdout
    assert "Found 2 findings (1 fixable" in res.stdout
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "c.py").write_text("import mlflow\nmlflow.log_metric('a', 1)\n")
    assert run_cli("codemod", "check", str(clean)).returncode == 0


def test_usage_errors():
    assert run_cli("codemod", "check", "/nonexistent/path").returncode == 2
    assert run_cli("codemod", "check", ".", "--from", "4").returncode == 2
    assert run_cli("codemod", "check").returncode == 2


def test_json_and_sarif(tmp_path):
    (tmp_path / "t.py").write_text(SNIPPET)
    data = json.loads(run_cli("codemod", "check", str(tmp_path), "--json").stdout)
    assert [(f["code"], f["line"], f["col"], f["fixable"], f["fixed"]) for f in data["findings"]] == [
        ("MLU201", 2, 1, True, False), ("MLU204", 3, 1, False, False)]
    sarif = json.loads(run_cli("codemod", "check", str(tmp_path), "--sarif").stdout)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"MLU201", "MLU204"}
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 1}


def test_diff_then_fix(tmp_path):
    f = tmp_path / "t.py"
    f.write_text(SNIPPET)
    res = run_cli("codemod", "diff", str(tmp_path))
    assert res.returncode == 1 and "+mlflow.sklearn.log_model(m, name='model')" in res.stdout
    assert f.read_text() == SNIPPET
    res = run_cli("codemod", "fix", str(tmp_path), "--select", "MLU201")
    assert res.returncode == 0 and "Fixed 1 finding in 1 file" in res.stdout
    assert "name='model'" in f.read_text()
