"""MLU215: a name or keyword argument of MLflow's that the installed MLflow does not have.

The specific rules (MLU1xx/MLU2xx) know the replacement of what they report; this one is the net under them:
any ``mlflow.…`` name the code uses (attribute, import, imported name) that the installed MLflow lacks, and any
keyword argument that the installed function or class does not accept (no ``**kwargs``) — removed classes and
helpers used through their own names, removed keywords of flavor functions and of ``autolog``, renamed keywords.
The installed MLflow is the reference (the target of the upgrade): a name is looked up by importing its module
and reading the attribute, so the answer is the one the code will get at run time. A module that cannot be
imported for another reason (an optional dependency missing here) gives no finding.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import logging
import warnings
from importlib.metadata import version

import libcst as cst

from mlflow_upgrade.codemod.python import dotted
from mlflow_upgrade.codemod.registry import Rule, register

_MISSING = object()
_UNKNOWN = object()


def installed_version() -> str:
    return version("mlflow")


@functools.cache
def lookup(qname: str) -> object:
    """The object ``qname`` names in the installed MLflow, ``_MISSING`` when it has no such name, ``_UNKNOWN``
    when that cannot be told here (an optional dependency is missing, or importing failed)."""
    parts = qname.split(".")
    if parts[0] != "mlflow":
        return _UNKNOWN
    obj = _import("mlflow")
    for i in range(1, len(parts)):
        if obj is _UNKNOWN or obj is _MISSING:
            return obj
        module_name = ".".join(parts[: i + 1])
        try:
            with _quiet():
                obj = getattr(obj, parts[i])
            continue
        except AttributeError:
            pass
        except Exception:  # a lazy attribute whose import failed
            return _UNKNOWN
        obj = _import(module_name) if inspect.ismodule(obj) else _MISSING
    return obj


def _import(module_name: str) -> object:
    try:
        with _quiet():
            return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # the module itself is missing (vs. a dependency of it)
        return _MISSING if exc.name and module_name.startswith(exc.name) and exc.name.startswith("mlflow") \
            else _UNKNOWN
    except Exception:
        return _UNKNOWN


class _quiet:
    """Importing MLflow modules must not print: warnings and MLflow's log lines are silenced meanwhile."""

    def __enter__(self) -> None:
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore")
        self._level = logging.root.manager.disable
        logging.disable(logging.CRITICAL)

    def __exit__(self, *exc: object) -> None:
        logging.disable(self._level)
        self._warnings.__exit__(*exc)


@functools.cache
def accepted_keywords(qname: str) -> frozenset[str] | None:
    """Keyword names the installed ``qname`` accepts, or None when it takes ``**kwargs`` or has no signature."""
    obj = lookup(qname)
    if obj is _MISSING or obj is _UNKNOWN or not callable(obj):
        return None
    try:
        params = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return frozenset(p.name for p in params if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                         inspect.Parameter.KEYWORD_ONLY))


@functools.cache
def positional_limit(qname: str) -> int | None:
    """How many positional arguments the installed ``qname`` takes, or None (``*args``, or no signature)."""
    obj = lookup(qname)
    if obj is _MISSING or obj is _UNKNOWN or not callable(obj):
        return None
    try:
        params = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return None
    return sum(p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
               for p in params)


@register
class MissingInInstalled(Rule):
    code = "MLU215"
    name = "not-in-installed-mlflow"
    summary = "a name or keyword argument of MLflow's that the installed MLflow does not have"
    fixable = "never"
    since = ("Every release removes or renames some names and keyword arguments; the installed MLflow (the "
             "upgrade's target, 3.17.2 here) is the reference. Names other rules report with a replacement are "
             "left to them.")

    def _missing(self, ctx, qname: str, node: cst.CSTNode | None = None) -> bool:
        """Report ``qname`` when it is the first missing component of its chain."""
        if lookup(qname) is not _MISSING:
            return False
        parent = qname.rsplit(".", 1)[0]
        owner = lookup(parent)
        if owner is _MISSING:
            return True  # reported at the parent
        if not (inspect.ismodule(owner) or inspect.isclass(owner)):
            return False  # an attribute set on a function or object at run time (a mock's `assert_called`)
        if not _already_reported(ctx, node):
            ctx.report(self, f"`{qname}` does not exist in MLflow {installed_version()} (the installed MLflow)",
                       node=node, suggestion="see MLflow's changelog for its replacement; a private `_name` has "
                       "no compatibility promise")
        return True

    def attribute(self, ctx, node: cst.Attribute, qname: str | None) -> None:
        if qname and qname.startswith("mlflow."):
            self._missing(ctx, qname)

    def import_(self, ctx, node: cst.Import) -> None:
        node = ctx.original  # positions and other rules' reports refer to the original nodes
        for alias in node.names:
            name = dotted(alias.name)
            if name and name.startswith("mlflow."):
                self._missing(ctx, name, alias)

    def import_from(self, ctx, node: cst.ImportFrom) -> None:
        node = ctx.original
        module = dotted(node.module) if node.module is not None and not node.relative else None
        if not module or not (module == "mlflow" or module.startswith("mlflow.")):
            return
        if module != "mlflow" and self._missing(ctx, module):
            return
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            self._missing(ctx, f"{module}.{dotted(alias.name)}", alias)

    def call(self, ctx, node: cst.Call, qname: str | None) -> None:
        if not qname or not qname.startswith("mlflow.") or lookup(qname) in (_MISSING, _UNKNOWN):
            return
        args = ctx.original.args if isinstance(ctx.original, cst.Call) else node.args
        most = positional_limit(qname)
        given = [a for a in args if a.keyword is None and not a.star]
        if most is not None and len(given) > most and not any(a.star for a in args):
            ctx.report(self, f"`{qname}` takes at most {most} positional argument{'s' if most != 1 else ''} in "
                       f"MLflow {installed_version()} ({len(given)} given): the call raises TypeError", node=given[most],
                       suggestion="pass the later arguments by keyword, with the names of the installed release")
        accepted = accepted_keywords(qname)
        if accepted is None:
            return
        for arg in args:
            if arg.keyword is not None and arg.keyword.value not in accepted and not _already_reported(ctx, arg):
                ctx.report(self, f"`{qname}` has no parameter `{arg.keyword.value}` in MLflow "
                           f"{installed_version()}: the call raises TypeError", node=arg,
                           suggestion="remove it or use the parameter that replaced it (see the function's "
                           "documentation)")


def _already_reported(ctx, node: cst.CSTNode | None) -> bool:
    """Did a specific rule report this node (or, for a keyword, its call) already?"""
    target = node if node is not None else ctx.original
    return any(n is target or n is ctx.original for _finding, n in ctx.pending)
