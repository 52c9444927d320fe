from tests.codemod.helpers import assert_finding_only

CODE = "MLU102"


def test_fluent():
    assert_finding_only("import mlflow\ninfos = mlflow.list_run_infos('0')\n", CODE, "search_runs")


def test_client():
    assert_finding_only("from mlflow import MlflowClient\nMlflowClient().list_run_infos('0')\n", CODE)


def test_removed_in_installed_mlflow():
    import mlflow

    assert not hasattr(mlflow, "list_run_infos")
    assert not hasattr(mlflow.MlflowClient, "list_run_infos")
