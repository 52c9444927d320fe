"""MLU108: ``mlflow.evaluate(dataset_name=...)`` was removed in MLflow 2.0."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import keyword, short
from mlflow_upgrade.codemod.rules._names import EVALUATE


@register
class EvaluateDatasetName(Rule):
    code = "MLU108"
    name = "evaluate-dataset-name"
    summary = "`mlflow.evaluate(dataset_name=...)` was removed in MLflow 2.0"
    fixable = "never"
    triggers = ("dataset_name",)  # text pre-filter: the file is parsed only if one occurs
    since = "MLflow 2.0.0 removed `dataset_name` (and the `{metric}_on_{dataset_name}` metric names) from `mlflow.evaluate`."

    def call(self, ctx, node: cst.Call, qname: str | None) -> None:
        arg = keyword(node, "dataset_name")
        if qname in EVALUATE and arg is not None:
            ctx.report(self, "`mlflow.evaluate(dataset_name=...)` was removed in MLflow 2.0 (metric names no longer "
                       "carry an `_on_<dataset>` suffix)",
                       suggestion=f"name the data instead: `data=mlflow.data.from_pandas(df, name={short(arg.value)})`")
