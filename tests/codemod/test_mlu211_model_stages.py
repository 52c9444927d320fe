from tests.codemod.helpers import assert_clean, assert_finding_only

CODE = "MLU211"


def test_get_latest_versions():
    assert_finding_only("import mlflow\nc = mlflow.MlflowClient()\nc.get_latest_versions('m', stages=['Production'])\n",
                        CODE, "alias")


def test_transition():
    assert_finding_only("import mlflow\nc = mlflow.MlflowClient()\nc.transition_model_version_stage('m', 1, 'Staging')\n",
                        CODE, "set_registered_model_alias")


def test_stage_uri():
    assert_finding_only("import mlflow\nmlflow.pyfunc.load_model('models:/churn/Production')\n", CODE, "@<alias>")


def test_alias_uri_clean():
    assert_clean("import mlflow\nmlflow.pyfunc.load_model('models:/churn@champion')\n", CODE)
