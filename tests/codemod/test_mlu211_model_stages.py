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


def test_stage_uris_in_f_strings_format_and_lower_case():
    for uri in ('f"models:/{name}/Production"', "f'models:/{name}/staging'", '"models:/{}/production".format(n)',
                '"models:/%s/Archived" % n', "f\"models:/{cfg['name']}/None\"", '"models:/churn/production"'):
        assert_finding_only(f"import mlflow\nm = mlflow.pyfunc.load_model({uri})\n", "MLU211", "alias")


def test_versions_latest_aliases_and_other_words_are_not_stages():
    for uri in ('f"models:/{name}/{version}"', '"models:/churn/3"', '"models:/churn/latest"',
                'f"models:/{name}@champion"', '"models:/churn/productionized"', 'f"models:/{n}/None{x}"'):
        assert_clean(f"import mlflow\nm = mlflow.pyfunc.load_model({uri})\n", "MLU211")
