"""MLU301: AI gateway config files: ``routes:`` → ``endpoints:``, ``route_type`` → ``endpoint_type``."""

from __future__ import annotations

import re

from mlflow_upgrade.codemod.registry import Rule, register

ROUTES = re.compile(r"^routes(\s*:)", re.MULTILINE)
ROUTE_TYPE = re.compile(r"^(\s*-?\s*)route_type(\s*:)", re.MULTILINE)


@register
class GatewayConfig(Rule):
    code = "MLU301"
    name = "gateway-config-routes"
    summary = "gateway config: `routes:`/`route_type:` (2.x schema) must be `endpoints:`/`endpoint_type:`"
    fixable = "always"
    since = ("MLflow 2.x renamed the AI gateway config keys `routes` → `endpoints` and `route_type` → "
             "`endpoint_type` (2.9.2 accepts both); MLflow 3.0 removed the old keys (#15331): in 3.17.2 "
             "`route_type` is rejected and a top-level `routes:` now means traffic-split routes "
             "(`task_type`, `destinations`).")

    def config(self, ctx, kind: str, text: str) -> str | None:
        if kind != "gateway" or not ROUTE_TYPE.search(text):
            return None
        if not _is_legacy(text):
            return None
        new = text
        for match in ROUTES.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            ctx.report_at(self, line, 1, "top-level `routes:` is the 2.x gateway schema; MLflow 3 reads "
                          "`endpoints:`", fixable=True)
        new = ROUTES.sub(r"endpoints\1", new)
        for match in ROUTE_TYPE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            ctx.report_at(self, line, len(match.group(1)) + 1, "`route_type` is rejected by MLflow 3; use "
                          "`endpoint_type`", fixable=True)
        return ROUTE_TYPE.sub(r"\1endpoint_type\2", new)


def _is_legacy(text: str) -> bool:
    """Only a mapping whose `routes`/`endpoints` entries carry `route_type` is rewritten."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    if not isinstance(data, dict):
        return False
    entries = (data.get("routes") or []) + (data.get("endpoints") or []) \
        if isinstance(data.get("routes") or [], list) and isinstance(data.get("endpoints") or [], list) else []
    return any(isinstance(e, dict) and "route_type" in e for e in entries)
