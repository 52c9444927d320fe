"""MLU106: ``mlflow.sklearn.eval_and_log_metrics`` was removed in MLflow 2.0."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.registry import Rule, register


@register
class EvalAndLogMetrics(Rule):
    code = "MLU106"
    name = "eval-and-log-metrics"
    summary = "`mlflow.sklearn.eval_and_log_metrics` was removed in MLflow 2.0; use `mlflow.evaluate`"
    fixable = "never"
    triggers = ("eval_and_log_metrics",)  # text pre-filter: the file is parsed only if one occurs
    since = "MLflow 2.0.0 removed `mlflow.sklearn.eval_and_log_metrics` (present in 1.30.1, absent from 2.0)."

    def call(self, ctx, node: cst.Call, qname: str | None) -> None:
        if qname == "mlflow.sklearn.eval_and_log_metrics":
            ctx.report(self, "`mlflow.sklearn.eval_and_log_metrics` was removed in MLflow 2.0",
                       suggestion="log the model, then `mlflow.evaluate(model_uri, data, targets=..., "
                       "model_type='regressor'|'classifier')`")
