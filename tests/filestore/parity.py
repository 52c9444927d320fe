"""What MLflow's own stores return, as plain comparable values: the file store read through ``FileStore`` and
the destination read through ``SqlAlchemyStore``.

Normalisations are exactly the documented ones: the SQL store keeps ±inf as ±DBL_MAX and -0.0 as 0.0 and holds
one copy of an exact duplicate metric point; an experiment in ``.trash`` is DELETED; an experiment id too large
for the destination column follows the migration's id map; MLflow 1.x runs take their name from the
``mlflow.runName`` tag (FileStore does the same on read).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")

DBL_MAX = 1.7976931348623157e308


def _num(value: float) -> Any:
    if value is None:
        return None
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return DBL_MAX if value > 0 else -DBL_MAX
    return value + 0.0


def _page_all(fn, **kwargs) -> list:
    out, token = [], None
    while True:
        page = fn(page_token=token, **kwargs)
        out.extend(page)
        token = page.token
        if not token:
            return out


def snapshot(store: Any, *, trash_ids: set[str] = frozenset(), id_map: dict[str, str] | None = None,
             registry: Any = None) -> dict[str, Any]:
    """Everything a user sees through the store's public API, keyed by the *source* experiment id."""
    from mlflow.entities import ViewType

    back = {v: k for k, v in (id_map or {}).items()}

    def src_id(exp_id: str) -> str:
        return back.get(str(exp_id), str(exp_id))

    snap: dict[str, Any] = {"experiments": {}, "runs": {}, "registered_models": {}, "logged_models": {}}
    experiments = _page_all(store.search_experiments, view_type=ViewType.ALL, max_results=1000)
    for exp in experiments:
        sid = src_id(exp.experiment_id)
        snap["experiments"][sid] = {
            "name": exp.name, "artifact_location": exp.artifact_location,
            "lifecycle_stage": "deleted" if sid in trash_ids else exp.lifecycle_stage,
            "creation_time": exp.creation_time, "last_update_time": exp.last_update_time, "tags": dict(exp.tags),
        }
    exp_ids = [e.experiment_id for e in experiments]
    runs = _page_all(store.search_runs, experiment_ids=exp_ids, filter_string="", run_view_type=ViewType.ALL,
                     max_results=1000)
    for run in runs:
        info = run.info
        history = {}
        for key in run.data.metrics:
            points = store.get_metric_history(info.run_id, key)
            history[key] = sorted({(p.timestamp, p.step, _num(p.value)) for p in points}, key=repr)
        snap["runs"][info.run_id] = {
            "experiment_id": src_id(info.experiment_id), "run_name": info.run_name, "status": info.status,
            "start_time": info.start_time, "end_time": info.end_time, "lifecycle_stage": info.lifecycle_stage,
            "artifact_uri": info.artifact_uri, "user_id": info.user_id,
            "params": dict(run.data.params), "tags": dict(run.data.tags),
            "metrics": {k: _num(v) for k, v in run.data.metrics.items()}, "history": history,
            "dataset_inputs": sorted(
                (d.dataset.name, d.dataset.digest, d.dataset.source_type, d.dataset.source,
                 tuple(sorted((t.key, t.value) for t in d.tags)))
                for d in (run.inputs.dataset_inputs if run.inputs else [])
            ),
        }
    if hasattr(store, "search_logged_models"):
        try:
            models = _page_all(store.search_logged_models, experiment_ids=exp_ids, max_results=100)
        except Exception:  # 2.x stores have no logged models
            models = []
        for model in models:
            snap["logged_models"][model.model_id] = {
                "name": model.name, "experiment_id": src_id(model.experiment_id), "status": str(model.status),
                "params": dict(model.params), "tags": dict(model.tags), "source_run_id": model.source_run_id,
                "metrics": sorted((m.key, m.step, m.timestamp, _num(m.value)) for m in (model.metrics or [])),
            }
    if registry is not None:
        for rm in _page_all(registry.search_registered_models, max_results=1000):
            versions = _page_all(registry.search_model_versions, filter_string=f"name='{rm.name}'",
                                 max_results=1000)
            snap["registered_models"][rm.name] = {
                "description": rm.description, "tags": dict(rm.tags), "aliases": {k: str(v) for k, v in rm.aliases.items()},
                "creation_timestamp": rm.creation_timestamp,
                "versions": sorted(
                    (int(v.version), v.current_stage, v.source, v.run_id, v.status, v.description or "",
                     tuple(sorted(v.tags.items())), v.creation_timestamp)
                    for v in versions
                ),
            }
    return snap


def file_snapshot(root: Path) -> dict[str, Any]:
    from mlflow.store.model_registry.file_store import FileStore as RegistryFileStore
    from mlflow.store.tracking.file_store import FileStore

    trash = {p.name for p in (root / ".trash").iterdir()} if (root / ".trash").is_dir() else set()
    registry = RegistryFileStore(str(root)) if (root / "models").is_dir() else None
    return snapshot(FileStore(str(root)), trash_ids=trash, registry=registry)


def sql_snapshot(uri: str, id_map: dict[str, str] | None = None, *, registry: bool = True) -> dict[str, Any]:
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore as RegistrySqlStore
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    tracking = SqlAlchemyStore(uri, "/tmp/mlflow-upgrade-artifacts")
    reg = RegistrySqlStore(uri) if registry else None
    try:
        return snapshot(tracking, id_map=id_map, registry=reg)
    finally:
        tracking.engine.dispose()
        if reg is not None:
            reg.engine.dispose()
