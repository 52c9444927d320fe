"""Static analysis of one Alembic migration script (never imported, only parsed with `ast`).

Shared by `scripts/build_catalog.py` (which runs it over every MLflow release) and by the runtime
catalog (which runs it on an installed script the catalog does not know yet), so both derive the
same facts from the same text.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from typing import Any

from mlflow_upgrade.catalog.analyze.astutil import _kwarg, _literal
from mlflow_upgrade.catalog.analyze.classify import SEVERITY, classify
from mlflow_upgrade.catalog.analyze.walker import DIALECTS, _ModuleInfo, _Walker

__all__ = [
    "ANALYZER_VERSION",
    "DIALECTS",
    "MODEL_FILES",
    "SEVERITY",
    "analyze_source",
    "classify",
    "model_tablenames",
    "parse_docstring",
    "version_table",
]

# Bump when the facts derived from the same source text change; recorded in revisions.json.
ANALYZER_VERSION = 3

# MLflow modules whose ORM classes name the tables that scripts refer to as `SqlX.__tablename__`.
MODEL_FILES = re.compile(r"^mlflow/(store/[^/]+/dbmodels/[^/]+|server/auth/db/models)\.py$")


def _dedupe(ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop repeated identical records (a helper called once per table kind emits the same ops)."""
    seen: set[str] = set()
    unique = []
    for op in ops:
        key = repr(sorted(op.items()))
        if key not in seen:
            seen.add(key)
            unique.append(op)
    return unique


def parse_docstring(doc: str | None) -> tuple[str, str | None]:
    """(message, create date) from an Alembic revision docstring."""
    if not doc:
        return "", None
    lines = [line.strip() for line in doc.strip().splitlines()]
    message = lines[0] if lines else ""
    match = re.search(r"Create Date:\s*(.+)", doc)
    return message, match.group(1).strip() if match else None


def model_tablenames(sources: Iterable[str]) -> dict[str, str]:
    """{ORM class name: table} from MLflow's model modules (`class SqlRun(Base): __tablename__ = "runs"`)."""
    names: dict[str, str] = {}
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.ClassDef):
                continue
            for stmt in node.body:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else []
                if any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in targets):
                    value = _literal(stmt.value)  # type: ignore[union-attr]
                    if isinstance(value, str):
                        names.setdefault(node.name, value)
    return dict(sorted(names.items()))


def analyze_source(
    source: str, file_name: str, tablenames: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Facts about one migration script, as JSON-ready values (same input, same output).

    `tablenames` ({ORM class: table}, see `model_tablenames`) resolves `SqlX.__tablename__` arguments.
    """
    tree = ast.parse(source, filename=file_name)
    module = _ModuleInfo(tree)
    walker = _Walker(module, tablenames or {})
    walker.run()
    ops = _dedupe(walker.ops)
    message, create_date = parse_docstring(ast.get_docstring(tree))
    data_migration = any(
        op["op"].startswith(("bind.", "session.")) or op["op"] in {"execute", "bulk_insert"} for op in ops
    )
    facts = {
        "revision": module.revision,
        "parent": module.down_revision,
        "branch_labels": module.branch_labels,
        "depends_on": module.depends_on,
        "message": message,
        "create_date": create_date,
        "file": file_name,
        "ops": ops,
        "data_migration": data_migration,
        "uses_connection": walker.uses_connection or data_migration,
        "inspects_schema": walker.inspects_schema,
    }
    facts.update(classify(ops))
    return facts


def version_table(env_source: str) -> str:
    """The `version_table=` an Alembic env.py passes to `context.configure` (default alembic_version)."""
    for node in ast.walk(ast.parse(env_source)):
        if isinstance(node, ast.Call):
            value = _literal(_kwarg(node, "version_table"))
            if isinstance(value, str):
                return value
    return "alembic_version"
