"""MLU204: MLflow Recipes (formerly Pipelines) was removed."""

from __future__ import annotations

from typing import ClassVar

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._modules import RemovedModules


@register
class RecipesRemoved(RemovedModules, Rule):
    code = "MLU204"
    name = "recipes-removed"
    summary = "`mlflow.recipes` / `mlflow.pipelines` no longer exist"
    fixable = "never"
    triggers = ("recipes", "pipelines")  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 2.0.0 renamed MLflow Pipelines (`mlflow.pipelines`) to Recipes (`mlflow.recipes`); "
             "MLflow 3.0.0 removed Recipes completely (#15250).")
    verb = "does not exist in MLflow 3 (Recipes were removed in 3.0; Pipelines were renamed Recipes in 2.0)"
    modules: ClassVar[dict[str, str]] = {
        "mlflow.recipes": "run the steps as plain Python/MLflow Projects with mlflow tracking and the registry",
        "mlflow.pipelines": "run the steps as plain Python/MLflow Projects with mlflow tracking and the registry",
    }
