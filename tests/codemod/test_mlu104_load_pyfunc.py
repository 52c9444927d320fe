from tests.codemod.helpers import assert_fix

CODE = "MLU104"


def test_attribute():
    assert_fix("import mlflow.pyfunc\nm = mlflow.pyfunc.load_pyfunc(uri)\n",
               "import mlflow.pyfunc\nm = mlflow.pyfunc.load_model(uri)\n", CODE)


def test_from_import():
    assert_fix("from mlflow.pyfunc import load_pyfunc\nm = load_pyfunc(uri, suppress_warnings=True)\n",
               "from mlflow.pyfunc import load_model\nm = load_model(uri, suppress_warnings=True)\n", CODE)


def test_alias_equal_to_new_name_is_dropped():
    assert_fix("from mlflow.pyfunc import load_pyfunc as load_model\nload_model(uri)\n",
               "from mlflow.pyfunc import load_model\nload_model(uri)\n", CODE)


def test_module_alias():
    assert_fix("from mlflow import pyfunc\npyfunc.load_pyfunc(uri)\n", "from mlflow import pyfunc\npyfunc.load_model(uri)\n",
               CODE)


def test_same_leading_parameters_in_installed_mlflow():
    import inspect

    import mlflow.pyfunc

    old = list(inspect.signature(mlflow.pyfunc.load_pyfunc).parameters)
    new = list(inspect.signature(mlflow.pyfunc.load_model).parameters)
    assert new[: len(old)] == old
