import inspect

from mlflow_upgrade.codemod.rules.mlu215_missing_in_installed import _MISSING, _UNKNOWN, lookup
from tests.codemod.helpers import assert_clean, assert_finding_only, fix

CODE = "MLU215"


def test_removed_names_through_their_own_names():
    assert_finding_only("import mlflow.sagemaker as mfs\nmfs.deploy('app', model_uri=u)\n", CODE,
                        "changelog")
    assert_finding_only("from mlflow.gateway import MlflowGatewayClientX\n", CODE)
    assert_finding_only("import mlflow\nmlflow.metrics.base.EvaluationExample(input='x')\n", CODE)


def test_removed_keywords():
    findings = assert_finding_only(
        "from mlflow.metrics.genai.prompt_template import PromptTemplate\n"
        "p = PromptTemplate(template_str='Say {foo}', variables=['foo'])\n", CODE)
    assert "no parameter `variables`" in findings[0].message
    assert_finding_only("import mlflow\nmlflow.sklearn.autolog(log_models=True, no_such_option=1)\n", CODE,
                        "no_such_option")


def test_existing_names_kwargs_and_runtime_attributes_are_clean():
    assert_clean("import mlflow\nfrom mlflow import spark\nfrom mlflow.models import infer_signature\nmlflow.sklearn.autolog(log_models=True)\n"
                 "mlflow.log_metric('a', 1, step=2)\nmlflow.register_model.assert_called_once_with(1)\n"
                 "spark = make_session()\nspark.createDataFrame(rows)\n", CODE)


def test_specific_rules_keep_their_findings():
    """A name a specific rule reports (with its replacement) is not reported twice."""
    _new, findings = fix("import mlflow\nmlflow.list_run_infos('0')\nmlflow.sklearn.eval_and_log_metrics(m, x)\n",
                         None)
    assert sorted(f.code for f in findings) == ["MLU102", "MLU106"]


def test_lookup_reads_the_installed_mlflow():
    import mlflow

    assert lookup("mlflow.search_experiments") is mlflow.search_experiments
    assert lookup("mlflow.list_experiments") is _MISSING
    assert lookup("mlflow.no_such_module.x") is _MISSING
    assert lookup("numpy.array") is _UNKNOWN
    assert inspect.ismodule(lookup("mlflow.sklearn"))


def test_too_many_positional_arguments():
    """1.x `mlflow.evaluate(model, data, targets, model_type, dataset_name, evaluators)`: 3.x takes two."""
    findings = assert_finding_only("import mlflow\nmlflow.evaluate(m, data, 'y', 'regressor')\n", CODE,
                                   "by keyword")
    assert "at most 2 positional arguments" in findings[0].message
    assert_clean("import mlflow\nmlflow.evaluate(m, data, targets='y', model_type='regressor')\n", CODE)
