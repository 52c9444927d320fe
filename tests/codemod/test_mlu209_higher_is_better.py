from tests.codemod.helpers import assert_clean, assert_fix, fix

CODE = "MLU209"


def test_rename():
    assert_fix("from mlflow.models import MetricThreshold\nt = MetricThreshold(threshold=0.8, higher_is_better=True)\n",
               "from mlflow.models import MetricThreshold\nt = MetricThreshold(threshold=0.8, greater_is_better=True)\n",
               CODE)


def test_make_metric_untouched():
    # make_metric always used greater_is_better; a user function with higher_is_better is not ours
    assert_clean("from mlflow.models import make_metric\nmake_metric(eval_fn=f, greater_is_better=True)\n"
                 "my_threshold(higher_is_better=True)\n", CODE)


def test_rewritten_runs_against_installed_mlflow():
    new, _ = fix("import mlflow\nt = mlflow.models.MetricThreshold(threshold=0.8, higher_is_better=False)\n", CODE)
    namespace: dict = {}
    exec(new, namespace)
    assert namespace["t"].greater_is_better is False
