"""Small libcst helpers shared by the rules."""

from __future__ import annotations

import libcst as cst

from mlflow_upgrade.codemod.python import code_of


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def has_star(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def rename_keyword(call: cst.Call, old: str, new: str) -> cst.Call:
    return call.with_changes(args=[
        arg.with_changes(keyword=cst.Name(new)) if arg.keyword is not None and arg.keyword.value == old else arg
        for arg in call.args
    ])


def remove_keyword(call: cst.Call, name: str) -> cst.Call:
    """Drop one keyword argument, keeping the comma layout of the remaining ones."""
    args = list(call.args)
    index = next(i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value == name)
    removed = args.pop(index)
    if args and index == len(args):  # removed the last one: the new last takes its trailing comma
        args[-1] = args[-1].with_changes(comma=removed.comma)
    return call.with_changes(args=args)


def positional_to_keyword(call: cst.Call, index: int, name: str) -> cst.Call:
    args = list(call.args)
    pos = [i for i, a in enumerate(args) if a.keyword is None and not a.star]
    i = pos[index]
    args[i] = args[i].with_changes(keyword=cst.Name(name), equal=cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))
    return call.with_changes(args=args)


def method_name(call: cst.Call) -> str | None:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def short(node: cst.CSTNode, limit: int = 60) -> str:
    text = " ".join(code_of(node).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # bytes or odd prefixes
            return None
        return value if isinstance(value, str) else None
    return None
