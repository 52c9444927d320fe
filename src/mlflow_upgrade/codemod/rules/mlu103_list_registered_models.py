"""MLU103: ``MlflowClient.list_registered_models`` → ``search_registered_models``."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.receivers import CLIENT, GATEWAY, OTHER
from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import has_star, method_name, positional


@register
class ListRegisteredModels(Rule):
    code = "MLU103"
    name = "list-registered-models"
    summary = "`list_registered_models` was removed in MLflow 2.0; use `search_registered_models`"
    fixable = "sometimes"
    triggers = ("list_registered_models",)  # text pre-filter: the file is parsed only if one occurs
    since = "MLflow 2.0.0 removed `MlflowClient.list_registered_models` (deprecated in 1.x)."

    def call(self, ctx, node: cst.Call, qname: str | None) -> cst.Call | None:
        if method_name(node) != "list_registered_models":
            return None
        kind = ctx.receiver(node)
        if kind in (OTHER, GATEWAY):
            return None  # some other object's own method
        # list_registered_models(max_results, page_token) vs search_registered_models(filter_string,
        # max_results, order_by, page_token): positional arguments would land on the wrong parameters.
        if kind == CLIENT and not positional(node) and not has_star(node):
            ctx.report(self, "`MlflowClient.list_registered_models` was removed in MLflow 2.0; use "
                       "`search_registered_models`", fixable=True)
            return node.with_changes(func=node.func.with_changes(attr=cst.Name("search_registered_models")))
        ctx.report(self, "`list_registered_models` was removed in MLflow 2.0 (if this is an `MlflowClient`)",
                   suggestion="`search_registered_models(max_results=..., page_token=...)` — pass arguments by "
                   "keyword: the first positional parameter is now `filter_string`")
        return None
