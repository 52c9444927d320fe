"""Shared logic of the "removed module" rules: report imports and attribute uses of a removed module."""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from mlflow_upgrade.codemod.python import dotted


class RemovedModules:
    modules: ClassVar[dict[str, str]] = {}  # module -> suggestion
    verb: ClassVar[str] = "was removed in MLflow 3.0"

    def _match(self, name: str | None) -> str | None:
        if not name:
            return None
        for module in self.modules:
            if name == module or name.startswith(module + "."):
                return module
        return None

    def _report(self, ctx, module: str, node) -> None:
        ctx.report(self, f"`{module}` {self.verb}", node=node, suggestion=self.modules[module])

    def import_(self, ctx, node: cst.Import) -> None:
        for alias in node.names:
            module = self._match(dotted(alias.name))
            if module:
                self._report(ctx, module, None)

    def import_from(self, ctx, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None:
            return
        base = dotted(node.module)
        module = self._match(base)
        if module:
            self._report(ctx, module, None)
            return
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            module = self._match(f"{base}.{dotted(alias.name)}")
            if module:
                self._report(ctx, module, None)

    def attribute(self, ctx, node: cst.Attribute, qname: str | None) -> None:
        module = self._match(qname)
        if module:
            self._report(ctx, module, None)
