"""What one logged model says about itself: its ``MLmodel`` file and the environment files MLflow writes next to
it (``requirements.txt``, ``conda.yaml``, ``python_env.yaml``). Parsing only: reading the files is ``read.py``'s.
"""

from __future__ import annotations

import pickletools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

PYFUNC = "python_function"
CUSTOM_PYFUNC_LOADER = "mlflow.pyfunc.model"  # a PythonModel cloudpickled into python_model.pkl
ENV_FILES = ("requirements.txt", "conda.yaml", "python_env.yaml")
# libyaml's parser when PyYAML was built with it: ten times the pure-Python one on a 10 000-model registry
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class BadMLmodel(ValueError):
    """The file is not an MLmodel MLflow could read (not YAML, not a mapping, no flavors)."""


@dataclass
class ModelDescription:
    """The facts the verdict needs, from the MLmodel and its environment files."""

    flavors: list[str]
    loader_module: str | None  # python_function's; None: the model has no python_function flavor
    python_version: str | None  # python_function's python_version, else python_env.yaml's / conda.yaml's
    mlflow_version: str | None  # written from MLflow 1.25.0 on
    utc_time_created: str | None
    model_uuid: str | None
    model_id: str | None  # MLflow 3 logged models
    run_id: str | None
    artifact_path: str | None
    cloudpickle_version: str | None
    python_model_file: str | None  # custom pyfunc: the pickle holding the PythonModel
    has_code: bool  # python_function `code`: the model ships its own modules
    external: bool  # metadata.mlflow_model_is_external: MLflow refuses to load it
    requirements: list[str] = field(default_factory=list)  # requirements.txt, else conda.yaml's pip list
    requirements_from: str | None = None


def parse_mlmodel(text: str | bytes) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_LOADER)  # _LOADER is a safe loader
    except yaml.YAMLError as exc:
        raise BadMLmodel(f"MLmodel is not YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise BadMLmodel("MLmodel is not a YAML mapping")
    if not isinstance(data.get("flavors"), dict):
        raise BadMLmodel("MLmodel has no flavors")
    return data


def describe(mlmodel: Mapping[str, Any], env: Mapping[str, bytes | None] | Callable[[str], bytes | None]
             ) -> ModelDescription:
    """The description of a parsed MLmodel. ``env`` gives each of ``ENV_FILES``' bytes (None: absent): a
    mapping, or a function called only for the files needed (conda.yaml when requirements.txt is absent or the
    Python version unknown, python_env.yaml when the Python version is unknown)."""
    fetch = env.get if isinstance(env, Mapping) else env
    flavors = mlmodel["flavors"]
    pyfunc = flavors.get(PYFUNC) if isinstance(flavors.get(PYFUNC), dict) else None
    requirements_txt = fetch("requirements.txt")
    python_version = _text(pyfunc.get("python_version")) if pyfunc else None
    conda = _yaml_mapping(fetch("conda.yaml")) if requirements_txt is None or python_version is None else {}
    if python_version is None:
        python_version = _text(_yaml_mapping(fetch("python_env.yaml")).get("python")) or _conda_python(conda)
    requirements, requirements_from = _requirements(requirements_txt, conda)
    metadata = mlmodel.get("metadata") if isinstance(mlmodel.get("metadata"), dict) else {}
    return ModelDescription(
        flavors=sorted(str(f) for f in flavors),
        loader_module=_text(pyfunc.get("loader_module")) if pyfunc else None,
        python_version=python_version,
        mlflow_version=_text(mlmodel.get("mlflow_version")),
        utc_time_created=_text(mlmodel.get("utc_time_created")),
        model_uuid=_text(mlmodel.get("model_uuid")),
        model_id=_text(mlmodel.get("model_id")),
        run_id=_text(mlmodel.get("run_id")),
        artifact_path=_text(mlmodel.get("artifact_path")),
        cloudpickle_version=_text(pyfunc.get("cloudpickle_version")) if pyfunc else None,
        python_model_file=_text(pyfunc.get("python_model")) if pyfunc else None,
        has_code=bool(pyfunc and pyfunc.get("code")),
        external=metadata.get("mlflow_model_is_external") is True,
        requirements=requirements,
        requirements_from=requirements_from,
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _yaml_mapping(raw: bytes | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        data = yaml.load(raw, Loader=_LOADER)  # _LOADER is a safe loader
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _conda_python(conda: Mapping[str, Any]) -> str | None:
    for dep in conda.get("dependencies") or []:
        if isinstance(dep, str) and dep.replace(" ", "").startswith("python="):
            return dep.split("=", 1)[1].strip()
    return None


def _requirements(raw: bytes | None, conda: Mapping[str, Any]) -> tuple[list[str], str | None]:
    """requirements.txt (what `pyfunc.load_model` checks), else the pip list of conda.yaml."""
    if raw is not None:
        lines = raw.decode("utf-8", "replace").splitlines()
        return [ln.split(" #", 1)[0].strip() for ln in lines if _is_requirement(ln)], "requirements.txt"
    for dep in conda.get("dependencies") or []:
        if isinstance(dep, dict) and isinstance(dep.get("pip"), list):
            return [str(r).strip() for r in dep["pip"] if _is_requirement(str(r))], "conda.yaml"
    return [], None


def _is_requirement(line: str) -> bool:
    line = line.strip()
    return bool(line) and not line.startswith(("#", "-"))


# cloudpickle rebuilds a class or function defined in __main__ (a notebook, a script) from its code object:
# these names in the pickle mean the code itself is inside, and code objects only load on the Python minor
# version that wrote them.
_BY_VALUE_MARKERS = frozenset({"_make_skeleton_class", "_make_function", "CodeType", "_make_code"})


def pickles_code_by_value(data: bytes) -> bool:
    """True if a (cloud)pickle holds Python code objects, read with `pickletools` (nothing is unpickled)."""
    try:
        for _opcode, arg, _pos in pickletools.genops(data):
            if isinstance(arg, str) and (arg in _BY_VALUE_MARKERS or arg.endswith((" CodeType",
                                                                                    " _make_skeleton_class"))):
                return True
    except Exception:  # truncated or not a pickle: nothing proven either way
        return False
    return False
