"""MLU208: ``mlflow.evaluate(custom_metrics=...)`` → ``extra_metrics=``."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import keyword, rename_keyword
from mlflow_upgrade.codemod.rules._names import EVALUATE


@register
class CustomMetrics(Rule):
    code = "MLU208"
    name = "custom-metrics"
    summary = "`mlflow.evaluate(custom_metrics=...)` was renamed `extra_metrics=`"
    fixable = "sometimes"
    triggers = ("custom_metrics",)  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 2.x deprecated `custom_metrics` in `mlflow.evaluate` for `extra_metrics` (2.9.2 warns); "
             "MLflow 3.0.0 removed it.")

    def call(self, ctx, node: cst.Call, qname: str | None) -> cst.Call | None:
        if qname not in EVALUATE or keyword(node, "custom_metrics") is None:
            return None
        if keyword(node, "extra_metrics") is not None:
            ctx.report(self, "`custom_metrics` was removed in MLflow 3 and `extra_metrics` is also given",
                       suggestion="merge both lists into `extra_metrics=[...]`")
            return None
        ctx.report(self, "`mlflow.evaluate(custom_metrics=...)` was removed in MLflow 3; use `extra_metrics=`",
                   fixable=True)
        return rename_keyword(node, "custom_metrics", "extra_metrics")
