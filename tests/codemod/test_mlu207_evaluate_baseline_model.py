from tests.codemod.helpers import assert_clean, assert_finding_only

CODE = "MLU207"


def test_baseline_model():
    assert_finding_only("import mlflow\nmlflow.evaluate(m, d, targets='y', baseline_model=b, validation_thresholds=t)\n",
                        CODE, "validate_evaluation_results(t, candidate, baseline)")


def test_thresholds_only():
    assert_finding_only("from mlflow.models import evaluate\nevaluate(m, d, validation_thresholds=t)\n", CODE,
                        "validate_evaluation_results(t, result)")


def test_plain_evaluate_clean():
    assert_clean("import mlflow\nmlflow.evaluate(m, d, targets='y')\n", CODE)


def test_installed_signatures():
    import inspect

    import mlflow

    params = inspect.signature(mlflow.evaluate).parameters
    assert "baseline_model" not in params and "validation_thresholds" not in params
    assert list(inspect.signature(mlflow.validate_evaluation_results).parameters) == [
        "validation_thresholds", "candidate_result", "baseline_result"]


def test_baseline_config_and_metrics_attribute():
    findings = assert_finding_only(
        "import mlflow\nr = mlflow.evaluate(m, d, baseline_config={})\nprint(r.baseline_model_metrics)\n", CODE)
    assert [f.line for f in findings] == [2, 3]
