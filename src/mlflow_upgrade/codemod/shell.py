"""Findings in shell lines (scripts, notebooks' ``!`` and ``%`` lines): used by the engine and by notebooks."""

from __future__ import annotations

from mlflow_upgrade.codemod.registry import RuleInfo, hook
from mlflow_upgrade.codemod.results import Finding


def shell_findings(path: str, lines: list[str], rules: list[RuleInfo], first_line: int = 1) -> list[Finding]:
    # lazy: python.py imports libcst (seconds on a busy machine)
    from mlflow_upgrade.codemod.python import Context

    ctx = Context(path=path)
    for _info, fn in hook(rules, "shell"):
        for offset, line in enumerate(lines):
            fn(ctx, line, first_line + offset)
    return ctx.findings
