from tests.codemod.helpers import assert_clean, assert_finding_only, assert_fix, fix

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


def test_client_known_receiver_asking_for_a_page():
    assert_fix("from mlflow.tracking import MlflowClient\nc = MlflowClient()\nc.list_experiments(1, 10)\n",
               "from mlflow.tracking import MlflowClient\nc = MlflowClient()\nc.search_experiments(1, 10)\n", CODE)
    assert_fix("import mlflow\nmlflow.MlflowClient().list_experiments(max_results=5)\n",
               "import mlflow\nmlflow.MlflowClient().search_experiments(max_results=5)\n", CODE)


def test_client_call_for_all_experiments_is_flagged_not_truncated():
    """1.x returned every experiment; search_experiments returns at most 1000 (3.17.2 refuses max_results=None),
    so a rename would silently drop experiments past the first page."""
    findings = assert_finding_only("import mlflow\nc = mlflow.MlflowClient()\nexps = c.list_experiments()\n",
                                   CODE, "page_token")
    assert "at most 1000" in findings[0].message


def test_client_with_page_token_positional_is_finding():
    assert_finding_only("import mlflow\nc = mlflow.MlflowClient()\nc.list_experiments(1, 10, tok)\n", CODE,
                        "page_token")


def test_unknown_receiver_is_finding():
    assert_finding_only("import mlflow\ndef f(client):\n    return client.list_experiments()\n", CODE)


def test_receiver_resolved_per_scope_with_reassignment():
    """An MlflowClient assigned earlier does not make every later `c` one: reassigned, another function's
    local, or a class defined here are not rewritten; disagreeing branches are flagged, not rewritten."""
    reassigned = ("import mlflow\nclass Registry:\n    def list_experiments(self, max_results):\n        return []\n"
                  "c = mlflow.MlflowClient()\nc.list_experiments(max_results=1)\n"
                  "c = Registry()\nc.list_experiments(max_results=1)\n")
    new, findings = fix(reassigned, CODE)
    assert new.count("search_experiments") == 1 and [f.line for f in findings] == [6]
    other_scope = ("import mlflow\ndef a():\n    c = mlflow.MlflowClient()\n    return c\n"
                   "def b():\n    c = Store()\n    return c.list_experiments(max_results=1)\n"
                   "class Store:\n    pass\n")
    assert_clean(other_scope, CODE)
    branches = ("import mlflow\nif x:\n    c = mlflow.MlflowClient()\nelse:\n    c = Store()\n"
                "c.list_experiments(max_results=1)\nclass Store:\n    pass\n")
    assert_finding_only(branches, CODE, "page_token")
    parameter = ("import mlflow\nfrom mlflow import MlflowClient\n"
                 "def f(c: MlflowClient):\n    return c.list_experiments(max_results=1)\n")
    assert fix(parameter, CODE)[0].count("search_experiments(max_results=1)") == 1
    attribute = ("import mlflow\nclass T:\n    def __init__(self):\n        self.client = mlflow.MlflowClient()\n"
                 "    def run(self):\n        return self.client.list_experiments(max_results=1)\n")
    assert fix(attribute, CODE)[0].count("search_experiments") == 1


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
    client_params = inspect.signature(mlflow.MlflowClient.search_experiments).parameters
    assert client_params["max_results"].default == 1000  # a page, not everything: see PAGINATE
