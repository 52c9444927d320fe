"""Code outside ``mlflow_upgrade/dialects/`` asks a dialect (its attributes and methods) instead of comparing
dialect names: a new dialect is one module there, not edits across the tree.

``ALLOWED`` lists what is left, file by file, with why; its numbers may only go down."""

from __future__ import annotations

import ast
from pathlib import Path

import mlflow_upgrade

SRC = Path(mlflow_upgrade.__file__).resolve().parent
NAMES = frozenset({"sqlite", "postgresql", "postgres", "mysql", "mariadb", "mssql"})

ALLOWED: dict[str, int] = {}  # every dialect-name branch lives in dialects/


def _names_a_dialect(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in NAMES
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_names_a_dialect(e) for e in node.elts)
    return False


def dialect_name_branches(tree: ast.AST) -> int:
    """Comparisons with a dialect name (``== "sqlite"``, ``in ("postgresql", "mysql")``) and dicts keyed by one."""
    count = 0
    for node in ast.walk(tree):
        if (isinstance(node, ast.Compare) and any(map(_names_a_dialect, [node.left, *node.comparators]))) or (isinstance(node, ast.Dict) and any(k is not None and _names_a_dialect(k) for k in node.keys)):
            count += 1
    return count


def _counts() -> dict[str, int]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("dialects/"):
            continue
        n = dialect_name_branches(ast.parse(path.read_text(encoding="utf-8")))
        if n:
            found[rel] = n
    return found


def test_no_dialect_name_branching_outside_dialects() -> None:
    over = {f: n for f, n in _counts().items() if n > ALLOWED.get(f, 0)}
    assert not over, f"ask the dialect (mlflow_upgrade.dialects) instead of comparing its name: {over}"


def test_the_allowance_only_shrinks() -> None:
    found = _counts()
    stale = {f: (n, found.get(f, 0)) for f, n in ALLOWED.items() if found.get(f, 0) < n}
    assert not stale, f"fewer dialect-name branches than ALLOWED says (lower it): {stale}"


def test_the_scanner_sees_the_forms_it_forbids() -> None:
    sample = 'a = kind == "sqlite"\nb = ref.kind in ("postgresql", "mysql")\nc = {"mysql": 1}.get(k)\nd = x == "y"\n'
    assert dialect_name_branches(ast.parse(sample)) == 3
