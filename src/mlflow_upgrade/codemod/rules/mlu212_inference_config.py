"""MLU212: ``mlflow.transformers`` lost ``inference_config``; use ``model_config``."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import keyword, rename_keyword

QNAMES = frozenset({"mlflow.transformers.log_model", "mlflow.transformers.save_model"})


@register
class InferenceConfig(Rule):
    code = "MLU212"
    name = "transformers-inference-config"
    summary = "`mlflow.transformers.log_model(inference_config=...)` was removed; use `model_config=`"
    fixable = "sometimes"
    triggers = ("inference_config",)  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 2.x deprecated `inference_config` of the transformers flavor in favour of `model_config`; "
             "MLflow 3.0 removed it from `mlflow.transformers` (sentence_transformers keeps its own).")

    def call(self, ctx, node: cst.Call, qname: str | None) -> cst.Call | None:
        if qname not in QNAMES or keyword(node, "inference_config") is None:
            return None
        if keyword(node, "model_config") is not None:
            ctx.report(self, "`inference_config` was removed in MLflow 3 and `model_config` is also given",
                       suggestion="merge both dicts into `model_config=`")
            return None
        ctx.report(self, "`mlflow.transformers` `inference_config=` was removed in MLflow 3; use `model_config=`",
                   fixable=True)
        return rename_keyword(node, "inference_config", "model_config")
