import ast
from pathlib import Path

from tests.codemod.helpers import assert_clean, assert_finding_only, assert_fix

CODE = "MLU107"


def test_use_conda_literals():
    assert_fix("import mlflow\nmlflow.run('.', use_conda=False)\nmlflow.projects.run('.', use_conda=True)\n",
               'import mlflow\nmlflow.run(\'.\', env_manager="local")\nmlflow.projects.run(\'.\', env_manager="conda")\n',
               CODE, n=2)


def test_skip_image_build_inverted():
    assert_fix("import mlflow\nmlflow.run('.', backend='local', skip_image_build=True)\n",
               "import mlflow\nmlflow.run('.', backend='local', build_image=False)\n", CODE)


def test_variable_is_finding():
    assert_finding_only("import mlflow\nmlflow.run('.', use_conda=flag)\n", CODE, 'env_manager="conda"')


def test_env_manager_untouched():
    assert_clean("import mlflow\nmlflow.run('.', env_manager='local')\n", CODE)


def test_installed_signature():
    import mlflow.projects

    source = Path(mlflow.projects.__file__).read_text()
    fn = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == "run")
    names = [a.arg for a in fn.args.args + fn.args.kwonlyargs]
    assert "env_manager" in names and "build_image" in names
    assert "use_conda" not in names and "skip_image_build" not in names
