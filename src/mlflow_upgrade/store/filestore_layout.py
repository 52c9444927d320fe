"""What an MLflow file store (``./mlruns``) is: the one definition ``inspect`` and ``migrate-filestore`` share.

A store is a directory of experiment folders named by their numeric id (``0/``, ``1/``, ...). Deleted experiments
sit in ``.trash/`` (MLflow 1.x moved them there without touching their ``meta.yaml``); ``models/`` holds the
file-based model registry. Inside an experiment, every folder but the reserved ones is a run. Only directories
are listed here: reading meta.yaml files is the callers' business.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from mlflow_upgrade import errors

if TYPE_CHECKING:  # hints only: listing needs nothing of migrate-filestore at run time
    from mlflow_upgrade.filestore.problems import ProblemLog

MLRUNS = "mlruns"
TRASH = ".trash"
MODELS = "models"  # in the root: the model registry; in an experiment: logged models (MLflow 3)
TRACES = "traces"
META = "meta.yaml"
TRACE_INFO = "trace_info.yaml"
# Folders inside an experiment that are not runs.
NOT_RUNS = frozenset({"tags", "datasets", TRACES, MODELS, TRASH})


def resolve_root(src: Path) -> Path:
    """The directory holding experiment folders: ``SRC/mlruns`` or ``SRC`` itself (as the official tool)."""
    if not src.exists():
        raise errors.StoreNotFound(f"file store {src} does not exist: give the ./mlruns directory")
    if not src.is_dir():
        raise errors.NotAnMlflowStore(
            f"{src} is a file, not a file store directory (./mlruns; for a SQLite database use sqlite:///{src})"
        )
    if (src / MLRUNS).is_dir():
        src = src / MLRUNS
    try:
        names = [e.name for e in os.scandir(src) if e.is_dir()]
    except OSError as exc:
        raise errors.StoreNotFound(f"cannot read {src}: {exc.strerror}") from None
    if any(n.isdigit() or n in (TRASH, MODELS) for n in names) or (src / "0" / META).is_file():
        return src
    raise errors.NotAnMlflowStore(
        f"{src} is not an MLflow file store: no experiment folders (0/, <id>/), .trash/ or models/ in it"
    )


def list_experiments(root: Path, problems: ProblemLog | None = None) -> list[tuple[str, Path, bool]]:
    """(id, path, in_trash) for every experiment folder; active ones first so they keep their names.
    Symlinked folders are left out (recorded when ``problems`` is given)."""
    found = []
    for base, in_trash in ((root, False), (root / TRASH, True)):
        for entry in list_entries(base, problems):
            if entry.is_dir(follow_symlinks=False) and entry.name.isdigit():
                found.append((entry.name, Path(entry.path), in_trash))
    return found


def list_run_dirs(exp_path: Path) -> list[Path]:
    """The run folders of an experiment (symlinked ones left out: ``read_experiment`` records them; a folder
    without a meta.yaml is a damaged run)."""
    return [Path(e.path) for e in list_entries(exp_path, None)
            if e.is_dir(follow_symlinks=False) and e.name not in NOT_RUNS]


def list_traces(exp_path: Path, problems: ProblemLog | None = None) -> list[Path]:
    return [p for p in subdirs(exp_path / TRACES, problems) if (p / TRACE_INFO).is_file()]


def list_logged_models(exp_path: Path, problems: ProblemLog | None = None) -> list[Path]:
    return subdirs(exp_path / MODELS, problems)


def list_registered_models(root: Path, problems: ProblemLog | None = None) -> list[Path]:
    return subdirs(root / MODELS, problems)


def subdirs(path: Path, problems: ProblemLog | None = None) -> list[Path]:
    """Sub-folders in name order; symlinks are not followed (recorded when ``problems`` is given)."""
    return [Path(e.path) for e in list_entries(path, problems) if e.is_dir(follow_symlinks=False)]


def list_entries(directory: Path | str, problems: ProblemLog | None) -> list[os.DirEntry]:
    """A directory's entries, by name; [] if it does not exist. Symlinks are not followed: they are recorded
    (when ``problems`` is given) and left out, so nothing outside the store is read and no loop is walked."""
    try:
        mode = os.lstat(directory).st_mode  # one call tells missing, symlink and directory apart
        if stat.S_ISLNK(mode):
            if problems is not None:
                problems.add("symlink", directory, f"-> {link_target(directory)}")
            return []
        if not stat.S_ISDIR(mode):
            return []
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        if problems is not None:
            problems.add("unreadable_file", directory, f"{type(exc).__name__}: {exc}")
        return []
    kept = []
    for entry in entries:
        if entry.is_symlink():
            if problems is not None:
                problems.add("symlink", entry.path, f"-> {link_target(entry.path)}")
        else:
            kept.append(entry)
    return kept



def link_target(path: Path | str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"
