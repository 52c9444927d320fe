"""Stream a file store (``./mlruns``) written by MLflow 1.x, 2.x or 3.x, one entity at a time.

The files are read directly (``os.scandir`` + the C YAML loader) instead of through MLflow's ``FileStore``: it
re-reads every meta.yaml per call and is two orders of magnitude slower. The field semantics follow the
installed MLflow's ``FileStore`` and its official ``migrate-filestore`` (``mlflow/store/fs2db``). Memory is
bounded by the largest single run: nothing holds the whole store.
"""

from __future__ import annotations

import itertools
import math
import operator
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from mlflow_upgrade import errors
from mlflow_upgrade.filestore.problems import ProblemLog

try:  # the C loader is ~10x faster; fall back when PyYAML was built without libyaml
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

TRASH = ".trash"
MODELS = "models"
# Folders inside an experiment that are not runs.
RESERVED = {"tags", "datasets", "traces", "models", TRASH}
RUN_STATUS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
LOGGED_MODEL_STATUS = {"UNSPECIFIED": 0, "PENDING": 1, "READY": 2, "FAILED": 3}
DOUBLE_MAX = 1.7976931348623157e308
# input_uuid is not persisted by the file store: derive it from the path so a resumed run writes the same one.
_INPUT_NS = uuid.UUID("6f1b1c6e-2b1e-4d47-9d0e-5b7f4a0a9e11")


@dataclass
class ExperimentRec:
    src_id: str
    path: Path
    in_trash: bool
    name: str
    artifact_location: str | None
    lifecycle_stage: str
    creation_time: int | None
    last_update_time: int | None
    tags: list[tuple[str, str]]


class Series(NamedTuple):
    """One metric's points as columns (cheap to build, pickle and encode): ``is_nan`` is None when no
    point is NaN (the common case), else one flag per point."""

    key: str
    values: list[float]
    timestamps: list[int]
    steps: list[int]
    is_nan: list[bool] | None

    def rows(self, run_uuid: str) -> list[tuple]:
        """(key, value, timestamp, step, is_nan, run_uuid) rows, as the metrics table holds them."""
        n = len(self.values)
        nans = self.is_nan if self.is_nan is not None else [False] * n
        return list(zip([self.key] * n, self.values, self.timestamps, self.steps, nans, [run_uuid] * n,
                        strict=True))


@dataclass
class RunRec:
    run_uuid: str
    path: Path
    row: dict[str, Any]  # the runs row (experiment_id filled in by the loader)
    params: list[tuple[str, str]] = field(default_factory=list)
    tags: list[tuple[str, str]] = field(default_factory=list)
    # metric points as columns, one Series per metric key, exact duplicates removed; replaced by their
    # encoding for the writer in the reader process (encode.py)
    metrics: Any = field(default_factory=list)
    metric_count: int = 0
    latest: list[tuple] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)  # dataset inputs + model inputs/outputs
    input_tags: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return 1 + len(self.params) + len(self.tags) + self.metric_count + len(self.latest) + len(self.inputs)


def resolve_root(src: Path) -> Path:
    """The directory holding experiment folders: ``SRC/mlruns`` or ``SRC`` itself (as the official tool)."""
    if not src.exists():
        raise errors.StoreNotFound(f"file store {src} does not exist: give the ./mlruns directory")
    if not src.is_dir():
        raise errors.NotAnMlflowStore(f"{src} is a file, not a file store directory (./mlruns)")
    if (src / "mlruns").is_dir():
        src = src / "mlruns"
    try:
        names = [e.name for e in os.scandir(src) if e.is_dir()]
    except OSError as exc:
        raise errors.StoreNotFound(f"cannot read {src}: {exc.strerror}") from None
    if any(n.isdigit() or n in (TRASH, MODELS) for n in names) or (src / "0" / "meta.yaml").is_file():
        return src
    raise errors.NotAnMlflowStore(
        f"{src} is not an MLflow file store: no experiment folders (0/, <id>/), .trash/ or models/ in it"
    )


def read_yaml(path: Path, problems: ProblemLog) -> dict | None:
    """meta.yaml as a dict, or None after recording why (missing / corrupt)."""
    try:
        with open(path, "rb") as fh:
            data = yaml.load(fh, Loader=_Loader)
    except FileNotFoundError:
        problems.add("missing_meta", path.parent, f"no {path.name}")
        return None
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.add("corrupt_meta", path, _one_line(exc))
        return None
    if not isinstance(data, dict):
        problems.add("corrupt_meta", path, "empty or not a mapping")
        return None
    return data


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def read_kv_dir(root: Path, problems: ProblemLog) -> list[tuple[str, str]]:
    """Files under ``root`` (params/, tags/, ...) as (relative posix path, content); nested keys keep '/'."""
    out: list[tuple[str, str]] = []
    for key, path in _kv_paths(root):
        try:
            out.append((key, _read_text(path)))
        except (OSError, UnicodeDecodeError) as exc:
            problems.add("unreadable_file", path, _one_line(exc))
    return out


def _kv_paths(root: Path) -> list[tuple[str, str]]:
    """(key, path) of the files under ``root``, sorted by key."""
    out: list[tuple[str, str]] = []
    stack = [("", str(root))]
    while stack:
        prefix, directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except FileNotFoundError:
            continue
        for entry in entries:
            key = prefix + entry.name
            if entry.is_dir():
                stack.append((key + "/", entry.path))
            else:
                out.append((key, entry.path))
    out.sort()
    return out


_READ_BYTES = 1 << 20


def _read_text(path: str) -> str:
    text = _read_text_upto(path, sys.maxsize)
    assert text is not None
    return text


def _read_text_upto(path: str, limit: int) -> str | None:
    """A whole file as text, or None (read no further) if it is longer than ``limit``: raw ``os.read`` skips
    the io stack (64 k files in the benchmark), and no stat is needed to find the large ones."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        size = 0
        while chunk := os.read(fd, _READ_BYTES):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                return None
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8")


def list_experiments(root: Path) -> list[tuple[str, Path, bool]]:
    """(id, path, in_trash) for every experiment folder; active ones first so they keep their names."""
    found = []
    for base, in_trash in ((root, False), (root / TRASH, True)):
        try:
            entries = sorted(os.scandir(base), key=lambda e: e.name)
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.is_dir() and entry.name.isdigit():
                found.append((entry.name, Path(entry.path), in_trash))
    return found


def read_experiment(src_id: str, path: Path, in_trash: bool, problems: ProblemLog) -> ExperimentRec | None:
    meta = read_yaml(path / "meta.yaml", problems)
    if meta is None:
        return None
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        problems.add("corrupt_meta", path / "meta.yaml", "no experiment name")
        return None
    meta_id = str(meta.get("experiment_id", src_id))
    if meta_id != src_id:
        problems.add("id_mismatch", path / "meta.yaml", f"experiment_id {meta_id} in a folder named {src_id}")
    stage = meta.get("lifecycle_stage") or "active"
    if in_trash:
        # MLflow 1.x moved deleted experiments to .trash without touching meta.yaml: the folder decides.
        if stage != "deleted":
            problems.add("trash_lifecycle_mismatch", path, f"lifecycle_stage {stage!r} in .trash")
        problems.add("trashed_experiment", path, name)
        stage = "deleted"
    return ExperimentRec(
        src_id=src_id,
        path=path,
        in_trash=in_trash,
        name=name,
        artifact_location=meta.get("artifact_location"),
        lifecycle_stage=stage,
        creation_time=meta.get("creation_time"),
        last_update_time=meta.get("last_update_time"),
        tags=read_kv_dir(path / "tags", problems),
    )


def list_run_dirs(exp_path: Path) -> list[Path]:
    try:
        entries = sorted(os.scandir(exp_path), key=lambda e: e.name)
    except FileNotFoundError:
        return []
    return [Path(e.path) for e in entries if e.is_dir() and e.name not in RESERVED]


def read_run(run_dir: Path, exp_src_id: str, problems: ProblemLog, dataset_ids: dict[str, str],
             limits: dict[str, int] | None = None,
             on_metric: Callable[[str, Series], None] | None = None) -> RunRec | None:
    """The run in ``run_dir``, or None after recording why. ``on_metric(run_uuid, series)``, when given,
    receives each metric as it is parsed instead of ``RunRec.metrics`` holding them all (``metric_count``
    still counts them)."""
    meta = read_yaml(run_dir / "meta.yaml", problems)
    if meta is None:
        return None
    run_uuid = meta.get("run_uuid") or meta.get("run_id")
    if not run_uuid:
        problems.add("corrupt_meta", run_dir / "meta.yaml", "no run_uuid/run_id")
        return None
    run_uuid = str(run_uuid)
    if run_uuid != run_dir.name:
        problems.add("id_mismatch", run_dir / "meta.yaml", f"run_uuid {run_uuid} in a folder named {run_dir.name}")
        run_uuid = run_dir.name
    meta_exp = meta.get("experiment_id")
    if meta_exp is not None and str(meta_exp) != exp_src_id:
        problems.add("id_mismatch", run_dir / "meta.yaml", f"experiment_id {meta_exp} in experiment {exp_src_id}")
    status = meta.get("status", 1)
    status = RUN_STATUS.get(status, "RUNNING") if isinstance(status, int) else str(status)
    source_type = meta.get("source_type")
    tags = read_kv_dir(run_dir / "tags", problems)
    name = meta.get("run_name") or meta.get("name")
    if not name:  # MLflow 1.x kept the run name only in the mlflow.runName tag
        name = next((v for k, v in tags if k == "mlflow.runName"), None)
    row = {
        "run_uuid": run_uuid,
        "name": name,
        "source_type": source_type if isinstance(source_type, str) else "LOCAL",
        "source_name": meta.get("source_name") or "",
        "entry_point_name": meta.get("entry_point_name") or "",
        "user_id": meta.get("user_id"),
        "status": status,
        "start_time": meta.get("start_time"),
        "end_time": meta.get("end_time"),
        "deleted_time": meta.get("deleted_time"),
        "source_version": meta.get("source_version") or "",
        "lifecycle_stage": meta.get("lifecycle_stage") or "active",
        "artifact_uri": meta.get("artifact_uri"),
    }
    rec = RunRec(run_uuid=run_uuid, path=run_dir, row=row, tags=tags)
    rec.params = read_kv_dir(run_dir / "params", problems)
    _read_metrics(rec, run_dir / "metrics", problems, on_metric, (limits or {}).get("metrics.key"))
    if limits:
        _apply_limits(rec, run_dir, limits, problems)
    if on_metric is None:
        rec.metric_count = sum(len(series.values) for series in rec.metrics)
    _read_inputs(rec, run_dir, problems, dataset_ids)
    return rec


def _apply_limits(rec: RunRec, run_dir: Path, limits: dict[str, int], problems: ProblemLog) -> None:
    """Drop (and record) params and tags whose key or value the destination cannot hold (metric keys:
    ``_read_metrics``, before the points are handed on)."""
    for table, attr in (("params", "params"), ("tags", "tags")):
        max_key, max_value = limits.get(f"{table}.key"), limits.get(f"{table}.value")
        kept = []
        for key, value in getattr(rec, attr):
            if (max_key and len(key) > max_key) or (max_value and len(value) > max_value):
                problems.add("value_too_long", run_dir / table / key,
                             f"{len(key)}-character key / {len(value)}-character value; the destination holds "
                             f"{max_key} / {max_value}")
            else:
                kept.append((key, value))
        setattr(rec, attr, kept)


def sanitize(value: float) -> tuple[float, bool]:
    """(value, is_nan) as MLflow's SQL store keeps them: NaN → 0 + flag, ±inf → ±DBL_MAX, -0.0 → 0.0."""
    if value != value:
        return 0.0, True
    if math.isinf(value):
        return (DOUBLE_MAX if value > 0 else -DOUBLE_MAX), False
    return value + 0.0, False


_INF = math.inf


def _parse_metric_lines(key: str, lines: list[str], run_uuid: str) -> tuple[list[tuple], list[str], bool]:
    """Rows, malformed lines, and whether a value was rewritten (NaN/inf/-0.0: may collide after sanitizing).

    The hot loop of the whole migration (2 M lines in the benchmark): no per-line function calls on the
    common path.
    """
    rows: list[tuple] = []
    bad: list[str] = []
    rewritten = False
    append = rows.append
    for line in lines:
        parts = line.split(" ")
        n = len(parts)
        try:
            if n == 3:
                value = float(parts[1])
                step = int(parts[2])
            elif n == 2:
                value = float(parts[1])
                step = 0
            elif n == 5:
                value = float(parts[1])
                step = int(parts[2])
            else:
                raise ValueError
            ts = int(parts[0])
        except ValueError:
            slow = _parse_slow(line)
            if slow is None:
                if line.strip():
                    bad.append(line)
                continue
            ts, value, step = slow
        if value != value or value == _INF or value == -_INF or (value == 0.0 and str(value)[0] == "-"):
            rewritten = True
            value, is_nan = sanitize(value)
            append((key, value, ts, step, is_nan, run_uuid))
        else:
            append((key, value, ts, step, False, run_uuid))
    return rows, bad, rewritten


def _parse_slow(line: str) -> tuple[int, float, int] | None:
    """FileStore's own rule (``line.strip().split(" ")``, 2, 3 or 5 fields) for lines the fast path refused."""
    parts = line.strip().split(" ")
    try:
        if len(parts) in (3, 5):
            return int(parts[0]), float(parts[1]), int(parts[2])
        if len(parts) == 2:
            return int(parts[0]), float(parts[1]), 0
    except ValueError:
        return None
    return None


def _parse_fast(key: str, lines: list[str], run_uuid: str) -> tuple[Series, tuple] | None:
    """(series, latest row) for the common file: every line ``ts value step``, finite values, no two lines
    naming one point. Done with C-level map/zip (3× faster than the line loop); None sends the file to the
    careful path, which handles everything else."""
    n = len(lines)
    # exactly three space-separated fields on every line: then one split of the joined lines gives them all
    if not n or set(map(str.count, lines, itertools.repeat(" ", n))) != {2}:
        return None
    fields = " ".join(lines).split(" ")
    try:
        stamps = list(map(int, fields[0::3]))
        values = list(map(float, fields[1::3]))
        steps = list(map(int, fields[2::3]))
    except ValueError:
        return None
    total = sum(values)
    if total != total or total in (_INF, -_INF):  # NaN or ±inf somewhere (or a sum overflow): careful path
        return None
    if 0.0 in values and any(math.copysign(1.0, v) < 0 for v in values if v == 0.0):  # -0.0
        return None
    if not _increasing(steps):
        # steps not strictly increasing: two lines may name one point ("1.0" and "1.00" at one step and
        # timestamp), and the latest point needs a full comparison
        points = list(zip(steps, stamps, values, strict=True))
        if len(set(points)) != n:
            return None
        step, stamp, value = max(points)  # MLflow's latest: max step, then timestamp, then value
    else:  # the usual file: one line per step, in order; the last line is the latest point
        step, stamp, value = steps[-1], stamps[-1], values[-1]
    return Series(key, values, stamps, steps, None), (key, value, stamp, step, False, run_uuid)


BIG_METRIC_BYTES = 8 << 20  # a metric file larger than this (~200 000 points) is parsed in slices if it can be
_SLICE_BYTES = 2 << 20


def _increasing(steps: list[int]) -> bool:
    return all(map(operator.lt, steps, itertools.islice(steps, 1, None)))


def _line_slices(path: str) -> Iterator[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        while chunk := fh.readlines(_SLICE_BYTES):
            yield "".join(chunk).splitlines()


class _NotInOrder(Exception):
    pass


def _slices_in_order(key: str, path: str, run_uuid: str) -> Iterator[tuple[Series, tuple]]:
    """(series, latest row) of each slice of the file; raises _NotInOrder at the first line that is not a plain
    ``ts value step`` or whose step does not follow the previous one."""
    last = None
    for lines in _line_slices(path):
        got = _parse_fast(key, lines, run_uuid)
        if got is None or not _increasing(got[0].steps) or (last is not None and got[0].steps[0] <= last):
            raise _NotInOrder
        last = got[0].steps[-1]
        yield got


def _stream_in_order(key: str, path: str, run_uuid: str, emit: Callable[[Series], None]) -> tuple | None:
    """A large metric file handed to ``emit`` a slice at a time: only when every line is a plain
    ``ts value step`` and steps strictly increase through the whole file, so no two lines can name one point
    and the last line is the latest point. A first pass checks that (without keeping anything); else None,
    and the file is read whole by the careful path. Returns the latest row."""
    try:
        slices = sum(1 for _ in _slices_in_order(key, path, run_uuid))  # the whole file, keeping nothing
    except (_NotInOrder, OSError, UnicodeDecodeError):
        return None
    if not slices:
        return None
    latest = None
    try:
        for series, row in _slices_in_order(key, path, run_uuid):
            emit(series)
            latest = row
    except _NotInOrder:
        raise errors.OperationFailed(f"{path} changed while it was read: run the migration again") from None
    return latest


def _read_metrics(rec: RunRec, metrics_dir: Path, problems: ProblemLog,
                  on_metric: Callable[[str, Series], None] | None = None, max_key: int | None = None) -> None:
    run_uuid = rec.run_uuid

    def emit(series: Series) -> None:
        if on_metric is None:
            rec.metrics.append(series)
        else:
            on_metric(run_uuid, series)
            rec.metric_count += len(series.values)

    for key, path in _kv_paths(metrics_dir):
        if max_key and len(key) > max_key:  # the destination cannot hold the key: recorded, skipped
            problems.add("value_too_long", path, f"{len(key)}-character metric key; the destination holds {max_key}")
            continue
        try:
            text = _read_text_upto(path, BIG_METRIC_BYTES)
            if text is None:  # a large file: in slices, when its lines allow it, else whole
                latest = _stream_in_order(key, path, run_uuid, emit)
                if latest is not None:
                    rec.latest.append(latest)
                    continue
                text = _read_text(path)
        except (OSError, UnicodeDecodeError) as exc:
            problems.add("unreadable_file", path, _one_line(exc))
            continue
        lines = text.splitlines()
        del text
        unique = list(dict.fromkeys(lines))  # exact duplicate lines: the common case, found cheaply
        dupes = len(lines) - len(unique)
        fast = _parse_fast(key, unique, run_uuid)
        if fast is not None:
            if dupes:
                problems.add("duplicate_metric_point", metrics_dir / key, f"{dupes} duplicate line(s) dropped",
                             dupes)
            emit(fast[0])
            rec.latest.append(fast[1])
            continue
        rows, bad, _ = _parse_metric_lines(key, unique, run_uuid)
        # e.g. "inf" and "1.7976931348623157e+308", or "1.0" and "1.00", at one step: one SQL row
        kept = list(dict.fromkeys(rows))
        dupes += len(rows) - len(kept)
        rows = kept
        for line in bad[:3]:
            problems.add("malformed_metric_line", metrics_dir / key, repr(line[:120]))
        if len(bad) > 3:
            problems.add("malformed_metric_line", metrics_dir / key, f"{len(bad) - 3} more malformed lines",
                         len(bad) - 3)
        if dupes:
            problems.add("duplicate_metric_point", metrics_dir / key, f"{dupes} duplicate line(s) dropped", dupes)
        if not rows:
            continue
        # MLflow's latest_metrics: max step, then max timestamp, then max value (NaN compares as 0);
        # the first point logged wins a tie, as in SqlAlchemyStore._update_latest_metrics_if_necessary.
        latest = rows[0]
        best = (latest[3], latest[2], latest[1])
        for row in rows:
            if row[3] >= best[0]:
                cand = (row[3], row[2], row[1])
                if cand > best:
                    best, latest = cand, row
        nans = [r[4] for r in rows]
        emit(Series(key, [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows],
                    nans if any(nans) else None))
        rec.latest.append(latest)


def _folders_with_meta(base: Path, problems: ProblemLog) -> Iterator[tuple[os.DirEntry, dict]]:
    """Sub-folders of ``base`` in name order with their parsed meta.yaml; unreadable ones are recorded and skipped."""
    for entry in sorted(os.scandir(base), key=lambda e: e.name):
        if entry.is_dir() and (meta := read_yaml(Path(entry.path) / "meta.yaml", problems)) is not None:
            yield entry, meta


def _read_inputs(rec: RunRec, run_dir: Path, problems: ProblemLog, dataset_ids: dict[str, str]) -> None:
    """Dataset inputs, model inputs and model outputs, mapped as the official migrate-filestore does."""
    run_uuid = rec.run_uuid
    for sub in ("inputs", "outputs"):
        base = run_dir / sub
        if not base.is_dir():
            continue
        for entry, meta in _folders_with_meta(base, problems):
            input_uuid = str(uuid.uuid5(_INPUT_NS, f"{run_uuid}/{sub}/{entry.name}"))
            if sub == "outputs":
                row = {"source_type": "RUN_OUTPUT", "source_id": run_uuid, "destination_type": "MODEL_OUTPUT",
                       "destination_id": entry.name, "step": int(meta.get("step", 0) or 0)}
            elif meta.get("source_type", "DATASET") == "DATASET":
                ds_uuid = dataset_ids.get(str(meta.get("source_id", "")))
                if ds_uuid is None:
                    problems.add("dangling_reference", entry.path, f"dataset {meta.get('source_id')} not found")
                    continue
                row = {"source_type": "DATASET", "source_id": ds_uuid, "destination_type": "RUN",
                       "destination_id": run_uuid, "step": 0}
            elif meta.get("source_type") == "MODEL":
                row = {"source_type": "RUN_INPUT", "source_id": run_uuid, "destination_type": "MODEL_INPUT",
                       "destination_id": str(meta.get("source_id", "")), "step": 0}
            else:
                problems.add("corrupt_meta", Path(entry.path) / "meta.yaml", f"source_type {meta.get('source_type')}")
                continue
            row["input_uuid"] = input_uuid
            rec.inputs.append(row)
            for tag_name, tag_value in (meta.get("tags") or {}).items():
                rec.input_tags.append((input_uuid, str(tag_name), str(tag_value)))


def read_datasets(exp_path: Path, problems: ProblemLog) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, str]]:
    """(folder name, datasets row) pairs (experiment_id filled by the loader), {folder name: dataset_uuid}."""
    rows: list[tuple[str, dict[str, Any]]] = []
    ids: dict[str, str] = {}
    base = exp_path / "datasets"
    if not base.is_dir():
        return rows, ids
    for entry, meta in _folders_with_meta(base, problems):
        ds_uuid = str(meta.get("dataset_uuid") or uuid.uuid5(_INPUT_NS, f"dataset/{exp_path.name}/{entry.name}"))
        ids[entry.name] = ds_uuid
        rows.append((entry.name, {
            "dataset_uuid": ds_uuid, "name": meta.get("name", ""), "digest": meta.get("digest", ""),
            "dataset_source_type": meta.get("source_type", ""), "dataset_source": meta.get("source", ""),
            "dataset_schema": meta.get("schema"), "dataset_profile": meta.get("profile"),
        }))
    return rows, ids
