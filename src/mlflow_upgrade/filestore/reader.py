"""Stream a file store (``./mlruns``) written by MLflow 1.x, 2.x or 3.x, one entity at a time.

The files are read directly (``os.scandir`` + the C YAML loader) instead of through MLflow's ``FileStore``: it
re-reads every meta.yaml per call and is two orders of magnitude slower. The field semantics follow the
installed MLflow's ``FileStore`` and its official ``migrate-filestore`` (``mlflow/store/fs2db``). Memory is
bounded by the largest single run: nothing holds the whole store.
"""

from __future__ import annotations

import datetime
import errno
import itertools
import math
import operator
import os
import re
import reprlib
import stat
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from mlflow_upgrade import errors
from mlflow_upgrade.filestore.problems import ProblemLog
from mlflow_upgrade.store.filestore_layout import link_target, list_entries

try:  # the C loader is ~10x faster; fall back when PyYAML was built without libyaml
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

RUN_STATUS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
LOGGED_MODEL_STATUS = {"UNSPECIFIED": 0, "PENDING": 1, "READY": 2, "FAILED": 3}
DOUBLE_MAX = 1.7976931348623157e308
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # timestamps and steps: BIGINT on every dialect
SOURCE_TYPES = ("NOTEBOOK", "JOB", "PROJECT", "LOCAL", "UNKNOWN")  # runs.source_type's CHECK constraint
SALVAGED_STATUS = "FAILED"  # a rebuilt run's status is unknown: not RUNNING (it is not), not FINISHED (unproven)
RECOVERED_TAG = "mlflow_upgrade.recovered"  # on a rebuilt/repaired run or experiment: the fields guessed
# MLflow's run id rule (_validate_run_id), bounded by runs.run_uuid's VARCHAR(32)
_RUN_ID = re.compile(r"[a-zA-Z0-9][\w\-]{0,31}")
# Files are opened without following a symlink and without blocking on a FIFO.
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
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


class MetaError(Exception):
    """A meta.yaml that cannot be used: the problem kind, the path to list and a one-line reason."""

    def __init__(self, kind: str, path: Path, detail: str) -> None:
        super().__init__(detail)
        self.kind, self.path, self.detail = kind, path, detail

    def record(self, problems: ProblemLog) -> None:
        problems.add(self.kind, self.path, self.detail)


def load_yaml(path: Path) -> dict:
    """A YAML file (meta.yaml, trace_info.yaml, ...) as a mapping, or :class:`MetaError`.

    Anchors and aliases are refused before any object is built: MLflow's ``yaml.safe_dump`` of its flat
    mappings never writes one, and an alias bomb ("billion laughs") would otherwise turn a few hundred
    bytes into an object that takes hours and gigabytes to write out."""
    try:
        data = _read_bytes(path)
    except FileNotFoundError:
        raise MetaError("missing_meta", path.parent, f"no {path.name}") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a symlink
            raise MetaError("symlink", path, f"-> {link_target(path)}") from None
        raise MetaError("corrupt_meta", path, _one_line(exc)) from None
    try:
        if (b"&" in data or b"*" in data) and _has_alias(data):
            raise MetaError("corrupt_meta", path, "YAML anchors/aliases refused (MLflow never writes them; an "
                                                  "alias bomb would expand without bound)")
        loaded = yaml.load(data, Loader=_Loader)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        raise MetaError("corrupt_meta", path, _one_line(exc)) from None
    if not isinstance(loaded, dict):
        raise MetaError("corrupt_meta", path, "empty or not a mapping")
    return loaded


def read_yaml(path: Path, problems: ProblemLog) -> dict | None:
    """meta.yaml as a dict, or None after recording why (missing / corrupt / a symlink)."""
    try:
        return load_yaml(path)
    except MetaError as exc:
        exc.record(problems)
        return None


def _read_bytes(path: Path | str) -> bytes:
    fd = os.open(path, _OPEN_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a FIFO, a device, a directory
            raise OSError(errno.EINVAL, "not a regular file")
        chunks = []
        while chunk := os.read(fd, _READ_BYTES):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def _has_alias(data: bytes) -> bool:
    """Whether the YAML text defines an anchor or uses an alias: parser events only, nothing constructed."""
    for event in yaml.parse(data, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            return True
    return False


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def read_kv_dir(root: Path, problems: ProblemLog) -> list[tuple[str, str]]:
    """Files under ``root`` (params/, tags/, ...) as (relative posix path, content); nested keys keep '/'."""
    out: list[tuple[str, str]] = []
    for key, path in _kv_paths(root, problems):
        try:
            out.append((key, _read_text(path)))
        except (OSError, UnicodeDecodeError) as exc:
            problems.add("unreadable_file", path, _one_line(exc))
    return out


def _kv_paths(root: Path, problems: ProblemLog) -> list[tuple[str, str]]:
    """(key, path) of the regular files under ``root``, sorted by key (symlinks and others recorded)."""
    out: list[tuple[str, str]] = []
    stack = [("", str(root))]
    while stack:
        prefix, directory = stack.pop()
        for entry in list_entries(directory, problems):
            key = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                stack.append((key + "/", entry.path))
            elif entry.is_file(follow_symlinks=False):
                out.append((key, entry.path))
            else:  # a FIFO would block the read, a device never end
                problems.add("unreadable_file", entry.path, "not a regular file")
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
    fd = os.open(path, _OPEN_FLAGS)
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


class _Fields:
    """Typed reads of a meta.yaml mapping. A value of the wrong type (a list for a name, a string for a
    time, a number beyond 64 bits) reads as absent and its key is noted in ``bad``; a number or date where
    text is expected (an unquoted ``name: 123``) reads as its text, noted too."""

    def __init__(self, meta: dict) -> None:
        self.meta = meta
        self.bad: list[str] = []

    def text(self, key: str) -> str | None:
        value = self.meta.get(key)
        if value is None or isinstance(value, str):
            return value
        self.bad.append(key)
        if isinstance(value, (int, float, datetime.date)):
            return str(value)
        return None

    def int64(self, key: str) -> int | None:
        value = self.meta.get(key)
        if value is None or (type(value) is int and INT64_MIN <= value <= INT64_MAX):
            return value
        self.bad.append(key)
        return None

    def choice(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.meta.get(key)
        if value is None:
            return default
        if value in allowed:
            return value
        self.bad.append(key)
        return default


def read_experiment(src_id: str, path: Path, in_trash: bool, problems: ProblemLog) -> ExperimentRec | None:
    """The experiment in ``path``; rebuilt from the folder when its meta.yaml is unreadable and the folder holds
    something (tags, runs); None after recording why when it holds nothing."""
    children = list_entries(path, problems)  # records symlinked runs and sub-folders, which are not followed
    try:
        meta = load_yaml(path / "meta.yaml")
        unreadable = None
    except MetaError as exc:
        if not any(e.name != "meta.yaml" for e in children):
            exc.record(problems)
            return None
        meta, unreadable = {}, exc
    fields = _Fields(meta)
    name = fields.text("name")
    meta_id = str(meta.get("experiment_id", src_id))
    if meta_id != src_id:
        problems.add("id_mismatch", path / "meta.yaml", f"experiment_id {meta_id} in a folder named {src_id}")
    stage = fields.choice("lifecycle_stage", ("active", "deleted"), "active")
    if in_trash:
        # MLflow 1.x moved deleted experiments to .trash without touching meta.yaml: the folder decides.
        if stage != "deleted" and unreadable is None:
            problems.add("trash_lifecycle_mismatch", path, f"lifecycle_stage {stage!r} in .trash")
        stage = "deleted"
    artifact_location = fields.text("artifact_location")
    creation_time, last_update_time = fields.int64("creation_time"), fields.int64("last_update_time")
    guessed = list(fields.bad)
    if unreadable is not None:
        guessed = ["name", "artifact_location", "lifecycle_stage", "creation_time", "last_update_time"]
    if not name:
        name = f"experiment {src_id} (recovered)"
        guessed = list(dict.fromkeys([*guessed, "name"]))
    if artifact_location is None and "artifact_location" in guessed:
        artifact_location = path.as_uri()  # FileStore's default: the experiment's folder
    if in_trash:
        problems.add("trashed_experiment", path, name)
    tags = read_kv_dir(path / "tags", problems)
    if guessed:
        _note_recovered(problems, path, unreadable, guessed)
        tags = [*(t for t in tags if t[0] != RECOVERED_TAG), (RECOVERED_TAG, ",".join(guessed))]
    return ExperimentRec(src_id=src_id, path=path, in_trash=in_trash, name=name,
                         artifact_location=artifact_location, lifecycle_stage=stage, creation_time=creation_time,
                         last_update_time=last_update_time, tags=tags)


def _note_recovered(problems: ProblemLog, path: Path, unreadable: MetaError | None, guessed: list[str]) -> None:
    if unreadable is not None:
        problems.add("salvaged", path, f"{unreadable.kind}: {unreadable.detail}; guessed: {', '.join(guessed)}")
    else:
        problems.add("repaired_meta", path / "meta.yaml", f"wrong type or out of range: {', '.join(guessed)}")


def read_run(run_dir: Path, exp_src_id: str, problems: ProblemLog, dataset_ids: dict[str, str],
             limits: dict[str, int] | None = None,
             on_metric: Callable[[str, Series], None] | None = None) -> RunRec | None:
    """The run in ``run_dir``, or None after recording why. A run whose meta.yaml is unreadable is rebuilt from
    what its folder proves (see :func:`_run_row`). ``on_metric(run_uuid, series)``, when given, receives each
    metric as it is parsed instead of ``RunRec.metrics`` holding them all (``metric_count`` still counts
    them)."""
    if not _RUN_ID.fullmatch(run_dir.name):  # the folder name is the run id: runs.run_uuid could not hold it
        problems.add("corrupt_meta", run_dir, "the folder name is not a run id (letters, digits, _ and -, at most "
                                              "32 characters)")
        return None
    try:
        meta, unreadable = load_yaml(run_dir / "meta.yaml"), None
    except MetaError as exc:
        if not _salvageable(run_dir, exc):
            exc.record(problems)
            return None
        meta, unreadable = {}, exc
    run_uuid = run_dir.name
    meta_uuid = meta.get("run_uuid") or meta.get("run_id")
    if unreadable is None and str(meta_uuid) != run_uuid:
        problems.add("id_mismatch", run_dir / "meta.yaml", f"run_uuid {meta_uuid} in a folder named {run_uuid}")
    meta_exp = meta.get("experiment_id")
    if meta_exp is not None and str(meta_exp) != exp_src_id:
        problems.add("id_mismatch", run_dir / "meta.yaml", f"experiment_id {meta_exp} in experiment {exp_src_id}")
    tags = read_kv_dir(run_dir / "tags", problems)
    row, guessed = _run_row(_Fields(meta), run_dir, dict(tags), salvaged=unreadable is not None)
    span = _Span() if ("start_time" in guessed or "end_time" in guessed) else None
    rec = RunRec(run_uuid=run_uuid, path=run_dir, row=row, tags=tags)
    rec.params = read_kv_dir(run_dir / "params", problems)
    _read_metrics(rec, run_dir / "metrics", problems, on_metric, (limits or {}).get("metrics.key"), span)
    if span is not None and span.first is not None:  # times from the metric timestamps
        row["start_time"] = row["start_time"] if "start_time" not in guessed else span.first
        row["end_time"] = row["end_time"] if "end_time" not in guessed else span.last
    if guessed:
        _note_recovered(problems, run_dir, unreadable, guessed)
        rec.tags = [*(t for t in rec.tags if t[0] != RECOVERED_TAG), (RECOVERED_TAG, ",".join(guessed))]
    if limits:
        _apply_limits(rec, run_dir, limits, problems)
    if on_metric is None:
        rec.metric_count = sum(len(series.values) for series in rec.metrics)
    _read_inputs(rec, run_dir, problems, dataset_ids)
    return rec


def _salvageable(run_dir: Path, exc: MetaError) -> bool:
    """A run folder (its name a run id) without a usable meta.yaml is rebuilt when it is clearly a
    run: its meta.yaml exists (unreadable), or it holds params/, metrics/ or tags/."""
    if exc.kind != "missing_meta":
        return True
    return any(_is_real_dir(run_dir / sub) for sub in ("metrics", "params", "tags"))


def _is_real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


class _Span:
    """The first and last timestamp of a run's metric points: a rebuilt run's start and end."""

    def __init__(self) -> None:
        self.first: int | None = None
        self.last: int | None = None

    def add(self, timestamps: list[int]) -> None:
        if timestamps:
            lo, hi = min(timestamps), max(timestamps)
            self.first = lo if self.first is None else min(self.first, lo)
            self.last = hi if self.last is None else max(self.last, hi)


# runs column -> the tag MLflow's fluent API logs with the same value (what a rebuilt run can still prove)
_FROM_TAGS = {"name": "mlflow.runName", "user_id": "mlflow.user", "source_name": "mlflow.source.name",
              "source_type": "mlflow.source.type", "source_version": "mlflow.source.git.commit",
              "entry_point_name": "mlflow.project.entryPoint"}


def _run_row(fields: _Fields, run_dir: Path, tags: dict[str, str], *, salvaged: bool) -> tuple[dict, list[str]]:
    """The runs row from meta.yaml's fields, and the columns that were guessed: the fields of the wrong type
    (repaired), or, for a rebuilt run, every column its folder does not prove. Guesses: name, user and source
    from the tags MLflow logs with them, status FAILED, start/end from the metric timestamps (filled in by
    the caller), lifecycle active, artifact URI the folder's ``artifacts``."""
    status = fields.meta.get("status", None if salvaged else 1)  # FileStore's default: RUNNING
    if type(status) is int and status in RUN_STATUS:
        status = RUN_STATUS[status]
    elif not (isinstance(status, str) and status in RUN_STATUS.values()):
        if not salvaged:
            fields.bad.append("status")
        status = SALVAGED_STATUS
    source_type = fields.meta.get("source_type")  # FileStore writes an int (SourceType): read as LOCAL
    if source_type is not None and type(source_type) is not int and source_type not in SOURCE_TYPES:
        fields.bad.append("source_type")
    name = fields.text("run_name") or fields.text("name") or tags.get("mlflow.runName")  # 1.x: only the tag
    row = {
        "run_uuid": run_dir.name,
        "name": name,
        "source_type": source_type if source_type in SOURCE_TYPES else "LOCAL",
        "source_name": fields.text("source_name") or "",
        "entry_point_name": fields.text("entry_point_name") or "",
        "user_id": fields.text("user_id"),
        "status": status,
        "start_time": fields.int64("start_time"),
        "end_time": fields.int64("end_time"),
        "deleted_time": fields.int64("deleted_time"),
        "source_version": fields.text("source_version") or "",
        "lifecycle_stage": fields.choice("lifecycle_stage", ("active", "deleted"), "active"),
        "artifact_uri": fields.text("artifact_uri"),
    }
    if salvaged:  # every column but those a tag proves
        guessed = [c for c in _RUN_GUESSABLE if _FROM_TAGS.get(c) not in tags]
        replaced = _RUN_GUESSABLE
    else:
        guessed = list(dict.fromkeys(_COLUMN_OF.get(key, key) for key in fields.bad))
        replaced = guessed
    for column in replaced:
        tag = tags.get(_FROM_TAGS.get(column, ""))
        if tag is not None and (column != "source_type" or tag in SOURCE_TYPES):
            row[column] = tag
    if "artifact_uri" in replaced:
        row["artifact_uri"] = (run_dir / "artifacts").as_uri()
    if row["user_id"] is None and "user_id" in replaced:
        row["user_id"] = ""  # MLflow cannot read a run whose user_id is NULL
    return row, guessed


_COLUMN_OF = {"run_name": "name"}  # meta.yaml key -> runs column, where they differ
_RUN_GUESSABLE = ("name", "status", "start_time", "end_time", "lifecycle_stage", "artifact_uri", "user_id",
                  "source_type", "source_name", "source_version", "entry_point_name")


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


def _parse_metric_lines(key: str, lines: list[str], run_uuid: str
                        ) -> tuple[list[tuple], list[str], list[str], bool]:
    """Rows, malformed lines, lines with a timestamp or step beyond 64 bits, and whether a value was rewritten
    (NaN/inf/-0.0: may collide after sanitizing).

    The hot loop of the whole migration (2 M lines in the benchmark): no per-line function calls on the
    common path.
    """
    rows: list[tuple] = []
    bad: list[str] = []
    out_of_range: list[str] = []
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
        if not (INT64_MIN <= ts <= INT64_MAX and INT64_MIN <= step <= INT64_MAX):  # no BIGINT column holds it
            out_of_range.append(line)
            continue
        if value != value or value == _INF or value == -_INF or (value == 0.0 and str(value)[0] == "-"):
            rewritten = True
            value, is_nan = sanitize(value)
            append((key, value, ts, step, is_nan, run_uuid))
        else:
            append((key, value, ts, step, False, run_uuid))
    return rows, bad, out_of_range, rewritten


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
    in_order = increasing(steps)
    low, high = (steps[0], steps[-1]) if in_order else (min(steps), max(steps))
    if low < INT64_MIN or high > INT64_MAX or min(stamps) < INT64_MIN or max(stamps) > INT64_MAX:
        return None  # beyond 64 bits: the careful path lists the lines
    total = sum(values)
    if total != total or total in (_INF, -_INF):  # NaN or ±inf somewhere (or a sum overflow): careful path
        return None
    if 0.0 in values and any(math.copysign(1.0, v) < 0 for v in values if v == 0.0):  # -0.0
        return None
    if not in_order:
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


def increasing(steps: list[int]) -> bool:
    """Whether every value is above the one before it (C-level comparisons)."""
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
        if got is None or not increasing(got[0].steps) or (last is not None and got[0].steps[0] <= last):
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
                  on_metric: Callable[[str, Series], None] | None = None, max_key: int | None = None,
                  span: _Span | None = None) -> None:
    run_uuid = rec.run_uuid

    def emit(series: Series) -> None:
        if span is not None:
            span.add(series.timestamps)
        if on_metric is None:
            rec.metrics.append(series)
        else:
            on_metric(run_uuid, series)
            rec.metric_count += len(series.values)

    for key, path in _kv_paths(metrics_dir, problems):
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
        rows, bad, out_of_range, _ = _parse_metric_lines(key, unique, run_uuid)
        # e.g. "inf" and "1.7976931348623157e+308", or "1.0" and "1.00", at one step: one SQL row
        kept = list(dict.fromkeys(rows))
        dupes += len(rows) - len(kept)
        rows = kept
        for kind, lines_of_kind in (("malformed_metric_line", bad), ("out_of_range", out_of_range)):
            for line in lines_of_kind[:3]:
                problems.add(kind, metrics_dir / key, repr(line[:120]))
            if len(lines_of_kind) > 3:
                problems.add(kind, metrics_dir / key, f"{len(lines_of_kind) - 3} more such lines",
                             len(lines_of_kind) - 3)
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
    for entry in list_entries(base, problems):
        if entry.is_dir(follow_symlinks=False) and (meta := read_yaml(Path(entry.path) / "meta.yaml",
                                                                      problems)) is not None:
            yield entry, meta


def _read_inputs(rec: RunRec, run_dir: Path, problems: ProblemLog, dataset_ids: dict[str, str]) -> None:
    """Dataset inputs, model inputs and model outputs, mapped as the official migrate-filestore does."""
    run_uuid = rec.run_uuid
    for sub in ("inputs", "outputs"):
        for entry, meta in _folders_with_meta(run_dir / sub, problems):
            input_uuid = str(uuid.uuid5(_INPUT_NS, f"{run_uuid}/{sub}/{entry.name}"))
            tags = meta.get("tags") or {}
            if sub == "outputs":
                row = {"source_type": "RUN_OUTPUT", "source_id": run_uuid, "destination_type": "MODEL_OUTPUT",
                       "destination_id": entry.name, "step": meta.get("step") or 0}
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
            wrong = bad_field("inputs", row) or (None if isinstance(tags, dict) else f"tags: {reprlib.repr(tags)}")
            if wrong:
                problems.add("corrupt_meta", Path(entry.path) / "meta.yaml", wrong)
                continue
            rec.inputs.append(row)
            for tag_name, tag_value in tags.items():
                rec.input_tags.append((input_uuid, str(tag_name), str(tag_value)))


def read_datasets(exp_path: Path, problems: ProblemLog) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, str]]:
    """(folder name, datasets row) pairs (experiment_id filled by the loader), {folder name: dataset_uuid}."""
    rows: list[tuple[str, dict[str, Any]]] = []
    ids: dict[str, str] = {}
    for entry, meta in _folders_with_meta(exp_path / "datasets", problems):
        ds_uuid = str(meta.get("dataset_uuid") or uuid.uuid5(_INPUT_NS, f"dataset/{exp_path.name}/{entry.name}"))
        row = {
            "dataset_uuid": ds_uuid, "name": meta.get("name", ""), "digest": meta.get("digest", ""),
            "dataset_source_type": meta.get("source_type", ""), "dataset_source": meta.get("source", ""),
            "dataset_schema": meta.get("schema"), "dataset_profile": meta.get("profile"),
        }
        if wrong := bad_field("datasets", row):
            problems.add("corrupt_meta", Path(entry.path) / "meta.yaml", wrong)
            continue
        ids[entry.name] = ds_uuid
        rows.append((entry.name, row))
    return rows, ids


# Integer columns of the rows built from YAML files (MLflow's models; tests/filestore/test_hostile.py checks the
# list against them). Any other column takes text, a float or a flag.
INT_COLUMNS = frozenset({
    ("inputs", "step"), ("trace_info", "timestamp_ms"), ("trace_info", "execution_time_ms"),
    ("assessments", "created_timestamp"), ("assessments", "last_updated_timestamp"),
    ("assessments", "trace_timestamp_ms"), ("logged_models", "creation_timestamp_ms"),
    ("logged_models", "last_updated_timestamp_ms"), ("logged_models", "status"),
    ("logged_model_metrics", "metric_step"), ("logged_model_metrics", "metric_timestamp_ms"),
    ("registered_models", "creation_time"), ("registered_models", "last_updated_time"),
    ("model_versions", "creation_time"), ("model_versions", "last_updated_time"), ("model_versions", "version"),
    ("model_version_tags", "version"), ("registered_model_aliases", "version"),
})


def bad_field(table: str, row: dict[str, Any]) -> str | None:
    """The first value of ``row`` its column cannot take, described (a list or mapping read from YAML, text
    in an integer column, a number beyond 64 bits), or None when every value fits."""
    for column, value in row.items():
        if value is None or (type(value) is int and INT64_MIN <= value <= INT64_MAX):
            continue
        if (table, column) not in INT_COLUMNS and isinstance(value, (str, bool, float)):
            continue
        return f"{table}.{column}: {type(value).__name__} {reprlib.repr(value)}"
    return None
