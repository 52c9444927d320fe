"""The installed MLflow (the upgrade target), read from its files: never imported.

Alembic's ScriptDirectory imports every migration module and, through them, all of MLflow: seconds of
start-up that `inspect` (goal: under a second) cannot afford. The scripts' header assignments, the
model modules' `__tablename__`s and the flavor modules' `def log_model(` are all we need, and they are
read here the way `scripts/build_catalog.py` reads them from a release's wheel.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from mlflow_upgrade.catalog.analyze import MODEL_FILES, analyze_source, model_tablenames, version_table

DBS = ("tracking", "auth")
# Alembic script directories inside the installed `mlflow` package.
SCRIPT_DIRS = {"tracking": ("store", "db_migrations"), "auth": ("server", "auth", "db", "migrations")}
# A model flavor: a top-level `mlflow.<name>` module (or package) with a module-level `def log_model(`.
# The same test the catalog build applies to every wheel (scripts/build_catalog.py).
FLAVOR_FILE = re.compile(r"mlflow/([a-z_0-9]+)(?:/.*)?\.py$")
LOG_MODEL_DEF = re.compile(rb"^def log_model\(", re.M)


def check_db(db: str) -> None:
    if db not in DBS:
        raise ValueError(f"db must be one of {DBS}, not {db!r}")


def package_dir() -> Path:
    """The installed `mlflow` package's directory (found without importing it)."""
    spec = importlib.util.find_spec("mlflow")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("mlflow is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def installed_version() -> str:
    """The installed MLflow's version, from the distribution next to the package that imports.

    With two copies on the path (a `pip install --target DIR` overlay first on PYTHONPATH), the one whose
    files are used wins: its dist-info sits in the same directory as its package.
    """
    root = package_dir().parent
    for name in ("mlflow", "mlflow_skinny"):
        for info in sorted(root.glob(f"{name}-*.dist-info")):
            if match := re.fullmatch(rf"{name}-(.+)\.dist-info", info.name):
                return match.group(1)
    for name in ("mlflow", "mlflow-skinny"):
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return "0+unknown"  # a source checkout on the path: no dist-info


def script_dir(db: str) -> Path:
    """The installed MLflow's Alembic script directory for `db`."""
    check_db(db)
    return package_dir().joinpath(*SCRIPT_DIRS[db])


@cache
def scripts(db: str) -> dict[str, tuple[tuple[str, ...], Path]]:
    """{revision: (parents, path)} of the installed scripts, read with `ast`, never imported."""
    found: dict[str, tuple[tuple[str, ...], Path]] = {}
    for path in sorted((script_dir(db) / "versions").glob("*.py")):
        header: dict[str, Any] = {}
        for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                header[target.id] = ast.literal_eval(node.value)
        if "revision" not in header:
            continue
        parent = header.get("down_revision")
        parents = tuple(parent) if isinstance(parent, tuple | list) else ((parent,) if parent else ())
        found[header["revision"]] = (parents, path)
    return found


def head(db: str) -> str:
    """Head revision of the installed MLflow's chain for `db`."""
    installed = scripts(db)
    parents = {p for ps, _ in installed.values() for p in ps}
    heads = sorted(set(installed) - parents)
    if len(heads) != 1:
        raise RuntimeError(f"installed MLflow's {db} migrations have {len(heads)} heads: {heads}")
    return heads[0]


@cache
def order(db: str) -> tuple[str, ...]:
    """Installed revisions in upgrade order (base first): parents before children."""
    installed = scripts(db)
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(rev: str) -> None:
        if rev in seen or rev not in installed:
            return
        seen.add(rev)
        for parent in installed[rev][0]:
            visit(parent)
        ordered.append(rev)

    visit(head(db))
    return tuple(ordered)


@cache
def tablenames() -> dict[str, str]:
    """{ORM class: table} from the installed MLflow's model modules, as the build reads them from wheels."""
    package = package_dir()
    files = sorted(
        p for p in package.rglob("*.py") if MODEL_FILES.match(p.relative_to(package.parent).as_posix())
    )
    return model_tablenames(p.read_text(encoding="utf-8") for p in files)


def analyzed(db: str, rev: str) -> dict[str, Any]:
    """The analyser's facts on an installed script (the same JSON the build writes for a wheel's)."""
    path = scripts(db)[rev][1]
    return analyze_source(path.read_text(encoding="utf-8"), path.name, tablenames())


def db_version_table(db: str) -> str:
    """The version table the installed MLflow's env.py configures for `db`."""
    return version_table((script_dir(db) / "env.py").read_text(encoding="utf-8"))


@cache
def flavors() -> frozenset[str]:
    """Model flavors the installed MLflow ships (read from its files; importing them would take seconds)."""
    package = package_dir()
    found: set[str] = set()
    for path in package.rglob("*.py"):
        match = FLAVOR_FILE.match(path.relative_to(package.parent).as_posix())
        if match and match.group(1) not in found and LOG_MODEL_DEF.search(path.read_bytes()):
            found.add(match.group(1))
    return frozenset(found)


def clear_caches() -> None:
    """Forget what was read (tests point `package_dir` at another MLflow)."""
    for cached in (scripts, order, tablenames, flavors):
        cached.cache_clear()
