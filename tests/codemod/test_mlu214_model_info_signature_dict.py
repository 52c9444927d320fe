from tests.codemod.helpers import assert_clean, assert_finding_only

CODE = "MLU214"


def test_attribute():
    assert_finding_only("import mlflow\ninfo = mlflow.sklearn.log_model(m, name='m')\nprint(info.signature_dict)\n",
                        CODE, "info.signature.to_dict()")


def test_signature_clean():
    assert_clean("import mlflow\nprint(info.signature)\n", CODE)


def test_removed_in_installed_mlflow():
    from mlflow.models.model import ModelInfo

    assert not hasattr(ModelInfo, "signature_dict") and hasattr(ModelInfo, "signature")
