"""MLU107: ``mlflow.projects.run(use_conda=..., skip_image_build=...)`` → ``env_manager=``/``build_image=``."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import keyword

RUN = frozenset({"mlflow.run", "mlflow.projects.run"})


def _bool(node: cst.BaseExpression) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def _replace(call: cst.Call, old: str, new: str, value: cst.BaseExpression) -> cst.Call:
    return call.with_changes(args=[
        arg.with_changes(keyword=cst.Name(new), value=value) if arg.keyword is not None and arg.keyword.value == old
        else arg for arg in call.args
    ])


@register
class ProjectsRunEnv(Rule):
    code = "MLU107"
    name = "projects-run-env"
    summary = "`mlflow.run(use_conda=..., skip_image_build=...)` were removed in MLflow 2.0"
    fixable = "sometimes"
    triggers = ("use_conda", "skip_image_build")  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 2.0.0 removed `use_conda` (1.30.1: `env_manager = 'conda' if use_conda else 'local'`) and "
             "`skip_image_build` (replaced by `build_image`, whose default does not build) from "
             "`mlflow.projects.run`.")

    def call(self, ctx, node: cst.Call, qname: str | None) -> cst.Call | None:
        if qname not in RUN:
            return None
        node = self._flag(ctx, node, "use_conda", "env_manager",
                          lambda flag: cst.SimpleString('"conda"' if flag else '"local"'),
                          '`env_manager="conda"` where use_conda was true, `env_manager="local"` where it was false')
        return self._flag(ctx, node, "skip_image_build", "build_image",
                          lambda flag: cst.Name("False" if flag else "True"), "`build_image=not <skip_image_build>`")

    def _flag(self, ctx, node: cst.Call, old: str, new: str, value: Callable[[bool], cst.BaseExpression],
              suggestion: str) -> cst.Call:
        """The removed boolean keyword ``old``: rewritten to ``new`` when it is a literal and ``new`` is not
        given already, else reported with ``suggestion``."""
        arg = keyword(node, old)
        if arg is None:
            return node
        flag = _bool(arg.value)
        if flag is not None and keyword(node, new) is None:
            ctx.report(self, f"`{old}` was removed in MLflow 2.0; use `{new}=`", fixable=True)
            return _replace(node, old, new, value(flag))
        ctx.report(self, f"`{old}` was removed in MLflow 2.0", suggestion=suggestion)
        return node
