"""MLU107: ``mlflow.projects.run(use_conda=..., skip_image_build=...)`` → ``env_manager=``/``build_image=``."""

from __future__ import annotations

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
        use_conda = keyword(node, "use_conda")
        if use_conda is not None:
            flag = _bool(use_conda.value)
            if flag is not None and keyword(node, "env_manager") is None:
                ctx.report(self, "`use_conda` was removed in MLflow 2.0; use `env_manager=`", fixable=True)
                node = _replace(node, "use_conda", "env_manager", cst.SimpleString('"conda"' if flag else '"local"'))
            else:
                ctx.report(self, "`use_conda` was removed in MLflow 2.0",
                           suggestion='`env_manager="conda"` where use_conda was true, `env_manager="local"` '
                           "where it was false")
        skip = keyword(node, "skip_image_build")
        if skip is not None:
            flag = _bool(skip.value)
            if flag is not None and keyword(node, "build_image") is None:
                ctx.report(self, "`skip_image_build` was removed in MLflow 2.0; use `build_image=`", fixable=True)
                node = _replace(node, "skip_image_build", "build_image", cst.Name("False" if flag else "True"))
            else:
                ctx.report(self, "`skip_image_build` was removed in MLflow 2.0",
                           suggestion="`build_image=not <skip_image_build>`")
        return node
