"""Text configuration files: requirements, pyproject.toml, conda environments and AI gateway configs.

They are handled as text (line by line) so comments and layout survive; YAML is parsed only to decide what a
file is and to confirm a rewrite is safe.
"""

from __future__ import annotations

import re

from mlflow_upgrade.codemod.registry import RuleInfo, hook
from mlflow_upgrade.codemod.results import Finding

_GATEWAY_HINT = re.compile(r"^\s*-?\s*(route_type|endpoint_type)\s*:", re.MULTILINE)
_CONDA_HINT = re.compile(r"^dependencies\s*:", re.MULTILINE)


def yaml_kind(text: str) -> str:
    """``gateway`` (AI gateway config), ``conda`` (environment file) or ``yaml`` (anything else)."""
    if _GATEWAY_HINT.search(text):
        return "gateway"
    if _CONDA_HINT.search(text):
        return "conda"
    return "yaml"


def transform_config(path: str, kind: str, text: str, rules: list[RuleInfo]) -> tuple[str, list[Finding]]:
    # lazy: python.py imports libcst (seconds on a busy machine)
    from mlflow_upgrade.codemod.python import Context

    if kind == "yaml":
        kind = yaml_kind(text)
    ctx = Context(path=path)
    for _info, fn in hook(rules, "config"):
        new = fn(ctx, kind, text)
        if new is not None:
            text = new
    return text, ctx.findings
