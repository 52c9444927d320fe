"""MLU214: ``ModelInfo.signature_dict`` was removed."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import short


@register
class SignatureDict(Rule):
    code = "MLU214"
    name = "model-info-signature-dict"
    summary = "`ModelInfo.signature_dict` was removed in MLflow 3; use `ModelInfo.signature`"
    fixable = "never"
    triggers = ("signature_dict",)  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 1.28.1 deprecated `ModelInfo.signature_dict` (a FutureWarning in 2.9.2) for `signature`; "
             "MLflow 3.x removed it.")

    def attribute(self, ctx, node: cst.Attribute, qname: str | None) -> None:
        if node.attr.value == "signature_dict":
            base = short(node.value, 40)
            ctx.report(self, "`ModelInfo.signature_dict` was removed in MLflow 3",
                       suggestion=f"`{base}.signature.to_dict() if {base}.signature else None` (the old property "
                       "returned None without a signature)")
