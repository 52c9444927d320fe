"""Old MLflow releases installed side by side, each in its own uv virtual environment.

The one owner of "how to install release X here": the Python version and pins in ``install_pins.json``
(measured; a release not listed borrows the nearest older listed release's entry), the cache directory, and
the creation itself (``uv venv`` + ``uv pip install``, under a file lock so two processes creating the same
release do not break each other). ``scripts/make_fixtures.py`` (fixtures) and ``diffcheck`` (the store's
current release as a server) both use it.

Cache directory: ``$MLFLOW_UPGRADE_VENVS``, else ``$XDG_CACHE_HOME/mlflow-upgrade/venvs`` (default
``~/.cache/mlflow-upgrade/venvs``); one ``mlflow-<release>`` folder per release, reused between runs.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from mlflow_upgrade import errors
from mlflow_upgrade.catalog import fallback, load_catalog

VENVS_ENV = "MLFLOW_UPGRADE_VENVS"


@dataclass(frozen=True)
class InstallSpec:
    release: str
    python: str  # "3.10"
    extra: str  # "[auth]" or ""
    pins: tuple[str, ...]
    drivers: tuple[str, ...]
    borrowed_from: str  # the listed release whose python/pins are used

    @property
    def requirements(self) -> list[str]:
        return [f"mlflow{self.extra}=={self.release}", *self.pins, *self.drivers]


@cache
def _pins_data() -> dict:
    return json.loads(resources.files(__package__).joinpath("install_pins.json").read_text(encoding="utf-8"))


def listed_releases() -> list[str]:
    return sorted(_pins_data()["releases"], key=fallback.release_key)


def install_spec(release: str) -> InstallSpec:
    listed = listed_releases()
    key = fallback.release_key(release)
    older = [r for r in listed if fallback.release_key(r) <= key]
    source = older[-1] if older else listed[0]
    entry = _pins_data()["releases"][source]
    return InstallSpec(release, entry["python"], entry["extra"], tuple(entry["pins"]),
                       tuple(_pins_data()["drivers"]), source)


def release_for_revision(db: str, revision: str | None) -> str:
    """The release to run for a store at ``revision``: a release whose head it is, preferring one with measured
    pins, else the newest such release."""
    if not revision:
        raise errors.NotAnMlflowStore("the store has no schema revision: no MLflow release wrote it")
    candidates = load_catalog().releases_with_head(db, revision)
    if not candidates:
        raise errors.UsageError(
            f"revision {revision} is no MLflow release's newest revision (a half-applied upgrade?): no release "
            "to run against it; run `mlflow-upgrade inspect` on the store")
    listed = [r for r in candidates if r in _pins_data()["releases"]]
    return (listed or candidates)[-1]


def cache_dir() -> Path:
    if override := os.environ.get(VENVS_ENV):
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "mlflow-upgrade" / "venvs"


def find_python(version: str) -> str:
    """A real interpreter path: pyenv shims for non-global versions fail, and uv must not download one."""
    found = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))
    if found:
        return found[-1]
    path = shutil.which(f"python{version}")
    if path is None:
        raise errors.OperationFailed(f"python{version} not found: install it (e.g. pyenv install {version}) to run "
                                     "that MLflow release")
    return path


def venv_python(release: str, root: Path | None = None, *, reinstall: bool = True,
                extra_packages: tuple[str, ...] = ()) -> Path:
    """The release's venv interpreter, created if missing. ``reinstall``: (re)apply the pins every time (a no-op
    for uv when satisfied); without it an existing venv whose ``mlflow`` imports is used as is.
    ``extra_packages``: installed next to MLflow with the same pins (e.g. a model flavor's library)."""
    spec = install_spec(release)
    root = root or cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    venv = root / f"mlflow-{release}"
    python = venv / "bin" / "python"
    if shutil.which("uv") is None:
        raise errors.OperationFailed("uv not found on PATH: install it (pip install uv) to create release venvs")
    with open(root / f".lock-{release}", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process creating the same venv finishes first
        ready = venv / ".mlflow-upgrade-ready"
        if ready.exists() and not reinstall:
            return python
        if not python.exists():
            _run(["uv", "venv", "-q", "--python-preference", "only-system", "-p", find_python(spec.python),
                  str(venv)], release)
        requirements = [*spec.requirements, *extra_packages]
        _run(["uv", "pip", "install", "-q", "-p", str(python), *requirements], release)
        ready.write_text(" ".join(requirements) + "\n")
    return python


def _run(cmd: list[str], release: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["?"])[-1][:200]
        raise errors.OperationFailed(f"cannot install MLflow {release} in its venv ({last})")
