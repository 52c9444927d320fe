"""MLU101: ``list_experiments`` → ``search_experiments``."""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import has_star, method_name, positional


@register
class ListExperiments(Rule):
    code = "MLU101"
    name = "list-experiments"
    summary = "`list_experiments` was removed in MLflow 2.0; use `search_experiments`"
    fixable = "sometimes"
    triggers = ("list_experiments",)  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 2.0.0 removed `mlflow.list_experiments` and `MlflowClient.list_experiments` "
             "(1.30.1 marks both deprecated in favour of `search_experiments`).")
    renames: ClassVar[dict[str, str]] = {
        "mlflow.list_experiments": "search_experiments",
        "mlflow.tracking.fluent.list_experiments": "search_experiments",
    }
    rename_message = "`{old}` was removed in MLflow 2.0; use `{new}` (same arguments)"

    def call(self, ctx, node: cst.Call, qname: str | None) -> cst.Call | None:
        if method_name(node) != "list_experiments" or (qname in self.renames):
            return None
        # MlflowClient.list_experiments(view_type, max_results, page_token): the third positional argument of
        # search_experiments is filter_string, so only calls with at most two positional arguments map 1:1.
        if ctx.receiver(node) == "client" and len(positional(node)) <= 2 and not has_star(node):
            ctx.report(self, "`MlflowClient.list_experiments` was removed in MLflow 2.0; use "
                       "`search_experiments` (same arguments)", fixable=True)
            return node.with_changes(func=node.func.with_changes(attr=cst.Name("search_experiments")))
        ctx.report(self, "`list_experiments` was removed in MLflow 2.0 (if this is an `MlflowClient`)",
                   suggestion="call `search_experiments(view_type, max_results, page_token=...)`; pass "
                   "`page_token` by keyword")
        return None
