from tests.codemod.helpers import assert_finding_only

CODE = "MLU105"


def test_import_and_use():
    findings = assert_finding_only("import mlflow.azureml\nmlflow.azureml.build_image(model_uri=u)\n", CODE)
    assert [f.line for f in findings] == [1, 2]


def test_from_import():
    assert_finding_only("from mlflow import azureml\n", CODE, "azureml-mlflow")


def test_absent_from_installed_mlflow():
    import importlib.util

    assert importlib.util.find_spec("mlflow.azureml") is None
