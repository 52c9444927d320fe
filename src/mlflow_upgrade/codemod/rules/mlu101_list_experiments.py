"""MLU101: ``list_experiments`` → ``search_experiments``."""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from mlflow_upgrade.codemod.receivers import CLIENT, GATEWAY, OTHER
from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import has_star, keyword, method_name, positional


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
        kind = ctx.receiver(node)
        if kind in (OTHER, GATEWAY):
            return None  # some other object's own `list_experiments`
        # MlflowClient.list_experiments(view_type, max_results=None, page_token=None) returned *every* experiment
        # when max_results was not given; search_experiments returns one page (max_results=1000 by default, and
        # 3.17.2 rejects None), so only calls that already asked for a page map 1:1. The third positional
        # parameter of search_experiments is filter_string, not page_token.
        paged = len(positional(node)) == 2 or keyword(node, "max_results") is not None
        if kind == CLIENT and paged and len(positional(node)) <= 2 and not has_star(node):
            ctx.report(self, "`MlflowClient.list_experiments` was removed in MLflow 2.0; use "
                       "`search_experiments` (same arguments)", fixable=True)
            return node.with_changes(func=node.func.with_changes(attr=cst.Name("search_experiments")))
        if kind == CLIENT and not paged:
            ctx.report(self, "`MlflowClient.list_experiments` was removed in MLflow 2.0; its replacement "
                       "`search_experiments` returns at most 1000 experiments per call where this returned all",
                       suggestion=PAGINATE)
            return None
        ctx.report(self, "`list_experiments` was removed in MLflow 2.0 (if this is an `MlflowClient`)",
                   suggestion="`search_experiments(view_type, max_results=..., page_token=...)` returns one page "
                   "(pass `page_token` by keyword); to get every experiment: " + PAGINATE)
        return None


PAGINATE = ("`experiments, token = [], None` / `while True: page = client.search_experiments(view_type, "
            "page_token=token); experiments += page; token = page.token` / `if not token: break` "
            "(or `mlflow.search_experiments()`, which returns all, if the client uses the default tracking URI)")
