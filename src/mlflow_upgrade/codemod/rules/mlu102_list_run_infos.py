"""MLU102: ``list_run_infos`` was removed; ``search_runs`` returns runs, not run infos."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.receivers import GATEWAY, OTHER
from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import method_name


@register
class ListRunInfos(Rule):
    code = "MLU102"
    name = "list-run-infos"
    summary = "`list_run_infos` was removed in MLflow 2.0; use `search_runs` and read `.info`"
    fixable = "never"
    triggers = ("list_run_infos",)  # text pre-filter: the file is parsed only if one occurs
    since = "MLflow 2.0.0 removed `mlflow.list_run_infos` and `MlflowClient.list_run_infos` (deprecated in 1.x)."

    def call(self, ctx, node: cst.Call, qname: str | None) -> None:
        if qname in ("mlflow.list_run_infos", "mlflow.tracking.fluent.list_run_infos"):
            ctx.report(self, "`mlflow.list_run_infos` was removed in MLflow 2.0",
                       suggestion="`[r.info for r in mlflow.search_runs([experiment_id], output_format='list')]` "
                       "(search_runs returns runs, not RunInfo objects)")
        elif method_name(node) == "list_run_infos" and ctx.receiver(node) not in (OTHER, GATEWAY):
            ctx.report(self, "`MlflowClient.list_run_infos` was removed in MLflow 2.0",
                       suggestion="`[r.info for r in client.search_runs([experiment_id], run_view_type=..., "
                       "max_results=..., order_by=...)]`")
