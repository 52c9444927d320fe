"""Small `ast` helpers shared by the migration walker: literals, call names, receivers."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any


def _src(node: ast.AST | None) -> str:
    return "" if node is None else ast.unparse(node)


def _literal(node: ast.AST | None) -> Any:
    try:
        return ast.literal_eval(node) if node is not None else None
    except (ValueError, SyntaxError, TypeError):
        return None


def _kwarg(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _arg(call: ast.Call, index: int, name: str | None = None) -> ast.expr | None:
    if name is not None and (found := _kwarg(call, name)) is not None:
        return found
    return call.args[index] if len(call.args) > index else None


def _call_name(node: ast.AST) -> str:
    """`sa.Column` -> "Column", `String` -> "String"."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _root(node: ast.AST) -> ast.AST:
    """Innermost receiver of a chain like `session.query(X).filter(...).update(...)`."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        else:
            return node


def _chain_attrs(node: ast.AST) -> list[str]:
    names = []
    while isinstance(node, ast.Call | ast.Attribute | ast.Subscript):
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
        node = node.func if isinstance(node, ast.Call) else node.value
    return names


def _is_op(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "op"


def _is_get_bind(node: ast.AST) -> bool:
    """`op.get_bind()`, `op.get_context().bind`, `context.get_bind()`, and `.engine`/`.connection`."""
    if isinstance(node, ast.Attribute) and node.attr in {"engine", "connection", "bind"}:
        return _is_get_bind(node.value) or (node.attr == "bind" and _is_context(node.value))
    return isinstance(node, ast.Call) and _call_name(node) == "get_bind"


def _is_context(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _call_name(node) == "get_context"


def _calls_in(node: ast.AST) -> Iterator[ast.Call]:
    """Calls inside `node`, not descending into nested function or class definitions."""
    stack = [node]
    while stack:
        current = stack.pop(0)
        if isinstance(current, ast.Call):
            yield current
        if isinstance(current, ast.FunctionDef | ast.ClassDef | ast.Lambda):
            continue
        stack.extend(ast.iter_child_nodes(current))


def _kind_from_name(name: str) -> str | None:
    lowered = name.lower()
    if "session" in lowered:
        return "session"
    if lowered in {"conn", "connection", "bind", "connectable", "engine"}:
        return "bind"
    return None
