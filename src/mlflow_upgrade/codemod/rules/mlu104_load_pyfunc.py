"""MLU104: ``mlflow.pyfunc.load_pyfunc`` → ``mlflow.pyfunc.load_model``."""

from __future__ import annotations

from typing import ClassVar

from mlflow_upgrade.codemod.registry import Rule, register


@register
class LoadPyfunc(Rule):
    code = "MLU104"
    name = "load-pyfunc"
    summary = "`mlflow.pyfunc.load_pyfunc` is deprecated; use `mlflow.pyfunc.load_model`"
    fixable = "always"
    triggers = ("load_pyfunc",)  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 1.0 deprecated `mlflow.pyfunc.load_pyfunc(model_uri, suppress_warnings)` for "
             "`load_model` (same leading parameters); 3.17.2 still warns on every call.")
    renames: ClassVar[dict[str, str]] = {"mlflow.pyfunc.load_pyfunc": "load_model"}
    rename_message = "`{old}` is deprecated since MLflow 1.0; use `{new}` (same arguments)"
