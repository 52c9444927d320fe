from tests.codemod.helpers import assert_clean, assert_finding_only, assert_fix

CODE = "MLU208"


def test_rename():
    assert_fix("import mlflow\nmlflow.evaluate(m, d, custom_metrics=[a])\n",
               "import mlflow\nmlflow.evaluate(m, d, extra_metrics=[a])\n", CODE)


def test_both_given_is_finding():
    assert_finding_only("import mlflow\nmlflow.evaluate(m, d, custom_metrics=[a], extra_metrics=[b])\n", CODE, "merge")


def test_other_functions_untouched():
    assert_clean("import mlflow\nfoo(custom_metrics=[a])\n", CODE)


def test_installed_signature():
    import inspect

    import mlflow

    params = inspect.signature(mlflow.evaluate).parameters
    assert "extra_metrics" in params and "custom_metrics" not in params
