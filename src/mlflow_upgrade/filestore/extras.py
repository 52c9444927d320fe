"""The low-volume entities of a file store: traces (+tags, request metadata, assessments), logged models
(+params, tags, metrics) and the model registry. Each reader returns one *unit*: a list of (table, row dict)
that the loader writes in one transaction. Field semantics follow MLflow's official ``migrate-filestore``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mlflow_upgrade.filestore.problems import ProblemLog
from mlflow_upgrade.filestore.reader import LOGGED_MODEL_STATUS, bad_field, read_kv_dir, read_yaml
from mlflow_upgrade.store.filestore_layout import list_entries, subdirs

Unit = list[tuple[str, dict[str, Any]]]
UnitReader = Callable[[Path, ProblemLog], "tuple[str, Unit] | None"]


def _typed(read: UnitReader) -> UnitReader:
    """A unit reader that skips (and records) a unit whose YAML holds values of the wrong shape: a list or a
    mapping where MLflow writes a scalar, text where it writes a number, a number beyond 64 bits."""

    @functools.wraps(read)
    def checked(unit_dir: Path, problems: ProblemLog) -> tuple[str, Unit] | None:
        try:
            got = read(unit_dir, problems)
        except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as exc:
            problems.add("corrupt_meta", unit_dir, f"a value of the wrong type: {type(exc).__name__}: {exc}")
            return None
        if got is None:
            return None
        for table, row in got[1]:
            if wrong := bad_field(table, row):
                problems.add("corrupt_meta", unit_dir, wrong)
                return None
        return got

    return checked


def _timestamp_ms(meta: dict[str, Any]) -> int:
    if meta.get("timestamp_ms") is not None:
        return int(meta["timestamp_ms"])
    request_time = meta.get("request_time")
    if isinstance(request_time, int):
        return request_time
    if isinstance(request_time, str):
        try:
            parsed = datetime.fromisoformat(request_time.replace("Z", "+00:00"))
            return int(parsed.replace(tzinfo=parsed.tzinfo or timezone.utc).timestamp() * 1000)
        except ValueError:
            return 0
    return 0


@_typed
def read_trace(trace_dir: Path, problems: ProblemLog) -> tuple[str, Unit] | None:
    """(trace id, rows) with experiment_id left for the loader to fill in."""
    from mlflow.store.tracking.utils.trace_analytics import (
        PROMOTED_TRACE_METADATA_KEYS,
        analytics_columns_from_metadata,
    )
    from mlflow.tracing.constant import (
        MAX_CHARS_IN_TRACE_INFO_METADATA,
        MAX_CHARS_IN_TRACE_INFO_TAGS_VALUE,
        TraceMetadataKey,
        TraceTagKey,
    )

    meta = read_yaml(trace_dir / "trace_info.yaml", problems)
    if meta is None:
        return None
    trace_id = str(meta.get("trace_id") or meta.get("request_id") or trace_dir.name)
    tags = dict(read_kv_dir(trace_dir / "tags", problems))
    trace_name = tags.pop(TraceTagKey.TRACE_NAME, None)
    metadata = dict(read_kv_dir(trace_dir / "request_metadata", problems))
    if TraceMetadataKey.TRACE_SESSION in metadata:
        metadata[TraceMetadataKey.TRACE_SESSION] = metadata[TraceMetadataKey.TRACE_SESSION][
            :MAX_CHARS_IN_TRACE_INFO_METADATA
        ]
    analytics = analytics_columns_from_metadata(metadata)
    for key in PROMOTED_TRACE_METADATA_KEYS:
        metadata.pop(key, None)
    timestamp = _timestamp_ms(meta)
    unit: Unit = [("trace_info", {
        "request_id": trace_id,
        "timestamp_ms": timestamp,
        "execution_time_ms": meta.get("execution_time_ms") or meta.get("execution_duration_ms"),
        "status": meta.get("status") or meta.get("state", "OK"),
        "client_request_id": meta.get("client_request_id"),
        "request_preview": meta.get("request_preview"),
        "response_preview": meta.get("response_preview"),
        "trace_name": trace_name[:MAX_CHARS_IN_TRACE_INFO_TAGS_VALUE] if trace_name is not None else None,
        **analytics,
    })]
    unit += [("trace_tags", {"key": k, "value": v, "request_id": trace_id}) for k, v in tags.items()]
    unit += [("trace_request_metadata", {"key": k, "value": v, "request_id": trace_id}) for k, v in metadata.items()]
    unit += _read_assessments(trace_dir, trace_id, timestamp, problems)
    return trace_id, unit


def _read_assessments(trace_dir: Path, trace_id: str, trace_ts: int, problems: ProblemLog) -> Unit:
    from mlflow.store.tracking.utils.trace_analytics import assessment_aggregate

    unit: Unit = []
    for entry in list_entries(trace_dir / "assessments", problems):
        if not entry.name.endswith(".yaml"):
            continue
        meta = read_yaml(Path(entry.path), problems)
        if meta is None:
            continue
        if meta.get("feedback") is not None:
            kind, data = "feedback", meta["feedback"]
            error = json.dumps(data["error"]) if data.get("error") else None
        elif meta.get("expectation") is not None:
            kind, data, error = "expectation", meta["expectation"], None
        else:
            problems.add("corrupt_meta", entry.path, "assessment without feedback or expectation")
            continue
        value = data.get("value")
        aggregate, numeric = assessment_aggregate(value)
        source = meta.get("source") or {}
        created = meta.get("create_time_ms", 0)
        unit.append(("assessments", {
            "assessment_id": meta.get("assessment_id") or entry.name[:-5],
            "trace_id": trace_id, "trace_timestamp_ms": trace_ts,
            "name": meta.get("assessment_name", meta.get("name", "")), "assessment_type": kind,
            "value": json.dumps(value), "error": error, "created_timestamp": created,
            "last_updated_timestamp": meta.get("last_update_time_ms", created),
            "source_type": source.get("source_type", "CODE"), "source_id": source.get("source_id"),
            "run_id": meta.get("run_id"), "span_id": meta.get("span_id"), "rationale": meta.get("rationale"),
            "overrides": meta.get("overrides"), "valid": bool(meta.get("valid", True)),
            "assessment_metadata": json.dumps(meta["metadata"]) if meta.get("metadata") else None,
            "aggregate_value": aggregate, "is_numeric_value": numeric,
        }))
    return unit


@_typed
def read_logged_model(model_dir: Path, problems: ProblemLog) -> tuple[str, Unit] | None:
    meta = read_yaml(model_dir / "meta.yaml", problems)
    if meta is None:
        return None
    model_id = str(meta.get("model_id", model_dir.name))
    status = meta.get("status", 1)
    if isinstance(status, str):
        status = LOGGED_MODEL_STATUS.get(status, 1)
    unit: Unit = [("logged_models", {
        "model_id": model_id, "name": meta.get("name", ""), "artifact_location": meta.get("artifact_location", ""),
        "creation_timestamp_ms": meta.get("creation_timestamp", 0),
        "last_updated_timestamp_ms": meta.get("last_updated_timestamp", 0), "status": int(status),
        "lifecycle_stage": meta.get("lifecycle_stage", "active"), "model_type": meta.get("model_type"),
        "source_run_id": meta.get("source_run_id"), "status_message": meta.get("status_message"),
    })]
    unit += [("logged_model_params", {"model_id": model_id, "param_key": k, "param_value": v})
             for k, v in read_kv_dir(model_dir / "params", problems)]
    unit += [("logged_model_tags", {"model_id": model_id, "tag_key": k, "tag_value": v})
             for k, v in read_kv_dir(model_dir / "tags", problems)]
    seen: set[tuple] = set()
    for key, text in read_kv_dir(model_dir / "metrics", problems):
        for line in text.splitlines():
            parts = line.split()
            if len(parts) not in (4, 6):
                if line.strip():
                    problems.add("malformed_metric_line", model_dir / "metrics" / key, repr(line[:120]))
                continue
            try:
                ts, value, step = int(parts[0]), float(parts[1]), int(parts[2])
            except ValueError:
                problems.add("malformed_metric_line", model_dir / "metrics" / key, repr(line[:120]))
                continue
            pk = (key, ts, step, parts[3])
            if pk in seen:
                problems.add("duplicate_metric_point", model_dir / "metrics" / key, line[:120])
                continue
            seen.add(pk)
            unit.append(("logged_model_metrics", {
                "model_id": model_id, "metric_name": key, "metric_timestamp_ms": ts, "metric_step": step,
                "metric_value": value, "run_id": parts[3], "dataset_uuid": None,
                "dataset_name": parts[4] if len(parts) == 6 else None,
                "dataset_digest": parts[5] if len(parts) == 6 else None,
            }))
    return model_id, unit


@_typed
def read_registered_model(model_dir: Path, problems: ProblemLog) -> tuple[str, Unit] | None:
    meta = read_yaml(model_dir / "meta.yaml", problems)
    if meta is None:
        return None
    name = str(meta.get("name", model_dir.name))
    unit: Unit = [("registered_models", {
        "name": name, "creation_time": meta.get("creation_timestamp"),
        "last_updated_time": meta.get("last_updated_timestamp"), "description": meta.get("description"),
    })]
    unit += [("registered_model_tags", {"name": name, "key": k, "value": v})
             for k, v in read_kv_dir(model_dir / "tags", problems)]
    versions: set[int] = set()
    for vdir in subdirs(model_dir, problems):
        if not vdir.name.startswith("version-"):
            continue
        vmeta = read_yaml(vdir / "meta.yaml", problems)
        if vmeta is None:
            continue
        try:
            version = int(vmeta["version"])
        except (KeyError, TypeError, ValueError):
            problems.add("corrupt_meta", vdir / "meta.yaml", "no integer version")
            continue
        versions.add(version)
        unit.append(("model_versions", {
            "name": name, "version": version, "creation_time": vmeta.get("creation_timestamp"),
            "last_updated_time": vmeta.get("last_updated_timestamp"), "description": vmeta.get("description"),
            "user_id": vmeta.get("user_id"), "current_stage": vmeta.get("current_stage", "None"),
            "source": vmeta.get("source"), "storage_location": vmeta.get("storage_location"),
            "run_id": vmeta.get("run_id"), "run_link": vmeta.get("run_link"),
            "status": vmeta.get("status", "READY"), "status_message": vmeta.get("status_message"),
        }))
        unit += [("model_version_tags", {"name": name, "version": version, "key": k, "value": v})
                 for k, v in read_kv_dir(vdir / "tags", problems)]
    for alias, text in read_kv_dir(model_dir / "aliases", problems):
        try:
            version = int(text.strip())
        except ValueError:
            problems.add("corrupt_meta", model_dir / "aliases" / alias, f"version {text.strip()!r}")
            continue
        if version not in versions:
            problems.add("dangling_reference", model_dir / "aliases" / alias, f"version {version} not found")
            continue
        unit.append(("registered_model_aliases", {"name": name, "alias": alias, "version": version}))
    return name, unit
