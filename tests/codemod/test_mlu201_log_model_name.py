import ast
from pathlib import Path

import pytest

from mlflow_upgrade.codemod.rules.mlu201_log_model_name import NAME_FLAVORS
from tests.codemod.helpers import assert_clean, assert_finding_only, assert_fix

CODE = "MLU201"


def test_positional_path():
    assert_fix("import mlflow\nmlflow.sklearn.log_model(model, 'model')  # comment\n",
               "import mlflow\nmlflow.sklearn.log_model(model, name='model')  # comment\n", CODE)


def test_keyword_path_with_alias():
    assert_fix("import mlflow as mf\nmf.xgboost.log_model(xgb_model=b, artifact_path='m', input_example=x)\n",
               "import mlflow as mf\nmf.xgboost.log_model(xgb_model=b, name='m', input_example=x)\n", CODE)


def test_from_import_function():
    assert_fix("from mlflow.sklearn import log_model\nlog_model(m, 'model')\n",
               "from mlflow.sklearn import log_model\nlog_model(m, name='model')\n", CODE)


def test_module_import_from():
    assert_fix("from mlflow import pyfunc\npyfunc.log_model('model', python_model=p)\n",
               "from mlflow import pyfunc\npyfunc.log_model(name='model', python_model=p)\n", CODE)


def test_multiline_keeps_layout():
    assert_fix("""\
        import mlflow
        mlflow.pytorch.log_model(
            net,
            artifact_path="model",  # where
            registered_model_name="n",
        )
        """, """\
        import mlflow
        mlflow.pytorch.log_model(
            net,
            name="model",  # where
            registered_model_name="n",
        )
        """, CODE)


def test_more_positionals_is_finding():
    assert_finding_only("import mlflow\nmlflow.sklearn.log_model(m, 'model', conda_env)\n", CODE, "by keyword")


@pytest.mark.parametrize("path", ["models/sklearn-model", "model.v1", ""])
def test_invalid_model_name_is_finding(path):
    # MLflow 3 rejects these names (name = name or artifact_path, then _validate_logged_model_name)
    assert_finding_only(f"import mlflow\nmlflow.sklearn.log_model(m, artifact_path={path!r})\n", CODE, "name=")


def test_fstring_with_slash_is_finding():
    assert_finding_only("import mlflow\nmlflow.sklearn.log_model(m, f'{run_name}/model')\n", CODE, "not a valid")


def test_fstring_without_bad_chars_is_renamed():
    assert_fix("import mlflow\nmlflow.sklearn.log_model(m, f'model-{i}')\n",
               "import mlflow\nmlflow.sklearn.log_model(m, name=f'model-{i}')\n", CODE)


def test_variable_path_is_renamed():
    # 3.17.2 does `name = name or artifact_path`: passing the same value as name= is equivalent
    assert_fix("import mlflow\nmlflow.sklearn.log_model(m, artifact_path=p)\n",
               "import mlflow\nmlflow.sklearn.log_model(m, name=p)\n", CODE)


def test_tensorflow_positional_is_finding():
    # 1.x: log_model(tf_saved_model_dir, tf_meta_graph_tags, tf_signature_def_key, artifact_path)
    assert_finding_only("import mlflow\nmlflow.tensorflow.log_model(m, 'model')\n", CODE)


@pytest.mark.parametrize("source", [
    "import mlflow\nmlflow.spark.log_model(m, 'model')\n",  # spark has no `name` in 3.x
    "import mlflow\nmlflow.spark.log_model(m, artifact_path='model')\n",
    "from mlflow.models import Model\nModel.log(artifact_path='m', flavor=f)\n",
    "import mlflow\nmlflow.log_artifact('f.txt', artifact_path='dir')\n",
    "import mlflow\nmlflow.sklearn.log_model(m, name='model')\n",
    "import mlflow\nmlflow.sklearn.save_model(m, 'path')\n",
    "import mlflow\nmlflow.sklearn.log_model(m, *args)\n",
    "import sklearn\nsklearn.log_model(m, 'x')\n",
])
def test_untouched(source):
    assert_clean(source, CODE)


def _installed_log_model(flavor: str):
    import mlflow

    root = Path(mlflow.__file__).parent
    candidates = [root / f"{flavor}.py", root / flavor / "__init__.py", *sorted((root / flavor).glob("*.py"))]
    for candidate in candidates:
        if candidate.exists():
            for node in ast.parse(candidate.read_text()).body:
                if isinstance(node, ast.FunctionDef) and node.name == "log_model":
                    return [a.arg for a in node.args.args], [a.arg for a in node.args.kwonlyargs]
    return None


@pytest.mark.parametrize("flavor", sorted(NAME_FLAVORS))
def test_table_matches_installed_mlflow(flavor):
    args, kwonly = _installed_log_model(flavor)
    assert args.index("artifact_path") == NAME_FLAVORS[flavor]
    assert "name" in args + kwonly


def test_invalid_names_rejected_by_installed_mlflow():
    from mlflow.exceptions import MlflowException
    from mlflow.utils.validation import _validate_logged_model_name

    from mlflow_upgrade.codemod.rules.mlu201_log_model_name import BAD_NAME_CHARS

    for char in BAD_NAME_CHARS:
        with pytest.raises(MlflowException):
            _validate_logged_model_name(f"a{char}b")
    _validate_logged_model_name("sklearn-model_1")


def test_spark_has_no_name():
    args, kwonly = _installed_log_model("spark")
    assert "name" not in args + kwonly


def test_rewritten_call_logs_a_model(tracking):
    """Run the rewritten snippet for real against the installed MLflow (sqlite tracking store)."""
    source = (
        "import mlflow\n"
        "from sklearn.linear_model import LinearRegression\n"
        "model = LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0])\n"
        "with mlflow.start_run():\n"
        "    info = mlflow.sklearn.log_model(model, 'model', pip_requirements=['scikit-learn'])\n"
    )
    from tests.codemod.helpers import fix

    new, findings = fix(source, CODE)
    assert "name='model'" in new and len(findings) == 1
    namespace: dict = {}
    exec(compile(new, "rewritten.py", "exec"), namespace)
    info = namespace["info"]
    assert info.name == "model"
    import mlflow

    loaded = mlflow.sklearn.load_model(info.model_uri)
    assert loaded.predict([[2.0]])[0] == pytest.approx(2.0)
