"""MLU201: ``log_model(artifact_path=...)`` → ``log_model(name=...)`` for flavors whose 3.x API has ``name``."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.python import code_of
from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import (
    has_star,
    keyword,
    positional,
    positional_to_keyword,
    rename_keyword,
    string_value,
)

# flavor -> index of `artifact_path` among the positional parameters of `log_model`, read from MLflow 3.17.2
# (tests/codemod/test_mlu201_log_model_name.py checks this table against the installed MLflow). Only flavors
# whose 3.x `log_model` has a `name` parameter are listed: `mlflow.spark.log_model` still takes
# `artifact_path` only, so it is deliberately absent, as is `Model.log`.
NAME_FLAVORS: dict[str, int] = {
    "catboost": 1, "dspy": 1, "h2o": 1, "johnsnowlabs": 1, "keras": 1, "langchain": 1, "lightgbm": 1,
    "llama_index": 1, "onnx": 1, "openai": 2, "paddle": 1, "pmdarima": 1, "prophet": 1, "pyfunc": 0,
    "pytorch": 1, "sentence_transformers": 1, "sklearn": 1, "spacy": 1, "statsmodels": 1, "tensorflow": 1,
    "transformers": 1, "xgboost": 1,
}
# `mlflow.tensorflow.log_model` had a different positional order in 1.x (tf_saved_model_dir, tf_meta_graph_tags,
# tf_signature_def_key, artifact_path): a positional path there is not rewritten.
UNSURE_POSITIONAL = frozenset({"tensorflow"})
# MLflow 3 validates the name of a LoggedModel (mlflow.utils.validation._validate_logged_model_name); 3.17.2 uses
# `name = name or artifact_path`, so a path with these characters fails either way and needs a new name.
BAD_NAME_CHARS = ("/", ":", ".", "%", '"', "'")


def flavor_of(qname: str | None) -> str | None:
    if not qname or not qname.startswith("mlflow.") or not qname.endswith(".log_model"):
        return None
    parts = qname.split(".")
    return parts[1] if len(parts) == 3 else None


@register
class LogModelName(Rule):
    code = "MLU201"
    name = "log-model-name"
    summary = "`log_model(artifact_path=...)` is deprecated in MLflow 3; pass `name=`"
    fixable = "sometimes"
    triggers = ("log_model",)  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 3.0.0 made models first-class (LoggedModel): `mlflow.<flavor>.log_model` takes `name`, "
             "and `artifact_path` is deprecated (still accepted with a warning in 3.17.2).")

    def call(self, ctx, node: cst.Call, qname: str | None) -> cst.Call | None:
        flavor = flavor_of(qname)
        if flavor not in NAME_FLAVORS or keyword(node, "name") is not None:
            return None
        path_arg = keyword(node, "artifact_path")
        if path_arg is None and len(positional(node)) > NAME_FLAVORS[flavor] and not has_star(node):
            path_arg = positional(node)[NAME_FLAVORS[flavor]]
        literal = _static_text(path_arg.value) if path_arg is not None else None
        if literal is not None and (not literal or any(c in literal for c in BAD_NAME_CHARS)):
            shown = code_of(path_arg.value) if not isinstance(path_arg.value, cst.SimpleString) else repr(literal)
            ctx.report(self, f"`mlflow.{flavor}.log_model`: {shown} is not a valid model name in MLflow 3 "
                       "(no / : . % or quotes); logging fails with it as `artifact_path` or `name`",
                       suggestion=f"pass a plain name, e.g. `name={_plain(literal)!r}`")
            return None
        if keyword(node, "artifact_path") is not None:
            ctx.report(self, f"`mlflow.{flavor}.log_model(artifact_path=...)` is deprecated in MLflow 3; use "
                       "`name=`", fixable=True)
            return rename_keyword(node, "artifact_path", "name")
        index = NAME_FLAVORS[flavor]
        args = positional(node)
        if len(args) <= index or has_star(node):
            return None
        if len(args) == index + 1 and flavor not in UNSURE_POSITIONAL:
            ctx.report(self, f"`mlflow.{flavor}.log_model` takes the model name as `name=` in MLflow 3 "
                       "(the positional argument is the deprecated `artifact_path`)", fixable=True)
            return positional_to_keyword(node, index, "name")
        ctx.report(self, f"`mlflow.{flavor}.log_model`: the positional argument {index + 1} is the deprecated "
                   "`artifact_path`", suggestion="pass it as `name=...` and the following arguments by keyword")
        return None


def _plain(path: str) -> str:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    for char in BAD_NAME_CHARS:
        name = name.replace(char, "-")
    return name or "model"


def _static_text(node: cst.BaseExpression) -> str | None:
    """The literal text of a string (for an f-string or a concatenation: its constant parts), else None."""
    if isinstance(node, cst.SimpleString):
        return string_value(node)
    if isinstance(node, cst.FormattedString):
        text = "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText))
        return text if any(c in text for c in BAD_NAME_CHARS) else None  # `f"{x}"` alone may be valid
    if isinstance(node, cst.ConcatenatedString):
        left, right = _static_text(node.left), _static_text(node.right)
        return None if left is None and right is None else (left or "") + (right or "")
    return None
