from tests.codemod.helpers import assert_clean, assert_fix

CODE = "MLU210"


def test_remove_middle():
    assert_fix("import mlflow\nmlflow.pyfunc.log_model(name='m', example_no_conversion=True, python_model=p)\n",
               "import mlflow\nmlflow.pyfunc.log_model(name='m', python_model=p)\n", CODE)


def test_remove_last_multiline():
    assert_fix("""\
        import mlflow
        mlflow.transformers.save_model(
            pipe,
            path,
            example_no_conversion=False,
        )
        """, """\
        import mlflow
        mlflow.transformers.save_model(
            pipe,
            path,
        )
        """, CODE)


def test_other_calls_untouched():
    assert_clean("import mlflow\nf(example_no_conversion=True)\n", CODE)


def test_installed_pyfunc_rejects_it():
    import inspect

    import mlflow.pyfunc

    params = inspect.signature(mlflow.pyfunc.log_model).parameters
    assert "example_no_conversion" not in params
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
