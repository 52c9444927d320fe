"""MLU210: ``example_no_conversion`` was dropped from ``log_model``/``save_model``."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import keyword, remove_keyword


@register
class ExampleNoConversion(Rule):
    code = "MLU210"
    name = "example-no-conversion"
    summary = "`example_no_conversion` was removed from `log_model`/`save_model`; delete it"
    fixable = "always"
    triggers = ("example_no_conversion",)  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 2.x (pyfunc, transformers, sentence_transformers, promptflow) deprecated "
             "`example_no_conversion` (\"no longer used and can be safely removed\" in 2.22); MLflow 3.0.0 "
             "removed it: `mlflow.pyfunc.log_model` raises TypeError on it.")

    def call(self, ctx, node: cst.Call, qname: str | None) -> cst.Call | None:
        if not qname or not qname.startswith("mlflow.") or not qname.endswith((".log_model", ".save_model")):
            return None
        if keyword(node, "example_no_conversion") is None:
            return None
        ctx.report(self, "`example_no_conversion` was removed in MLflow 3 (input examples are never converted)",
                   fixable=True)
        return remove_keyword(node, "example_no_conversion")
