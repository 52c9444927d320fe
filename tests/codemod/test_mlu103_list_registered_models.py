from tests.codemod.helpers import assert_finding_only, assert_fix

CODE = "MLU103"


def test_keywords_fixed():
    assert_fix("import mlflow\nc = mlflow.MlflowClient()\nc.list_registered_models(max_results=5)\n",
               "import mlflow\nc = mlflow.MlflowClient()\nc.search_registered_models(max_results=5)\n", CODE)


def test_positional_is_finding():
    assert_finding_only("import mlflow\nc = mlflow.MlflowClient()\nc.list_registered_models(5)\n", CODE,
                        "filter_string")


def test_installed_signature():
    import inspect

    from mlflow import MlflowClient

    params = list(inspect.signature(MlflowClient.search_registered_models).parameters)
    assert params[1] == "filter_string" and "max_results" in params and "page_token" in params
