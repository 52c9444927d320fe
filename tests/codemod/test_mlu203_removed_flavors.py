import importlib.util

import pytest

from mlflow_upgrade.codemod.rules.mlu203_removed_flavors import RemovedFlavors
from tests.codemod.helpers import assert_clean, assert_finding_only

CODE = "MLU203"


@pytest.mark.parametrize("source", [
    "import mlflow.fastai\n",
    "from mlflow import mleap\n",
    "from mlflow.diviner import log_model\n",
    "import mlflow\nmlflow.promptflow.log_model(flow, 'f')\n",
    "import mlflow as mf\nmf.gluon.autolog()\n",
])
def test_removed(source):
    assert_finding_only(source, CODE)


def test_kept_flavors_clean():
    assert_clean("import mlflow.sklearn\nimport mlflow.keras\nmlflow.pytorch.autolog()\n", CODE)


def test_one_finding_per_use():
    findings = assert_finding_only("import mlflow\nmlflow.fastai.log_model(learner, 'm')\n", CODE)
    assert len(findings) == 1


@pytest.mark.parametrize("module", sorted(RemovedFlavors.modules))
def test_absent_from_installed_mlflow(module):
    assert importlib.util.find_spec(module) is None
