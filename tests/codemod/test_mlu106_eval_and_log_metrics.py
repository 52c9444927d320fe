from tests.codemod.helpers import assert_clean, assert_finding_only

CODE = "MLU106"


def test_call():
    assert_finding_only("import mlflow\nmlflow.sklearn.eval_and_log_metrics(m, X, y, prefix='val_')\n", CODE,
                        "mlflow.evaluate")


def test_other_sklearn_calls_clean():
    assert_clean("import mlflow\nmlflow.sklearn.autolog()\n", CODE)


def test_absent_from_installed_mlflow():
    import mlflow.sklearn

    assert not hasattr(mlflow.sklearn, "eval_and_log_metrics")
