"""MLU216: ``mlflow`` is used but not imported in the file (a Databricks ``%run`` notebook provides it)."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.python import dotted
from mlflow_upgrade.codemod.registry import Rule, register


@register
class ImportNotVisible(Rule):
    code = "MLU216"
    name = "import-not-visible"
    summary = "`mlflow` is used without a visible import; the rules assumed it is MLflow"
    fixable = "never"
    since = ("Databricks notebooks often get `mlflow` (and other names) from `%run ./setup` or the runtime; "
             "rules resolve names through the file's imports, so this says what they assumed.")

    def attribute(self, ctx, node: cst.Attribute, qname: str | None) -> None:
        if not ctx.implicit_mlflow or getattr(ctx, "_mlu216_done", False) or not qname:
            return
        written = dotted(node)
        if not written or not written.startswith("mlflow."):  # `pyfunc.x` after `from mlflow import pyfunc`
            return
        ctx._mlu216_done = True  # once per file
        where = f"`{ctx.implicit_source}`" if ctx.implicit_source else "the environment (not this file)"
        ctx.report(self, f"`mlflow` is not imported in this file: it comes from {where}; the rules read it as "
                   "MLflow, but names that file defines (clients, helpers) could not be checked",
                   suggestion="add `import mlflow` here, or run the codemod on the notebook that defines them too")
