from tests.codemod.helpers import assert_clean, assert_finding_only

CODE = "MLU108"


def test_dataset_name():
    assert_finding_only("import mlflow\nmlflow.evaluate(uri, df, targets='y', dataset_name='val')\n", CODE,
                        "from_pandas(df, name='val')")


def test_other_calls_clean():
    assert_clean("import mlflow\nlog(dataset_name='x')\n", CODE)


def test_installed_signature():
    import inspect

    import mlflow

    assert "dataset_name" not in inspect.signature(mlflow.evaluate).parameters
