"""MLU105: ``mlflow.azureml`` was removed in MLflow 2.0."""

from __future__ import annotations

from typing import ClassVar

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._modules import RemovedModules


@register
class AzureML(RemovedModules, Rule):
    code = "MLU105"
    name = "azureml-removed"
    summary = "`mlflow.azureml` was removed in MLflow 2.0"
    fixable = "never"
    triggers = ("azureml",)  # text pre-filter: the file is parsed only if one occurs
    since = "MLflow 2.0.0 removed `mlflow.azureml` (`build_image`, `deploy`); present in 1.30.1, absent from 2.0."
    verb = "was removed in MLflow 2.0"
    modules: ClassVar[dict[str, str]] = {
        "mlflow.azureml": "use the `azureml-mlflow` deployment plugin: "
                          "`mlflow.deployments.get_deploy_client('azureml://...')`",
    }
