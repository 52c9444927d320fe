"""The package's shape, checked from its source (ast): the library does not know the terminal."""

from __future__ import annotations

import ast
from collections.abc import Iterator
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
    """Every module an import statement names (relative imports resolved; ``from a import b`` gives a and a.b)."""
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
            yield base, node
            for alias in node.names:
                yield f"{base}.{alias.name}", node


def test_only_the_cli_imports_rich_or_the_renderer() -> None:
    offenders = []
    for module, path, tree in modules():
        if module in ("mlflow_upgrade.cli", "mlflow_upgrade.__main__") or module.startswith("mlflow_upgrade.cli."):
            continue  # the command line (and ``python -m mlflow_upgrade``, which starts it)
        for name, node in imported_names(tree, module, path.name == "__init__.py"):
            if name == "rich" or name.startswith("rich.") or name.startswith("mlflow_upgrade.cli"):
                offenders.append(f"{module}:{node.lineno} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_the_scan_sees_imports_in_functions() -> None:
    """The check above must be able to fail: an import inside a function counts."""
    tree = ast.parse("def f():\n    from mlflow_upgrade.cli import render\n")
    assert "mlflow_upgrade.cli.render" in {n for n, _ in imported_names(tree, "mlflow_upgrade.x", False)}
