"""MLU206: ``mlflow deployments start-server`` is not an MLflow 3 command."""

from __future__ import annotations

import re

from mlflow_upgrade.codemod.registry import Rule, register

COMMAND = re.compile(r"\bmlflow\s+deployments\s+start-server\b")
GATEWAY_ROUTES_CLI = re.compile(r"\bmlflow\s+gateway\s+(start)?\b.*--config-path")


@register
class DeploymentsStartServer(Rule):
    code = "MLU206"
    name = "deployments-start-server"
    summary = "`mlflow deployments start-server` was removed; use `mlflow gateway start`"
    fixable = "never"
    since = ("MLflow 3.0.0 removed `mlflow deployments start-server` (#15327); 3.17.2 starts the same AI gateway "
             "with `mlflow gateway start --config-path ... --host ... --port ... --workers ...` (itself "
             "deprecated in favour of the UI-based AI Gateway).")

    def shell(self, ctx, line: str, lineno: int) -> None:
        match = COMMAND.search(line)
        if match:
            suggestion = line[: match.start()] + "mlflow gateway start" + line[match.end():]
            ctx.report_at(self, lineno, match.start() + 1,
                          "`mlflow deployments start-server` does not exist in MLflow 3",
                          suggestion=f"`{suggestion.strip()}` (same options; the config must use `endpoints:`, "
                          "see MLU301)")
