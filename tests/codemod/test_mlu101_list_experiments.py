from tests.codemod.helpers import assert_clean, assert_finding_only, assert_fix

CODE = "MLU101"


def test_fluent_attribute_and_alias():
    assert_fix("import mlflow as mf\nexps = mf.list_experiments(max_results=3)\n",
               "import mlflow as mf\nexps = mf.search_experiments(max_results=3)\n", CODE)


def test_from_import_renames_import_and_uses():
    assert_fix("from mlflow import list_experiments\nlist_experiments()\nx = list_experiments\n",
               "from mlflow import search_experiments\nsearch_experiments()\nx = search_experiments\n", CODE)


def test_from_import_with_alias_keeps_alias():
    assert_fix("from mlflow import list_experiments as le\nle()\n",
               "from mlflow import search_experiments as le\nle()\n", CODE)


def test_client_known_receiver():
    assert_fix("from mlflow.tracking import MlflowClient\nc = MlflowClient()\nc.list_experiments(1, 10)\n",
               "from mlflow.tracking import MlflowClient\nc = MlflowClient()\nc.search_experiments(1, 10)\n", CODE)


def test_client_with_page_token_positional_is_finding():
    assert_finding_only("import mlflow\nc = mlflow.MlflowClient()\nc.list_experiments(1, 10, tok)\n", CODE,
                        "page_token")


def test_unknown_receiver_is_finding():
    assert_finding_only("import mlflow\ndef f(client):\n    return client.list_experiments()\n", CODE)


def test_name_already_bound_is_not_fixed():
    source = "from mlflow import list_experiments\nsearch_experiments = 1\nlist_experiments()\n"
    assert_finding_only(source, CODE, "already bound")


def test_search_experiments_untouched():
    assert_clean("import mlflow\nmlflow.search_experiments()\n", CODE)


def test_replacement_exists_in_installed_mlflow():
    import inspect

    import mlflow

    assert list(inspect.signature(mlflow.search_experiments).parameters)[:2] == ["view_type", "max_results"]
    assert not hasattr(mlflow, "list_experiments")
    assert not hasattr(mlflow.MlflowClient, "list_experiments")
