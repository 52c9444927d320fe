"""What a name or attribute holds where it is used: per scope, with reassignment (libcst's ScopeProvider).

A rule that rewrites ``x.list_experiments()`` must know that ``x`` is an ``MlflowClient`` *at that line*: not
because some earlier line of the file assigned one to a name ``x`` (maybe in another function, maybe reassigned
since). Each use resolves to the assignments that reach it (libcst: same scope and earlier, else the enclosing
scope), minus those overwritten by a later assignment in the same or an enclosing block; their values give the
kind:

* ``CLIENT`` / ``GATEWAY``: an ``MlflowClient`` / ``MlflowGatewayClient`` for certain,
* ``MLFLOW``: some other object an MLflow API returned (a run, a RunInfo, a search result...),
* ``OTHER``: certainly not MLflow's (a literal, an instance of a class defined here, ``self``, an annotated
  parameter of another type),
* ``None``: unknown (a parameter, a call into other code, assignments that disagree). Rules flag, not rewrite.

The analysis runs only when a rule asks (files with a trigger word and a method call on a name), since the
scope analysis costs several times the parse.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
from libcst.metadata import MetadataWrapper, ScopeProvider
from libcst.metadata.scope_provider import Assignment, BuiltinAssignment, ImportAssignment

CLIENT = "client"
GATEWAY = "gateway"
MLFLOW = "mlflow"
OTHER = "other"

CLIENT_QNAMES = frozenset({
    "mlflow.MlflowClient",
    "mlflow.tracking.MlflowClient",
    "mlflow.tracking.client.MlflowClient",
    "mlflow.client.MlflowClient",
})
GATEWAY_CLIENT_QNAMES = frozenset({"mlflow.gateway.MlflowGatewayClient", "mlflow.gateway.client.MlflowGatewayClient"})
_LITERALS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Integer, cst.Float, cst.Imaginary,
             cst.List, cst.Tuple, cst.Dict, cst.Set, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp,
             cst.Lambda, cst.Comparison, cst.BinaryOperation, cst.UnaryOperation)
_MAX_HOPS = 8  # `a = b; b = c; ...`: give up (unknown) past this many indirections


class _Facts(cst.CSTVisitor):
    """One pass over the module: the value behind each assignment target, and the block each one sits in."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[int] = []
        self.block_of: dict[int, tuple[int, ...]] = {}  # id(binding node) -> ids of the enclosing blocks
        self.value_of: dict[int, tuple[str, cst.BaseExpression | None]] = {}  # id(target) -> (how, value)
        self.attribute_values: dict[str, list[cst.BaseExpression | None]] = {}  # "self.client" -> values
        self.user_attributes: set[str] = set()  # attribute names this file's own objects carry
        self.self_params: set[int] = set()  # id(Param) of methods' first parameters
        self._classes: list[int] = []

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.blocks.append(id(node))

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.blocks.pop()

    def _bind(self, target: cst.BaseExpression, how: str, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            self.value_of[id(target)] = (how, value)
            self.block_of[id(target)] = tuple(self.blocks)
        elif isinstance(target, (cst.Tuple, cst.List)):  # unpacking: each part's value is unknown
            for element in target.elements:
                self._bind(element.value, "unpack", None)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, "unpack", None)
        elif isinstance(target, cst.Attribute):
            self.user_attributes.add(target.attr.value)
            key = _dotted(target)
            if key:
                self.attribute_values.setdefault(key, []).append(value if how == "assign" else None)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, "assign", node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target, "assign" if node.value is not None else "annotation", node.value)
        if self._classes and isinstance(node.target, cst.Name):  # a dataclass-style field
            self.user_attributes.add(node.target.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target, "augment", None)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, "iterate", node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(node.target, "iterate", node.iter)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, "with", node.item)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, "assign", node.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(id(node))
        for stmt in node.body.body if isinstance(node.body, cst.IndentedBlock) else ():
            if isinstance(stmt, cst.FunctionDef) and stmt.params.params:
                self.self_params.add(id(stmt.params.params[0]))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.block_of[id(node)] = tuple(self.blocks)


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _combine(kinds: set[str | None]) -> str | None:
    return next(iter(kinds)) if len(kinds) == 1 else None


class Receivers:
    """Kinds of expressions of one module; ``qname`` resolves a callee through the module's imports."""

    def __init__(self, module: cst.Module, qname: Callable[[cst.CSTNode], str | None]) -> None:
        self.qname = qname
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)  # keep node identity with the transformer
        self.scopes = wrapper.resolve(ScopeProvider)
        self.facts = _Facts()
        module.visit(self.facts)
        self._classes = {id(node) for node in self.scopes if isinstance(node, cst.ClassDef)}

    def kind_of(self, expr: cst.BaseExpression, hops: int = 0) -> str | None:
        if hops > _MAX_HOPS:
            return None
        if isinstance(expr, _LITERALS):
            return OTHER
        if isinstance(expr, cst.Name):
            if expr.value in ("True", "False", "None"):
                return OTHER
            return self.name_kind(expr, hops)
        if isinstance(expr, cst.Call):
            return self._call_kind(expr, hops)
        if isinstance(expr, cst.Attribute):
            base = self.kind_of(expr.value, hops + 1) if not self.qname(expr) else None
            if base in (CLIENT, GATEWAY, MLFLOW):
                return MLFLOW
            key = _dotted(expr)
            values = self.facts.attribute_values.get(key) if key else None
            if values:
                return _combine({self.kind_of(v, hops + 1) if v is not None else None for v in values})
            return None
        if isinstance(expr, cst.Subscript):
            return MLFLOW if self.kind_of(expr.value, hops + 1) == MLFLOW else None
        return None

    def _call_kind(self, call: cst.Call, hops: int) -> str | None:
        qname = self.qname(call.func)
        if qname in CLIENT_QNAMES:
            return CLIENT
        if qname in GATEWAY_CLIENT_QNAMES:
            return GATEWAY
        if qname and (qname == "mlflow" or qname.startswith("mlflow.")):
            return MLFLOW
        if isinstance(call.func, cst.Attribute):
            return MLFLOW if self.kind_of(call.func.value, hops + 1) in (CLIENT, GATEWAY, MLFLOW) else None
        if isinstance(call.func, cst.Name):
            referents = self._referents(call.func)
            if referents and all(isinstance(a, BuiltinAssignment) or
                                 (isinstance(a, Assignment) and isinstance(a.node, cst.ClassDef))
                                 for a in referents):
                return OTHER  # an instance of a class defined here, or of a builtin type
        return None

    def _referents(self, name: cst.Name) -> set:
        scope = self.scopes.get(name)
        if scope is None:
            return set()
        referents: set = set()
        for access in scope.accesses[name]:  # every access of that name in the scope: keep this node's own
            if access.node is name:
                referents |= set(access.referents)
        return referents

    def name_kind(self, name: cst.Name, hops: int = 0) -> str | None:
        referents = self._live(self._referents(name), self.scopes.get(name))
        if not referents:
            return None
        return _combine({self._assignment_kind(a, hops) for a in referents})

    def _live(self, referents: set, scope) -> list:
        """Drop assignments overwritten by a later one of the same scope in the same or an enclosing block."""
        live = []
        for a in referents:
            path = self._block(a)
            overwritten = a.scope is scope and path is not None and any(
                b is not a and b.scope is a.scope and getattr(b, "_index", -1) > getattr(a, "_index", -1)
                and (other := self._block(b)) is not None and path[:len(other)] == other
                for b in referents)
            if not overwritten:
                live.append(a)
        return live

    def _block(self, assignment) -> tuple[int, ...] | None:
        node = getattr(assignment, "node", None)
        return self.facts.block_of.get(id(node)) if node is not None else None

    def _assignment_kind(self, assignment, hops: int) -> str | None:
        if isinstance(assignment, BuiltinAssignment):
            return OTHER
        node = getattr(assignment, "node", None)
        if isinstance(assignment, ImportAssignment) or isinstance(node, (cst.Import, cst.ImportFrom)):
            return None
        if isinstance(node, (cst.ClassDef, cst.FunctionDef)):
            return OTHER
        if isinstance(node, cst.Param):
            return self._param_kind(node)
        fact = self.facts.value_of.get(id(node))
        if fact is None:
            return None
        how, value = fact
        if how == "assign" and value is not None:
            return self.kind_of(value, hops + 1)
        if how == "with" and value is not None:
            return MLFLOW if self.kind_of(value, hops + 1) == MLFLOW else None
        if how == "iterate" and value is not None:
            return MLFLOW if self.kind_of(value, hops + 1) in (MLFLOW, CLIENT) else None
        return None

    def _param_kind(self, param: cst.Param) -> str | None:
        if param.annotation is not None:
            annotation = param.annotation.annotation
            qname = self.qname(annotation)
            if qname in CLIENT_QNAMES:
                return CLIENT
            if qname and qname.startswith("mlflow."):
                return MLFLOW
            return OTHER if isinstance(annotation, (cst.Name, cst.Attribute)) else None
        if id(param) in self.facts.self_params:
            return OTHER  # `self`/`cls`: this file's own class
        return None
