"""The package's shape, checked from its source (ast): the library does not know the terminal."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "mlflow_upgrade"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield module_name(path), path, ast.parse(path.read_text(), filename=str(path))


def imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[str, ast.stmt]]:
    """What each import statement names: ``import a.b`` gives a.b; ``from a import b`` gives a.b (a module, or
    a name in a: see :func:`target`). Relative imports are resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield f"{base}.{alias.name}", node


def target(name: str, known: Iterable[str]) -> str | None:
    """The module of ours that ``name`` is or lives in (``a.b.func`` -> ``a.b``), or None (not ours)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def test_only_the_cli_imports_rich_or_the_renderer() -> None:
    offenders = []
    for module, path, tree in modules():
        if module in ("mlflow_upgrade.cli", "mlflow_upgrade.__main__") or module.startswith("mlflow_upgrade.cli."):
            continue  # the command line (and ``python -m mlflow_upgrade``, which starts it)
        for name, node in imported_names(tree, module, path.name == "__init__.py"):
            if name.startswith(("rich.", "mlflow_upgrade.cli.")) or name in ("rich", "mlflow_upgrade.cli"):
                offenders.append(f"{module}:{node.lineno} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_the_scan_sees_imports_in_functions() -> None:
    """The check above must be able to fail: an import inside a function counts."""
    tree = ast.parse("def f():\n    from mlflow_upgrade.cli import render\n")
    assert "mlflow_upgrade.cli.render" in {n for n, _ in imported_names(tree, "mlflow_upgrade.x", False)}


def import_graph() -> tuple[dict[str, set[str]], list[tuple[str, ast.stmt, list[str]]]]:
    """Our modules -> the modules of ours they import (at module level and in functions), and every import
    inside a function: (module, statement, source lines)."""
    parsed = {module: (path, tree) for module, path, tree in modules()}
    graph: dict[str, set[str]] = {module: set() for module in parsed}
    in_functions = []
    for module, (path, tree) in parsed.items():
        nested = {id(node) for func in ast.walk(tree) if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for node in ast.walk(func) if isinstance(node, (ast.Import, ast.ImportFrom))}
        lines = path.read_text().splitlines()
        for name, node in imported_names(tree, module, path.name == "__init__.py"):
            found = target(name, parsed)
            if found is not None and found != module:
                graph[module].add(found)
                if id(node) in nested:
                    in_functions.append((module, node, lines))
    return graph, in_functions


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    """Module-level and in-function imports alike: a cycle hidden in a function is still a cycle."""
    assert cycles(import_graph()[0]) == []


def test_cycle_finder_can_fail() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_imports_of_our_modules_inside_functions_say_why() -> None:
    """Our modules are imported at the top; an in-function import is a deliberate lazy one (it would pull in
    MLflow, libcst, a driver ... for a command that may not need it) and says so: ``# lazy: <reason>``."""
    unexplained = []
    for module, node, lines in import_graph()[1]:
        here = lines[node.lineno - 1]
        above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
        if "# lazy: " not in here and not above.startswith("# lazy: "):
            unexplained.append(f"{module}:{node.lineno}: {here.strip()}")
    assert not unexplained, "\n".join(unexplained)
