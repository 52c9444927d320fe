"""MLU205: the AI gateway *routes* client APIs (``mlflow.gateway.query``, ``MlflowGatewayClient``...) are gone."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.python import dotted
from mlflow_upgrade.codemod.receivers import GATEWAY
from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._helpers import method_name

# removed name -> what to call on `client = mlflow.deployments.get_deploy_client(<gateway uri>)`
REPLACEMENTS = {
    "query": "client.predict(endpoint=<route>, inputs=<data>)",
    "get_route": "client.get_endpoint(<name>)",
    "search_routes": "client.list_endpoints()",
    "create_route": "define the endpoint in the gateway config file (`endpoints:`) or `client.create_endpoint`",
    "delete_route": "remove the endpoint from the gateway config file or `client.delete_endpoint(<name>)`",
    "set_limits": "`limit:` on the endpoint in the gateway config file",
    "get_limits": "`limit:` on the endpoint in the gateway config file",
    "MlflowGatewayClient": "mlflow.deployments.get_deploy_client(<gateway uri>)",
}
MODULES = ("mlflow.gateway", "mlflow.gateway.fluent", "mlflow.gateway.client")


@register
class GatewayRoutes(Rule):
    code = "MLU205"
    name = "gateway-routes"
    summary = "`mlflow.gateway` route APIs were removed; use the deployments client and endpoints"
    fixable = "never"
    triggers = ("gateway",)  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 2.x deprecated the `mlflow.gateway` client (`query`, `get_route`, `search_routes`, "
             "`MlflowGatewayClient`...) for `mlflow.deployments`; MLflow 3.x keeps only `get_gateway_uri` and "
             "`set_gateway_uri` in `mlflow.gateway`.")

    def _report(self, ctx, what: str, name: str) -> None:
        ctx.report(self, f"`{what}` was removed from MLflow (gateway routes became deployments endpoints)",
                   suggestion=f"with `client = mlflow.deployments.get_deploy_client(<gateway uri>)`: "
                   f"{REPLACEMENTS[name]}")

    def import_from(self, ctx, node: cst.ImportFrom) -> None:
        module = dotted(node.module) if node.module is not None and not node.relative else None
        if module not in MODULES or isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = dotted(alias.name)
            if name in REPLACEMENTS:
                self._report(ctx, f"{module}.{name}", name)

    def call(self, ctx, node: cst.Call, qname: str | None) -> None:
        if qname:
            module, _, name = qname.rpartition(".")
            if module in MODULES and name in REPLACEMENTS and isinstance(node.func, cst.Attribute):
                self._report(ctx, qname, name)  # bare names were reported at their import
                return
        if method_name(node) in REPLACEMENTS and ctx.receiver(node) == GATEWAY:
            self._report(ctx, f"MlflowGatewayClient.{method_name(node)}", method_name(node))
