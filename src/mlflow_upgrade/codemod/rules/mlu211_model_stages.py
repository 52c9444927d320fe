"""MLU211: model registry stages are deprecated; use aliases and tags."""

from __future__ import annotations

import re

import libcst as cst

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import keyword, method_name

METHODS = {
    "get_latest_versions": "`client.get_model_version_by_alias(name, alias)` (or `search_model_versions`)",
    "transition_model_version_stage": "`client.set_registered_model_alias(name, alias, version)`",
}
STAGE_URI = re.compile(r"models:/[^/\s'\"]+/(Production|Staging|Archived|None)\b")


@register
class ModelStages(Rule):
    code = "MLU211"
    name = "model-stages"
    summary = "model registry stages are deprecated; use aliases (`models:/name@alias`)"
    fixable = "never"
    triggers = ("get_latest_versions", "transition_model_version_stage", "_model_version_tag", "models:/")  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 2.9.0 deprecated model version stages (`get_latest_versions`, "
             "`transition_model_version_stage`, `stage=` on tag APIs, `models:/<name>/<stage>` URIs) in favour of "
             "aliases and tags; 3.17.2 still warns.")

    def call(self, ctx, node: cst.Call, qname: str | None) -> None:
        method = method_name(node)
        if method in METHODS and (ctx.receiver(node) == "client" or (qname or "").startswith("mlflow.")
                                  or ctx.receiver(node) is None):
            ctx.report(self, f"`{method}` uses model stages, deprecated since MLflow 2.9", suggestion=METHODS[method])
        elif method in ("set_model_version_tag", "delete_model_version_tag") and keyword(node, "stage"):
            ctx.report(self, f"`{method}(stage=...)` is deprecated since MLflow 2.9",
                       suggestion="pass `version=` (look it up by alias)")

    def string(self, ctx, node) -> None:
        match = STAGE_URI.search(node.value)
        if match:
            ctx.report(self, f"`{match.group(0)}` addresses a model by stage, deprecated since MLflow 2.9",
                       suggestion="use an alias URI: `models:/<name>@<alias>`")
