"""MLU207: ``mlflow.evaluate(baseline_model=..., validation_thresholds=...)`` → ``validate_evaluation_results``."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import keyword, short
from mlflow_upgrade.codemod.rules._names import EVALUATE


@register
class EvaluateBaselineModel(Rule):
    code = "MLU207"
    name = "evaluate-baseline-model"
    summary = ("`mlflow.evaluate` lost `baseline_model`, `baseline_config` and `validation_thresholds`; use "
               "`validate_evaluation_results`")
    fixable = "never"
    triggers = ("baseline_model", "validation_thresholds", "baseline_config")  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 3.0.0 removed `baseline_model`, `baseline_config` and `validation_thresholds` from "
             "`mlflow.evaluate` (and `EvaluationResult.baseline_model_metrics`); model "
             "validation is `mlflow.validate_evaluation_results(validation_thresholds, candidate_result, "
             "baseline_result)` (available since 2.x).")

    def attribute(self, ctx, node: cst.Attribute, qname: str | None) -> None:
        if node.attr.value == "baseline_model_metrics":
            ctx.report(self, "`EvaluationResult.baseline_model_metrics` was removed in MLflow 3",
                       suggestion="read `.metrics` of the baseline's own `mlflow.evaluate` result")

    def call(self, ctx, node: cst.Call, qname: str | None) -> None:
        if qname not in EVALUATE:
            return
        if keyword(node, "baseline_config") is not None and keyword(node, "baseline_model") is None:
            ctx.report(self, "`mlflow.evaluate(baseline_config=...)` was removed in MLflow 3",
                       suggestion="evaluate the baseline with its own `mlflow.evaluate(..., evaluator_config=...)` "
                       "call and compare with `mlflow.validate_evaluation_results`")
        baseline = keyword(node, "baseline_model")
        thresholds = keyword(node, "validation_thresholds")
        if baseline is None and thresholds is None:
            return
        th = short(thresholds.value) if thresholds is not None else "thresholds"
        if baseline is not None:
            suggestion = (f"`candidate = mlflow.evaluate(<same args without baseline_model/validation_thresholds>)`; "
                          f"`baseline = mlflow.evaluate({short(baseline.value)}, <same data>)`; "
                          f"`mlflow.validate_evaluation_results({th}, candidate, baseline)`")
            message = "`mlflow.evaluate(baseline_model=...)` was removed in MLflow 3"
        else:
            suggestion = (f"`result = mlflow.evaluate(<same args without validation_thresholds>)`; "
                          f"`mlflow.validate_evaluation_results({th}, result)`")
            message = "`mlflow.evaluate(validation_thresholds=...)` was removed in MLflow 3"
        ctx.report(self, message, suggestion=suggestion)
