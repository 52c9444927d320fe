from tests.codemod.helpers import assert_clean, assert_fix

CODE = "MLU212"


def test_rename():
    assert_fix("import mlflow\nmlflow.transformers.log_model(p, name='m', inference_config={'max_length': 9})\n",
               "import mlflow\nmlflow.transformers.log_model(p, name='m', model_config={'max_length': 9})\n", CODE)


def test_sentence_transformers_keeps_it():
    assert_clean("import mlflow\nmlflow.sentence_transformers.log_model(m, name='m', inference_config={})\n", CODE)


def test_installed_signatures():
    import ast
    from pathlib import Path

    import mlflow

    source = (Path(mlflow.__file__).parent / "transformers" / "__init__.py").read_text()
    fn = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == "log_model")
    names = [a.arg for a in fn.args.args + fn.args.kwonlyargs]
    assert "model_config" in names and "inference_config" not in names
