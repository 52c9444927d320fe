"""MLU209: ``MetricThreshold(higher_is_better=...)`` → ``greater_is_better=``."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import keyword, rename_keyword
from mlflow_upgrade.codemod.rules._names import METRIC_THRESHOLD


@register
class HigherIsBetter(Rule):
    code = "MLU209"
    name = "higher-is-better"
    summary = "`MetricThreshold(higher_is_better=...)` was renamed `greater_is_better=`"
    fixable = "sometimes"
    triggers = ("higher_is_better",)  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 2.x deprecated `higher_is_better` in `mlflow.models.MetricThreshold` for "
             "`greater_is_better`; MLflow 3.0.0 removed it (`make_metric` always used `greater_is_better`).")

    def call(self, ctx, node: cst.Call, qname: str | None) -> cst.Call | None:
        if qname not in METRIC_THRESHOLD or keyword(node, "higher_is_better") is None:
            return None
        if keyword(node, "greater_is_better") is not None:
            ctx.report(self, "`higher_is_better` was removed in MLflow 3 and `greater_is_better` is also given",
                       suggestion="delete `higher_is_better=`")
            return None
        ctx.report(self, "`MetricThreshold(higher_is_better=...)` was removed in MLflow 3; use "
                   "`greater_is_better=`", fixable=True)
        return rename_keyword(node, "higher_is_better", "greater_is_better")
