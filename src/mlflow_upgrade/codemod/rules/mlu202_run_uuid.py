"""MLU202: ``run_uuid`` was removed from ``RunInfo`` and from search filters; use ``run_id``."""

from __future__ import annotations

import re

import libcst as cst

from mlflow_upgrade.codemod.receivers import MLFLOW, OTHER
from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import keyword, rename_keyword, short

# `attributes.run_uuid` / `attribute.run_uuid` / `run.run_uuid` in a search_runs filter or order_by string.
FILTER = re.compile(r"\b(attributes?|run)\.run_uuid\b")
# Quoted prefixes are valid too: attributes.`run_uuid`
FILTER_QUOTED = re.compile(r"\b(attributes?|run)\.([`\"])run_uuid\2")


@register
class RunUuid(Rule):
    code = "MLU202"
    name = "run-uuid"
    summary = "`run_uuid` was removed in MLflow 3; use `run_id` (attribute, keyword and search filters)"
    fixable = "sometimes"
    triggers = ("run_uuid",)  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 3.0.0 removed the `RunInfo.run_uuid` property and the `run_uuid` search attribute "
             "(deprecated since 1.x in favour of `run_id`).")

    def attribute(self, ctx, node: cst.Attribute, qname: str | None) -> cst.Attribute | None:
        if node.attr.value != "run_uuid":
            return None
        # `<x>.info.run_uuid` is a RunInfo for sure; other receivers may be anything with that name.
        if isinstance(node.value, cst.Attribute) and node.value.attr.value == "info":
            ctx.report(self, "`RunInfo.run_uuid` was removed in MLflow 3; use `run_id`", fixable=True)
            return node.with_changes(attr=cst.Name("run_id"))
        original = ctx.original if isinstance(ctx.original, cst.Attribute) else node
        kind = ctx.kind_of(original.value)
        if kind == OTHER or (kind != MLFLOW and ctx.defines_attribute("run_uuid")):
            return None  # the file's own objects (`self.run_uuid = ...`, a class field) or a known non-MLflow one
        ctx.report(self, f"`{short(node)}`: `RunInfo.run_uuid` was removed in MLflow 3",
                   suggestion="use `.run_id` if this is an MLflow RunInfo")
        return None

    def call(self, ctx, node: cst.Call, qname: str | None) -> cst.Call | None:
        if qname in ("mlflow.entities.RunInfo", "mlflow.entities.run_info.RunInfo") \
                and keyword(node, "run_uuid") is not None and keyword(node, "run_id") is None:
            ctx.report(self, "`RunInfo(run_uuid=...)` was removed in MLflow 3; use `run_id=`", fixable=True)
            return rename_keyword(node, "run_uuid", "run_id")
        return None

    def string(self, ctx, node):
        text = node.value
        if "run_uuid" not in text:
            return None
        new = FILTER_QUOTED.sub(lambda m: f"{m.group(1)}.{m.group(2)}run_id{m.group(2)}", FILTER.sub(
            lambda m: f"{m.group(1)}.run_id", text))
        if new == text:
            return None
        ctx.report(self, "search filter uses `run_uuid`, which MLflow 3 no longer accepts; use `run_id`",
                   fixable=True)
        return node.with_changes(value=new)
