import json

from click.testing import CliRunner

from mlflow_upgrade.cli import cli
from tests.cli_helpers import run_cli

SNIPPET = "import mlflow\nmlflow.sklearn.log_model(m, 'model')\nmlflow.recipes.Recipe(profile='x')\n"


def invoke(*args):
    return CliRunner().invoke(cli, ["codemod", *args], catch_exceptions=False)


def test_installed_command_exit_codes(tmp_path):
    """The real entry point, as users run it (subprocesses are slow: one for findings, one for usage)."""
    (tmp_path / "t.py").write_text(SNIPPET)
    res = run_cli("codemod", "check", str(tmp_path))
    assert res.returncode == 1 and "error" not in res.stderr  # the findings are the output: no error line
    assert f"{tmp_path / 't.py'}:2:1: MLU201 [*]" in res.stdout
    assert "Found 2 findings (1 fixable" in res.stdout
    res = run_cli("codemod", "check", str(tmp_path / "missing"))
    assert res.returncode == 2 and "no such file or directory" in res.stderr


def test_clean_exits_0(tmp_path):
    (tmp_path / "c.py").write_text("import mlflow\nmlflow.log_metric('a', 1)\n")
    res = invoke("check", str(tmp_path))
    assert res.exit_code == 0 and "All checks passed" in res.output


def test_usage_errors():
    assert invoke("check", ".", "--from", "4").exit_code == 2
    assert invoke("check").exit_code == 2
    assert invoke("check", ".", "--to", "2").exit_code == 2


def test_json_and_sarif(tmp_path):
    (tmp_path / "t.py").write_text(SNIPPET)
    res = invoke("check", str(tmp_path), "--json")
    assert res.exit_code == 1
    data = json.loads(res.output)
    assert [(f["code"], f["line"], f["col"], f["fixable"], f["fixed"]) for f in data["findings"]] == [
        ("MLU201", 2, 1, True, False), ("MLU204", 3, 1, False, False)]
    assert data["findings"][0]["path"] == str(tmp_path / "t.py")
    sarif = json.loads(invoke("check", str(tmp_path), "--sarif").output)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    run = sarif["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"MLU201", "MLU204"}
    first = run["results"][0]
    assert first["ruleId"] == "MLU201" and run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == "MLU201"
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 1}


def test_diff_then_fix(tmp_path):
    f = tmp_path / "t.py"
    f.write_text(SNIPPET)
    res = invoke("diff", str(tmp_path))
    assert res.exit_code == 1 and "+mlflow.sklearn.log_model(m, name='model')" in res.output
    assert f.read_text() == SNIPPET
    res = invoke("fix", str(tmp_path), "--select", "MLU201")
    assert res.exit_code == 0 and "Fixed 1 finding in 1 file" in res.output
    assert "name='model'" in f.read_text()
    res = invoke("fix", str(tmp_path))
    assert res.exit_code == 1 and "MLU204" in res.output  # a finding that needs a manual change remains


def test_unparsable_only_file_is_not_all_checks_passed(tmp_path):
    (tmp_path / "bad.py").write_text("import mlflow\nmlflow.list_experiments(\n")
    res = CliRunner().invoke(cli, ["codemod", "check", str(tmp_path)], catch_exceptions=False)
    assert res.exit_code == 1
    assert "All checks passed" not in res.output
    assert "syntax error at line 2" in res.output and "1 file could not be checked" in res.output


def test_default_run_reports_apis_removed_in_2_0(tmp_path):
    (tmp_path / "t.py").write_text("import mlflow\nmlflow.list_experiments()\n")
    res = invoke("check", str(tmp_path))
    assert res.exit_code == 1 and "MLU101" in res.output
    narrowed = invoke("check", str(tmp_path), "--from", "2")
    assert "MLU101" not in narrowed.output and "MLU215" in narrowed.output
