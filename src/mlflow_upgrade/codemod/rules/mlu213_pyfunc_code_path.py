"""MLU213: ``mlflow.pyfunc.log_model/save_model(code_path=...)`` → ``code_paths=``."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import keyword, rename_keyword

QNAMES = frozenset({"mlflow.pyfunc.log_model", "mlflow.pyfunc.save_model"})


@register
class PyfuncCodePath(Rule):
    code = "MLU213"
    name = "pyfunc-code-path"
    summary = "`mlflow.pyfunc.log_model(code_path=...)` was renamed `code_paths=`"
    fixable = "sometimes"
    triggers = ("code_path",)  # text pre-filter: the file is parsed only if one occurs
    since = ("`mlflow.pyfunc.log_model`/`save_model` took `code_path` (a list of paths) in 2.9.2, as every other "
             "flavor took `code_paths`; MLflow 3.x has only `code_paths` (same list), and no `**kwargs`.")

    def call(self, ctx, node: cst.Call, qname: str | None) -> cst.Call | None:
        if qname not in QNAMES or keyword(node, "code_path") is None:
            return None
        if keyword(node, "code_paths") is not None:
            ctx.report(self, "`code_path` does not exist in MLflow 3 and `code_paths` is also given",
                       suggestion="merge both lists into `code_paths=[...]`")
            return None
        ctx.report(self, "`mlflow.pyfunc` `code_path=` was renamed `code_paths=` in MLflow 3", fixable=True)
        return rename_keyword(node, "code_path", "code_paths")
