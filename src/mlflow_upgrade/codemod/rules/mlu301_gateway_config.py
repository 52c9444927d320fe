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
        if kind != "gateway":
            return None
        data = _load(text)
        if data is None:
            return None
        old_routes = _old_routes(data.get("routes"))
        old_keys = any("route_type" in entry for entry in _entries(data))
        new = text
        if old_routes:
            both = "endpoints" in data
            for match in ROUTES.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                if both:
                    ctx.report_at(self, line, 1, "top-level `routes:` holds 2.x endpoint entries, and `endpoints:` "
                                  "exists too; MLflow 3 reads `routes:` as traffic-split routes",
                                  suggestion="move these entries under `endpoints:`")
                else:
                    ctx.report_at(self, line, 1, "top-level `routes:` is the 2.x gateway schema; MLflow 3 reads "
                                  "`endpoints:`", fixable=True)
            if not both:
                new = ROUTES.sub(r"endpoints\1", new)
        if old_keys:
            for match in ROUTE_TYPE.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                ctx.report_at(self, line, len(match.group(1)) + 1, "`route_type` is rejected by MLflow 3; use "
                              "`endpoint_type`", fixable=True)
            new = ROUTE_TYPE.sub(r"\1endpoint_type\2", new)
        return new if new != text else None


def _load(text: str) -> dict | None:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def _entries(data: dict) -> list[dict]:
    entries = []
    for key in ("routes", "endpoints"):
        if isinstance(data.get(key), list):
            entries.extend(e for e in data[key] if isinstance(e, dict))
    return entries


def _old_routes(routes: object) -> bool:
    """A top-level `routes:` list of 2.x endpoint entries (with `route_type` or already `endpoint_type`), not
    3.x traffic-split routes (`task_type`, `destinations`)."""
    if not isinstance(routes, list):
        return False
    entries = [e for e in routes if isinstance(e, dict)]
    return bool(entries) and all(("route_type" in e or "endpoint_type" in e) and "destinations" not in e
                                 for e in entries)
