from tests.codemod.helpers import assert_clean, assert_finding_only, assert_fix

CODE = "MLU213"


def test_rename():
    assert_fix("import mlflow\nmlflow.pyfunc.log_model(name='m', python_model=p, code_path=['src/'])\n",
               "import mlflow\nmlflow.pyfunc.log_model(name='m', python_model=p, code_paths=['src/'])\n", CODE)


def test_both_is_finding():
    assert_finding_only("import mlflow\nmlflow.pyfunc.save_model('p', code_path=['a'], code_paths=['b'])\n", CODE)


def test_other_flavors_untouched():
    assert_clean("import mlflow\nmlflow.sklearn.log_model(m, name='m', code_paths=['src/'])\n", CODE)


def test_installed_signature():
    import inspect

    import mlflow.pyfunc

    for fn in (mlflow.pyfunc.log_model, mlflow.pyfunc.save_model):
        params = inspect.signature(fn).parameters
        assert "code_paths" in params and "code_path" not in params
