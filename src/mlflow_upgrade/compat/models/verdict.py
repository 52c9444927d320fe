"""Will a logged model load on the target (the installed MLflow, in this Python environment)?

The rules follow what ``mlflow.pyfunc.load_model`` of the installed MLflow does, step by step: it warns when the
model's ``requirements.txt`` is not satisfied by the environment and when the Python minor version differs, then
imports ``python_function.loader_module`` and calls its ``_load_pyfunc``. So:

* will not load: the loader module (or, without python_function, every flavor) is a flavor the installed MLflow no
  longer ships (from the catalog's generated flavor table: gluon, fastai, mleap, diviner, promptflow, …), or is
  not part of the installed MLflow at all; the model is marked external; it has no flavor; a custom PythonModel
  pickled *by value* (its class's code inside the pickle) on another Python minor version (code objects do not
  load across minor versions: ``TypeError: code() argument …``);
* loads with warnings: each warning MLflow itself prints (requirement mismatches, Python minor version, the
  CloudPickle version of a custom model), a loader module outside MLflow, no python_function flavor (only the
  native flavor's ``load_model`` loads it);
* loads: none of those.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from mlflow_upgrade.catalog import installed, installed_version, load_catalog, newest_release_published_by
from mlflow_upgrade.catalog.fallback import release_key
from mlflow_upgrade.compat.models.mlmodel import CUSTOM_PYFUNC_LOADER, ModelDescription


class Status(str, Enum):
    LOADS = "loads"
    WARNINGS = "loads with warnings"
    FAILS = "will not load"
    UNREADABLE = "unreadable"  # the MLmodel could not be read: nothing is known


@dataclass(frozen=True)
class Target:
    """The environment the verdicts are about: the installed MLflow and this Python."""

    mlflow_version: str
    python_version: str
    removed_flavors: dict[str, str]  # flavor -> last release that shipped it
    shipped_flavors: frozenset[str]

    @classmethod
    def installed(cls) -> Target:
        mlflow = installed_version()
        return cls(
            mlflow_version=mlflow,
            python_version=".".join(str(p) for p in sys.version_info[:3]),
            removed_flavors=load_catalog().flavors_removed_before(mlflow),
            shipped_flavors=installed.flavors(),
        )


@dataclass
class Verdict:
    status: Status
    reasons: list[str]


def judge(model: ModelDescription, target: Target, *, code_by_value: bool | None = None) -> Verdict:
    """The verdict for ``model`` on ``target``. ``code_by_value``: whether the custom model's pickle holds code
    (None: not read)."""
    fatal = _fatal(model, target, code_by_value)
    if fatal:
        return Verdict(Status.FAILS, fatal)
    warnings = _warnings(model, target)
    return Verdict(Status.WARNINGS if warnings else Status.LOADS, warnings)


def needs_pickle_check(model: ModelDescription, target: Target) -> bool:
    """A custom PythonModel saved on another Python minor version: only its pickle tells whether it loads."""
    return (model.loader_module == CUSTOM_PYFUNC_LOADER and model.python_model_file is not None
            and model.python_version is not None and _minor(model.python_version) != _minor(target.python_version))


def _fatal(model: ModelDescription, target: Target, code_by_value: bool | None) -> list[str]:
    if model.external:
        return ["the model is marked external (metadata.mlflow_model_is_external): MLflow refuses to load it"]
    if not model.flavors:
        return ["the MLmodel lists no flavor"]
    if model.loader_module is None:
        removed = [f for f in model.flavors if f in target.removed_flavors]
        if removed and len(removed) == len(model.flavors):
            return [_removed_text(f, target) for f in removed]
        return []
    removed = _removed_module(model.loader_module, target)
    if removed:
        return [f"python_function loads it through `{model.loader_module}`, which MLflow {target.mlflow_version} "
                f"no longer ships ({_removed_text(removed, target)})"]
    if model.loader_module.startswith("mlflow.") and not _mlflow_module_exists(model.loader_module):
        return [f"its loader module `{model.loader_module}` is not part of MLflow {target.mlflow_version}"]
    if code_by_value and needs_pickle_check(model, target):
        return [f"its PythonModel was pickled with its code (a class defined in __main__ or a notebook) on Python "
                f"{model.python_version}: code objects do not load on Python {_minor(target.python_version)}; "
                "re-log it on the target Python, or define the class in an importable module"]
    return []


def _warnings(model: ModelDescription, target: Target) -> list[str]:
    out = []
    mismatches = [m for m in (_mismatch(r) for r in model.requirements) if m]
    if mismatches:
        out.append(f"requirements not met here ({model.requirements_from}): {', '.join(mismatches)}")
    if model.loader_module is None:
        native = [f for f in model.flavors if f in target.shipped_flavors]
        out.append("no python_function flavor: `mlflow.pyfunc.load_model` refuses it"
                   + (f"; load it with `mlflow.{native[0]}.load_model`" if native else ""))
        out.extend(_removed_text(f, target) for f in model.flavors if f in target.removed_flavors)
    elif not model.loader_module.startswith("mlflow."):
        out.append(f"its loader module `{model.loader_module}` is not MLflow's: it must be importable"
                   + (" (shipped in the model's code/)" if model.has_code else ""))
    if model.loader_module is not None:  # MLflow warns about the Python version only for pyfunc loading
        if model.python_version is None:
            out.append("the model records no Python version")
        elif _minor(model.python_version) != _minor(target.python_version):
            out.append(f"saved on Python {model.python_version}, target Python {target.python_version}")
    if model.loader_module == CUSTOM_PYFUNC_LOADER and model.cloudpickle_version:
        current = _installed("cloudpickle")
        if current != model.cloudpickle_version:
            out.append(f"pickled with CloudPickle {model.cloudpickle_version}, installed {current or 'none'}")
    return out


def _removed_module(loader: str, target: Target) -> str | None:
    parts = loader.split(".")
    if len(parts) >= 2 and parts[0] == "mlflow" and parts[1] in target.removed_flavors:
        return parts[1]
    return None


def _removed_text(flavor: str, target: Target) -> str:
    return (f"flavor `{flavor}` was removed: last shipped in MLflow {target.removed_flavors[flavor]}, not in "
            f"{target.mlflow_version}")


def _mlflow_module_exists(module: str) -> bool:
    """Whether the installed MLflow has ``module``, from its files (importing MLflow takes seconds)."""
    base = installed.package_dir().parent.joinpath(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _minor(python_version: str) -> str:
    return ".".join(python_version.split(".")[:2])


def _mismatch(requirement: str) -> str | None:
    """What `mlflow.pyfunc.load_model` would warn about for one requirement line (None: satisfied, or not a
    package requirement, which MLflow skips too)."""
    try:
        req = Requirement(requirement)
    except InvalidRequirement:
        return None
    if req.marker is not None and not req.marker.evaluate():
        return None
    current = _installed(req.name)
    if current is None:
        return f"{req.name} (required {requirement}, not installed)"
    if req.specifier and not _satisfies(req, current):
        return f"{req.name} (required {requirement}, installed {current})"
    return None


def _satisfies(req: Requirement, current: str) -> bool:
    try:
        if canonicalize_name(req.name) == "mlflow" and Version(current).is_devrelease:
            return True  # MLflow skips the check for its own dev builds
        return req.specifier.contains(current, prereleases=True)
    except InvalidVersion:
        return True


@cache
def _installed(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        # MLflow also looks at the import name's __version__ (e.g. a package installed without metadata)
        module = canonicalize_name(name).replace("-", "_")
        return "unknown" if importlib.util.find_spec(module) is not None else None


def logged_by(model: ModelDescription) -> str | None:
    """The MLflow that logged the model: its MLmodel's mlflow_version, else the releases that can have written
    it: published by its utc_time_created (release_dates.json) and shipping each of its flavors (the flavor
    table)."""
    if model.mlflow_version:
        return model.mlflow_version
    if not model.utc_time_created:
        return None
    newest = newest_release_published_by(model.utc_time_created)
    if newest is None:
        return None
    flavors = load_catalog().flavors
    firsts = [flavors[f]["first"] for f in model.flavors if f in flavors]
    oldest = max(firsts, key=release_key) if firsts else load_catalog().releases[0]
    return f"{oldest}–{newest} (no mlflow_version; published by its utc_time_created)"
