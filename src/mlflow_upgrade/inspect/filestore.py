"""Read-only summary of an MLflow file store (``./mlruns``) for ``inspect``.

Only directories are listed and a handful of small YAML files read, so a store of tens of thousands of runs is
summarised in well under a second. Which MLflow wrote it is inferred from the layout each release introduced.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mlflow_upgrade.store import filestore_layout as layout
from mlflow_upgrade.store.uri import StoreRef


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
    return layout.resolve_root(ref.path)


def summarize_file_store(ref: StoreRef) -> FileStoreSummary:
    """Counts by the same layout ``migrate-filestore`` reads (store/filestore_layout.py), so the two agree."""
    root = resolve_file_store(ref)
    summary = FileStoreSummary(path=str(root))
    for _id, exp_dir, in_trash in layout.list_experiments(root):
        _count_experiment(exp_dir, summary, deleted=in_trash)
        if in_trash:
            summary.experiments_deleted += 1
        else:
            summary.experiments_active += 1
    summary.registered_models = len(layout.list_registered_models(root))
    summary.hints = _format_hints(summary)
    return summary


def _count_experiment(exp_dir: Path, summary: FileStoreSummary, *, deleted: bool) -> None:
    """Count an experiment's runs, traces and logged models. An unreadable meta.yaml is listed as a problem but
    the folder still counts: migrate-filestore rebuilds such an experiment from its folder."""
    meta = _read_meta(exp_dir / layout.META, summary)
    if meta is not None and not deleted and meta.get("lifecycle_stage") == "deleted":
        summary.problems.append(f"{exp_dir}: lifecycle_stage deleted outside .trash")
    if _is_large_id(exp_dir.name):
        summary.large_experiment_ids += 1
    summary.traces += len(layout.list_traces(exp_dir))
    summary.logged_models += len(layout.list_logged_models(exp_dir))
    for run_dir in layout.list_run_dirs(exp_dir):
        if (run_dir / layout.META).exists():
            _count_run(run_dir, summary)


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
