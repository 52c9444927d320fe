import importlib.util

from tests.codemod.helpers import assert_finding_only

CODE = "MLU204"


def test_recipes():
    findings = assert_finding_only("from mlflow.recipes import Recipe\nr = Recipe(profile='local')\n", CODE)
    assert [f.line for f in findings] == [1]


def test_pipelines_attribute():
    assert_finding_only("import mlflow\np = mlflow.pipelines.Pipeline(profile='local')\n", CODE, "Recipes")


def test_absent_from_installed_mlflow():
    assert importlib.util.find_spec("mlflow.recipes") is None
    assert importlib.util.find_spec("mlflow.pipelines") is None
