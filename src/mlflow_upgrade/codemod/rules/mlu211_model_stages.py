"""MLU211: model registry stages are deprecated; use aliases and tags."""

from __future__ import annotations

import re

import libcst as cst

from mlflow_upgrade.codemod.receivers import GATEWAY, OTHER
from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import keyword, method_name

METHODS = {
    "get_latest_versions": "`client.get_model_version_by_alias(name, alias)` (or `search_model_versions`)",
    "transition_model_version_stage": "`client.set_registered_model_alias(name, alias, version)`",
    "get_model_version_stages": "aliases replace stages: `client.get_registered_model(name).aliases`",
}
# MLflow reads the part after the name as a stage unless it is a version number or `latest`, and compares
# stages case-insensitively (`production` is `Production`); `{...}` stands for an f-string's expression.
STAGE_URI = re.compile(r"models:/[^/\s'\"]+/(production|staging|archived|none)(?![\w{])", re.IGNORECASE)


@register
class ModelStages(Rule):
    code = "MLU211"
    name = "model-stages"
    summary = "model registry stages are deprecated; use aliases (`models:/name@alias`)"
    fixable = "never"
    triggers = ("get_latest_versions", "transition_model_version_stage", "get_model_version_stages", "_model_version_tag", "models:/")  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 2.9.0 deprecated model version stages (`get_latest_versions`, "
             "`transition_model_version_stage`, `stage=` on tag APIs, `models:/<name>/<stage>` URIs) in favour of "
             "aliases and tags; 3.17.2 still warns.")

    def call(self, ctx, node: cst.Call, qname: str | None) -> None:
        method = method_name(node)
        if method in METHODS and ctx.receiver(node) not in (OTHER, GATEWAY):
            ctx.report(self, f"`{method}` uses model stages, deprecated since MLflow 2.9", suggestion=METHODS[method])
        elif method in ("set_model_version_tag", "delete_model_version_tag") and keyword(node, "stage"):
            ctx.report(self, f"`{method}(stage=...)` is deprecated since MLflow 2.9",
                       suggestion="pass `version=` (look it up by alias)")

    def string(self, ctx, node) -> None:
        if isinstance(node, cst.SimpleString):  # f-strings are read whole, below
            self._check(ctx, node.value)

    def fstring(self, ctx, node: cst.FormattedString) -> None:
        self._check(ctx, "".join(part.value if isinstance(part, cst.FormattedStringText) else "{…}"
                                 for part in node.parts))

    def _check(self, ctx, text: str) -> None:
        match = STAGE_URI.search(text)
        if match:
            ctx.report(self, f"`{match.group(0)}` addresses a model by stage, deprecated since MLflow 2.9",
                       suggestion="use an alias URI: `models:/<name>@<alias>`")
