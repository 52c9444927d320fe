"""The libcst pass: one transformer walks a module once and dispatches nodes to the rules' hooks.

Names are resolved through the module's imports (``import mlflow as mf``, ``from mlflow import pyfunc``,
``from mlflow.sklearn import log_model as lm``), not through libcst's scope analysis, which costs ten times the
parse; positions are computed only for files that have findings.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst._nodes.internal import CodegenState

from mlflow_upgrade.codemod import receivers
from mlflow_upgrade.codemod.registry import RuleInfo, hook
from mlflow_upgrade.codemod.results import Finding, SourceError

_EMPTY = cst.Module(body=[])
CATCH_ALL = frozenset({"MLU215"})


def code_of(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node)


def dotted(node: cst.BaseExpression | None) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


@dataclass
class Context:
    """What a rule hook sees: the file, the node being rewritten, and where to report."""

    path: str
    transformer: Any = None
    original: cst.CSTNode | None = None
    findings: list[Finding] = field(default_factory=list)
    pending: list[tuple[Finding, cst.CSTNode | None]] = field(default_factory=list)
    module: cst.Module | None = None  # the original module (receivers are resolved on it, when first asked)
    # `mlflow` is used but never imported or assigned here: a Databricks `%run` notebook, an IPython startup
    # file or the notebook's earlier context provides it. The rules read it as MLflow, and MLU216 says so.
    implicit_mlflow: bool = False
    implicit_source: str | None = None  # the `%run ...` line that provides it, when there is one
    _receivers: receivers.Receivers | None = None

    def qname(self, node: cst.CSTNode) -> str | None:
        return self.transformer.qname(node)

    def kind_of(self, expr: cst.BaseExpression) -> str | None:
        """What ``expr`` (a node of the original module) holds: see :mod:`.receivers`; None when unknown."""
        if self.module is None:
            return None
        if self._receivers is None:
            self._receivers = receivers.Receivers(self.module, self.qname)
        return self._receivers.kind_of(expr)

    def receiver(self, call: cst.Call) -> str | None:
        """The kind of the object whose method ``call`` calls (``receivers.CLIENT``, ``GATEWAY``, ``MLFLOW``,
        ``OTHER``), or None when unknown: rules rewrite on ``CLIENT`` only and flag on None."""
        original = self.original if isinstance(self.original, cst.Call) else call
        if not isinstance(original.func, cst.Attribute):
            return None
        return self.kind_of(original.func.value)

    def defines_attribute(self, name: str) -> bool:
        """Does this file give its own objects an attribute ``name`` (``self.name = ...``, a class field)?"""
        if self.module is None:
            return False
        if self._receivers is None:
            self._receivers = receivers.Receivers(self.module, self.qname)
        return name in self._receivers.facts.user_attributes

    def report(self, rule: Any, message: str, *, node: cst.CSTNode | None = None, suggestion: str | None = None,
               fixable: bool = False) -> None:
        """Report at ``node`` (default: the node being rewritten); the position is resolved at the end."""
        finding = Finding(rule.code, self.path, 0, 0, message, fixable=fixable, suggestion=suggestion)
        self.pending.append((finding, node if node is not None else self.original))

    def resolve_positions(self, module: cst.Module) -> None:
        if not self.pending:
            return
        positions = _positions(module, {id(node) for _, node in self.pending if node is not None})
        seen = set()
        for finding, node in self.pending:
            finding.line, finding.col = positions.get(id(node), (1, 1))
        # A catch-all rule (MLU215) yields to a specific rule's report at the same place (a call and its callee
        # start at the same position; the specific rule knows the replacement).
        specific = {(f.line, f.col) for f, _ in self.pending if f.code not in CATCH_ALL}
        for finding, _node in self.pending:
            if finding.code in CATCH_ALL and (finding.line, finding.col) in specific:
                continue
            key = (finding.code, finding.line, finding.col)
            if key in seen:  # `mlflow.recipes` and `mlflow.recipes.Recipe` start at the same place
                continue
            seen.add(key)
            self.findings.append(finding)
        self.pending.clear()

    def report_at(self, rule: Any, line: int, col: int, message: str, *, suggestion: str | None = None,
                  fixable: bool = False) -> None:
        """Report at an explicit position (text files: shell lines, config files)."""
        self.findings.append(Finding(rule.code, self.path, line, col, message, fixable=fixable,
                                     suggestion=suggestion))


class _TargetPositions(CodegenState):
    """A codegen pass that records (line, column) where the target nodes start, and nothing else.

    libcst's PositionProvider records a range for every node, which costs more than parsing; the nodes reported
    here are expressions and import statements, which own no leading whitespace, so the start of their code is
    their syntactic position.
    """

    def __init__(self, module: cst.Module, targets: set[int]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.targets = targets
        self.found: dict[int, tuple[int, int]] = {}
        self._scanned = 0
        self._line = 1
        self._col = 0

    def before_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key not in self.targets or key in self.found:
            return
        for token in self.tokens[self._scanned:]:
            newlines = token.count("\n")
            if newlines:
                self._line += newlines
                self._col = len(token) - token.rfind("\n") - 1
            else:
                self._col += len(token)
        self._scanned = len(self.tokens)
        self.found[key] = (self._line, self._col + 1)


def _positions(module: cst.Module, targets: set[int]) -> dict[int, tuple[int, int]]:
    state = _TargetPositions(module, targets)
    module._codegen(state)
    return state.found


class _Transformer(cst.CSTTransformer):

    def __init__(self, ctx: Context, rules: list[RuleInfo]) -> None:
        super().__init__()
        self.ctx = ctx
        ctx.transformer = self
        self.calls = hook(rules, "call")
        self.attributes = hook(rules, "attribute")
        self.strings = hook(rules, "string")
        self.fstrings = hook(rules, "fstring")
        self.imports_from = hook(rules, "import_from")
        self.imports = hook(rules, "import_")
        # qualified name -> (rule, new last component)
        self.renames: dict[str, tuple[RuleInfo, str]] = {
            qn: (info, new) for info in rules for qn, new in getattr(info.rule, "renames", {}).items()
        }
        self._attr_names: set[int] = set()  # Name nodes that are not references (attribute parts, keywords)
        self.aliases: dict[str, str] = {}  # local name -> qualified name, from the import statements
        self._in_import = 0
        self.bound_names: set[str] = set()

    # -- helpers -------------------------------------------------------------------------------------------
    def qname(self, node: cst.CSTNode) -> str | None:
        """``mlflow.sklearn.log_model`` for ``mf.sklearn.log_model`` after ``import mlflow as mf``; None when the
        expression does not resolve to something under ``mlflow``."""
        name = dotted(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
        if name is None:
            return None
        first, _, rest = name.partition(".")
        base = self.aliases.get(first)
        if base is None or not (base == "mlflow" or base.startswith("mlflow.")):
            return None
        return f"{base}.{rest}" if rest else base

    def _run(self, hooks: list, original: cst.CSTNode, updated: cst.CSTNode, *args: Any) -> cst.CSTNode:
        for _info, fn in hooks:
            self.ctx.original = original
            result = fn(self.ctx, updated, *args)
            if result is not None:
                updated = result
        return updated

    # -- bookkeeping ---------------------------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        self.bound_names = _bound_names(node)
        if self.ctx.implicit_mlflow:
            self.aliases["mlflow"] = "mlflow"

    def visit_Assign(self, node: cst.Assign) -> None:
        # `spark = SparkSession...` after `from mlflow import spark`: later uses are the new value, not MLflow's
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.aliases.pop(target.target.value, None)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._attr_names.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._attr_names.add(id(node.keyword))

    def visit_Import(self, node: cst.Import) -> None:
        self._in_import += 1
        for alias in node.names:
            full = dotted(alias.name)
            if not full:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = full
            else:
                top = full.split(".", 1)[0]
                self.aliases[top] = top

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._in_import += 1
        if isinstance(node.names, cst.ImportStar):
            return
        module = dotted(node.module) if node.module is not None and not node.relative else None
        for alias in node.names:
            name = dotted(alias.name)
            local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) \
                else name
            if local:
                # relative or unknown modules still shadow an earlier binding of the same name
                self.aliases[local] = f"{module}.{name}" if module else f"<local>.{name}"

    # -- dispatch ------------------------------------------------------------------------------------------
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not self.calls:
            return updated
        return self._run(self.calls, original, updated, self.qname(original.func))

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if self._in_import:  # `import mlflow.recipes`: the import hooks see it whole
            return updated
        qn = self.qname(original)
        if qn in self.renames:
            info, new = self.renames[qn]
            self.ctx.original = original
            self.ctx.report(info, _rename_message(info, qn, new), fixable=True)
            updated = updated.with_changes(attr=cst.Name(new))
        return self._run(self.attributes, original, updated, qn) if self.attributes else updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if self._in_import or id(original) in self._attr_names or not self.renames:
            return updated
        qn = self.qname(original)
        if qn in self.renames and qn.rsplit(".", 1)[1] == original.value:
            new = self.renames[qn][1]
            if new not in self.bound_names:
                return updated.with_changes(value=new)
        return updated

    def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString) -> cst.BaseExpression:
        return self._run(self.strings, original, updated) if self.strings else updated

    def leave_FormattedString(self, original: cst.FormattedString,
                              updated: cst.FormattedString) -> cst.BaseExpression:
        return self._run(self.fstrings, original, updated) if self.fstrings else updated

    def leave_FormattedStringText(self, original: cst.FormattedStringText,
                                  updated: cst.FormattedStringText) -> cst.FormattedStringText:
        return self._run(self.strings, original, updated) if self.strings else updated

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> cst.Import:
        self._in_import -= 1
        return self._run(self.imports, original, updated) if self.imports else updated

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        self._in_import -= 1
        module = dotted(original.module) if original.module is not None and not original.relative else None
        if module and self.renames and not isinstance(updated.names, cst.ImportStar):
            updated = self._rename_imports(original, updated, module)
        return self._run(self.imports_from, original, updated) if self.imports_from else updated

    def _rename_imports(self, original: cst.ImportFrom, updated: cst.ImportFrom, module: str) -> cst.ImportFrom:
        new_names = []
        for orig_alias, alias in zip(original.names, updated.names, strict=True):
            name = dotted(alias.name)
            qn = f"{module}.{name}"
            if qn in self.renames:
                info, new = self.renames[qn]
                self.ctx.original = orig_alias
                if alias.asname is None and new in self.bound_names:
                    self.ctx.report(info, _rename_message(info, qn, new) + f" (not fixed: `{new}` is already "
                                    "bound in this module)", fixable=False)
                else:
                    self.ctx.report(info, _rename_message(info, qn, new), fixable=True)
                    same = alias.asname is not None and isinstance(alias.asname.name, cst.Name) \
                        and alias.asname.name.value == new
                    # `import load_pyfunc as load_model` becomes `import load_model`, not `load_model as load_model`
                    alias = alias.with_changes(name=cst.Name(new), asname=None if same else alias.asname)
            new_names.append(alias)
        return updated.with_changes(names=new_names)


def _rename_message(info: RuleInfo, qname: str, new: str) -> str:
    message = getattr(info.rule, "rename_message", "`{old}` is deprecated or removed; use `{new}`")
    return message.format(old=qname, new=qname.rsplit(".", 1)[0] + "." + new, short=new)


def _bound_names(module: cst.Module) -> set[str]:
    """Names bound at module level (imports, defs, classes, assignments): renames must not collide."""
    names: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            names.add(stmt.name.value)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        bound = alias.asname.name if alias.asname else alias.name
                        if isinstance(bound, cst.Name):
                            names.add(bound.value)
                elif isinstance(small, cst.Assign):
                    names.update(t.target.value for t in small.targets if isinstance(t.target, cst.Name))
    return names


def triggered(source: str, rules: list[RuleInfo]) -> bool:
    """Cheap text test: does any rule's trigger word occur? (a rule without triggers always runs)"""
    for info in rules:
        triggers = getattr(info.rule, "triggers", None)
        if triggers is None or any(t in source for t in triggers):
            return True
    return False


def transform_source(source: str, path: str, rules: list[RuleInfo], *, want_code: bool = True
                     ) -> tuple[str, list[Finding]]:
    """Rewrite one Python source; raises :class:`SourceError` when it cannot be parsed safely.

    With ``want_code=False`` (check mode) the rewritten module is not generated and ``source`` is returned.
    """
    rules = [info for info in rules if _has_python_hooks(info)]
    if not rules or not triggered(source, rules):
        return source, []
    module = parse(source)
    ctx = Context(path=path, module=module)
    if not _BINDS_MLFLOW.search(source):
        ctx.implicit_mlflow = True
        run = _RUN_MAGIC.search(source)
        ctx.implicit_source = run.group(1).strip() if run else None
    new_module = module.visit(_Transformer(ctx, rules))
    ctx.resolve_positions(module)
    return (new_module.code if want_code else source), ctx.findings


_BINDS_MLFLOW = re.compile(r"^[ \t]*import\b[^#\n]*(?<![\w.])mlflow\b|\bas\s+mlflow\b|"
                           r"\bmlflow\s*(:[^=\n]*)?=(?!=)|\bdef\s+\w+\([^)]*\bmlflow\b|\bglobal\s+mlflow\b")
_BINDS_MLFLOW = re.compile(_BINDS_MLFLOW.pattern, re.MULTILINE)
_RUN_MAGIC = re.compile(r"^(?:#\s*MAGIC\s+)?(%run\s+\S+)", re.MULTILINE)
_PYTHON_HOOKS = ("call", "attribute", "string", "fstring", "import_from", "import_", "renames")


def _has_python_hooks(info: RuleInfo) -> bool:
    return any(getattr(info.rule, hook_name, None) for hook_name in _PYTHON_HOOKS)


# Deepest syntax-tree nesting handed to libcst. Its native parser recurses per level and overflows the C stack
# (signal 11: the whole process dies) past ~1000 nested brackets or a 10 000-term `1+1+...` chain; its Python
# visitors recurse a few frames per level (RecursionError past ~350 levels, caught by the engine). Real code
# stays far below 200 (a chain of 100 method calls is 200 levels).
MAX_DEPTH = 200


def parse(source: str) -> cst.Module:
    """libcst's module for ``source``, or :class:`SourceError`. CPython's own parser runs first: it refuses deep
    nesting cleanly (where libcst's would crash the process) and reports syntax errors where they are."""
    python_error = _check_depth(source)
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        if python_error is not None and python_error.lineno:
            line, col = python_error.lineno, python_error.offset or 1
        else:  # newer syntax than this Python's, or an error only libcst sees
            line, col = exc.raw_line, exc.raw_column + 1
        raise SourceError(f"syntax error at line {line}, column {col}; skipped") from exc


def _check_depth(source: str) -> SyntaxError | None:
    """Raise :class:`SourceError` when ``source`` nests deeper than :data:`MAX_DEPTH`; return CPython's syntax
    error (if any) for the caller's message."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like are not ours to report
            tree = ast.parse(source)
    except SyntaxError as exc:
        if "too many nested" in str(exc):
            raise SourceError(f"expression nested too deeply at line {exc.lineno}; skipped") from exc
        if _bracket_depth(source) > MAX_DEPTH:
            raise SourceError("brackets nested too deeply; skipped") from exc
        return exc
    except (RecursionError, MemoryError) as exc:
        raise SourceError("expression nested too deeply to parse safely; skipped") from exc
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            line = getattr(node, "lineno", None)
            raise SourceError("expression nested more than "
                              f"{MAX_DEPTH} levels deep{f' at line {line}' if line else ''}; skipped")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return None


def _bracket_depth(source: str) -> int:
    depth = deepest = 0
    for char in source:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(0, depth - 1)
    return deepest
