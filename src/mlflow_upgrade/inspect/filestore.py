"""Read-only summary of an MLflow file store (``./mlruns``) for ``inspect``.

Only directories are listed and a handful of small YAML files read, so a store of tens of thousands of runs is
summarised in well under a second. Which MLflow wrote it is inferred from the layout each release introduced.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mlflow_upgrade import errors
from mlflow_upgrade.store.uri import StoreRef

TRASH = ".trash"
RESERVED = {TRASH, "models", ".mlflow-upgrade"}


@dataclass
class FileStoreSummary:
    path: str
    experiments_active: int = 0
    experiments_deleted: int = 0
    runs: int = 0
    runs_deleted: int = 0
    metric_files: int = 0
    metric_bytes: int = 0
    registered_models: int = 0
    traces: int = 0
    logged_models: int = 0
    dataset_inputs: bool = False
    large_experiment_ids: int = 0  # ids above a 32-bit integer (the file store makes 18-digit ids)
    hints: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def resolve_file_store(ref: StoreRef) -> Path:
    """The directory holding experiment folders; accepts the folder that contains ``mlruns`` too."""
    assert ref.path is not None
    root = ref.path
    if not root.exists():
        raise errors.StoreNotFound(f"file store {root} does not exist: check the path")
    if not root.is_dir():
        raise errors.NotAnMlflowStore(
            f"{root} is a file, not a file store directory (for a SQLite database use sqlite:///{root})"
        )
    if not _experiment_dirs(root) and (root / "mlruns").is_dir():
        root = root / "mlruns"
    if not _experiment_dirs(root) and not (root / TRASH).is_dir() and not (root / "models").is_dir():
        raise errors.NotAnMlflowStore(
            f"{root} is not an MLflow file store: no experiment folders with a meta.yaml in it"
        )
    return root


def _experiment_dirs(root: Path) -> list[Path]:
    return [
        Path(e.path)
        for e in os.scandir(root)
        if e.is_dir() and e.name not in RESERVED and os.path.exists(os.path.join(e.path, "meta.yaml"))
    ]


def summarize_file_store(ref: StoreRef) -> FileStoreSummary:
    root = resolve_file_store(ref)
    summary = FileStoreSummary(path=str(root))
    for exp_dir in _experiment_dirs(root):
        summary.experiments_active += _count_experiment(exp_dir, summary, deleted=False)
    trash = root / TRASH
    if trash.is_dir():
        for exp_dir in _experiment_dirs(trash):
            summary.experiments_deleted += _count_experiment(exp_dir, summary, deleted=True)
    models = root / "models"
    if models.is_dir():
        summary.registered_models = sum(1 for e in os.scandir(models) if e.is_dir())
    summary.hints = _format_hints(summary)
    return summary


def _count_experiment(exp_dir: Path, summary: FileStoreSummary, *, deleted: bool) -> int:
    meta = _read_meta(exp_dir / "meta.yaml", summary)
    if meta is None:
        return 0
    if not deleted and meta.get("lifecycle_stage") == "deleted":
        summary.problems.append(f"{exp_dir}: lifecycle_stage deleted outside .trash")
    if _is_large_id(exp_dir.name):
        summary.large_experiment_ids += 1
    for entry in os.scandir(exp_dir):
        if not entry.is_dir():
            continue
        if entry.name == "traces":
            summary.traces += sum(1 for e in os.scandir(entry.path) if e.is_dir())
        elif entry.name == "models":
            summary.logged_models += sum(1 for e in os.scandir(entry.path) if e.is_dir())
        elif os.path.exists(os.path.join(entry.path, "meta.yaml")):
            _count_run(Path(entry.path), summary)
    return 1


def _count_run(run_dir: Path, summary: FileStoreSummary) -> None:
    summary.runs += 1
    metrics = run_dir / "metrics"
    if metrics.is_dir():
        for dirpath, _dirs, files in os.walk(metrics):
            summary.metric_files += len(files)
            summary.metric_bytes += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    if not summary.dataset_inputs and (run_dir / "inputs").is_dir():
        summary.dataset_inputs = True


def _read_meta(path: Path, summary: FileStoreSummary) -> dict | None:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        summary.problems.append(f"{path}: unreadable meta.yaml ({type(exc).__name__})")
        return None
    if not isinstance(data, dict):
        summary.problems.append(f"{path}: meta.yaml is not a mapping")
        return None
    return data


def _is_large_id(name: str) -> bool:
    return name.isdigit() and int(name) > 2**31 - 1


def _format_hints(s: FileStoreSummary) -> list[str]:
    hints = []
    if s.logged_models:
        hints.append("logged models present: written by MLflow 3.x")
    elif s.traces:
        hints.append("traces present: written by MLflow 2.15 or later")
    elif s.dataset_inputs:
        hints.append("dataset inputs present: written by MLflow 2.4 or later")
    if s.registered_models:
        hints.append("holds a file-based model registry (models/)")
    if s.experiments_deleted:
        hints.append(".trash holds deleted experiments (MLflow 1.x leaves lifecycle_stage active there)")
    if s.large_experiment_ids:
        hints.append(f"{s.large_experiment_ids} experiment ids exceed 32 bits")
    hints.append("MLflow 3.x deprecates file stores: `mlflow-upgrade migrate-filestore` moves it to SQL")
    return hints
