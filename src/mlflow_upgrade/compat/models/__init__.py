"""``models``: which logged and registered models will load on the target (the installed MLflow)?

    from mlflow_upgrade import api
    inventory = api.models("sqlite:///mlflow.db")
    for row in inventory.rows:
        print(row.label, row.status.value, row.reasons)

The walk (``walk.py``) yields every registered version, every model logged in a run and every MLflow 3 logged
model; a thread pool reads each model's ``MLmodel`` and environment files (``read.py``) and judges it
(``verdict.py``). One unreadable model is a row, never the end of the inventory.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from mlflow_upgrade import errors
from mlflow_upgrade.compat.models import mlmodel, verdict
from mlflow_upgrade.compat.models.read import MLMODEL, ArtifactReader, Unreadable
from mlflow_upgrade.compat.models.verdict import Status, Target
from mlflow_upgrade.compat.models.walk import (
    FileSource,
    ModelRef,
    ServerSource,
    SqlSource,
    env_without_retries,
)
from mlflow_upgrade.inspect.server import _split_credentials, probe_server
from mlflow_upgrade.progress import QUIET, Progress
from mlflow_upgrade.store.masking import mask_one_uri, mask_uri, remember_secret
from mlflow_upgrade.store.uri import parse_store_uri

__all__ = ["Inventory", "ModelRow", "Status", "display_rows", "models", "will_not_load"]

WORKERS = 8


@dataclass
class ModelRow:
    kind: str  # version | run | logged
    label: str
    status: Status
    reasons: list[str]
    name: str | None = None
    version: str | None = None
    run_id: str | None = None
    model_id: str | None = None
    location: str | None = None  # masked
    flavors: list[str] = field(default_factory=list)
    loader_module: str | None = None
    mlflow_version: str | None = None  # the MLflow that logged it (MLmodel), when recorded
    logged_by: str | None = None  # that version, or the releases it can have been (from utc_time_created)
    utc_time_created: str | None = None
    python_version: str | None = None
    requirements: list[str] = field(default_factory=list)
    runs_uri: str | None = None  # a runs:/ URI that older clients cannot resolve for this model (MLflow 3)


@dataclass
class Inventory:
    store: str  # masked
    target_mlflow: str
    target_python: str
    rows: list[ModelRow]

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(row.status.value for row in self.rows)
        return {status.value: found.get(status.value, 0) for status in Status}

    @property
    def exit_code(self) -> int:
        statuses = {row.status for row in self.rows}
        if Status.FAILS in statuses:
            return errors.ExitCode.BREAKING
        if statuses & {Status.WARNINGS, Status.UNREADABLE}:
            return errors.ExitCode.FINDINGS
        return errors.ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {"store": self.store, "target": {"mlflow": self.target_mlflow, "python": self.target_python},
                "counts": self.counts, "exit_code": int(self.exit_code),
                "models": [{**asdict(row), "status": row.status.value} for row in self.rows]}


def display_rows(inventory: dict[str, Any]) -> list[dict[str, str]]:
    """One row per model of an ``Inventory.to_dict()`` (or ``models --json``): what ``runbook`` and ``report``
    show."""
    return [{"model": row.get("label") or "?", "status": row.get("status") or "?",
             "flavors": ", ".join(row.get("flavors") or []), "logged by": row.get("logged_by") or "?",
             "reasons": "; ".join(row.get("reasons") or [])} for row in inventory.get("models") or []]


def will_not_load(inventory: dict[str, Any]) -> list[dict[str, str]]:
    return [row for row in display_rows(inventory) if row["status"] == Status.FAILS.value]


def models(uri: str, *, server: str | None = None, workers: int = WORKERS, progress: Progress = QUIET) -> Inventory:
    """The inventory of every model in the tracking store at ``uri`` (a database URI, a file-store path or an
    ``http(s)://`` tracking server). ``server``: the tracking server that proxies ``mlflow-artifacts:``
    locations of a SQL or file store (for an http(s) store, the store itself)."""
    target = Target.installed()
    with _store(uri, server) as (shown, refs, reader):
        rows = _judge_all(refs, reader, target, max(1, workers), progress)
    return Inventory(store=shown, target_mlflow=target.mlflow_version, target_python=target.python_version,
                     rows=rows)


@contextmanager
def _store(uri: str, server: str | None) -> Iterator[tuple[str, Iterable[ModelRef], ArtifactReader]]:
    server_url = _server_url(server) if server else None
    if uri.strip().lower().startswith(("http://", "https://")):
        url = _server_url(uri)
        with _no_retries(_credentials(uri)):
            source = ServerSource(url, mask_one_uri(uri))
            source.check()
            yield mask_one_uri(uri), source, ArtifactReader(tracking_uri=url)
        return
    ref = parse_store_uri(uri)
    source: Iterable[ModelRef] = SqlSource(ref) if ref.is_sql else FileSource(ref)
    with _no_retries(_credentials(server) if server else {}):
        yield ref.masked, source, ArtifactReader(tracking_uri=server_url)


def _server_url(url: str) -> str:
    """The server's base URL once it answered /health (credentials go to MLflow's environment variables)."""
    probe_server(url)  # one line for an unreachable host, before MLflow's client retries for minutes
    base, _headers = _split_credentials(url.strip().rstrip("/"), mask_one_uri(url))
    return base


def _credentials(url: str) -> dict[str, str]:
    """MLflow's client reads basic-auth credentials from its environment variables, not from the URL: a
    ``http://user:password@host`` URL's go there for the walk."""
    parts = urlsplit(url.strip())
    if parts.username is None:
        return {}
    remember_secret(unquote(parts.password) if parts.password is not None else None)
    return {"MLFLOW_TRACKING_USERNAME": unquote(parts.username),
            "MLFLOW_TRACKING_PASSWORD": unquote(parts.password or "")}


@contextmanager
def _no_retries(extra: dict[str, str]) -> Iterator[None]:
    """MLflow's client settings for the walk (one HTTP try, credentials), restored afterwards."""
    wanted = {**env_without_retries(), **extra}
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _judge_all(refs: Iterable[ModelRef], reader: ArtifactReader, target: Target, workers: int,
               progress: Progress) -> list[ModelRow]:
    """Read and judge every model, ``workers`` at a time, at most ``4 × workers`` in flight (bounded memory
    whatever the store's size), rows in walk order."""
    rows: list[ModelRow] = []
    with progress.task("models: read MLmodel files", None, unit="models") as task, \
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mlu-models") as pool:
        window: deque[Future[ModelRow]] = deque()
        for ref in refs:
            window.append(pool.submit(judge_one, ref, reader, target))
            if len(window) >= 4 * workers:
                rows.append(window.popleft().result())
                task.advance()
        while window:
            rows.append(window.popleft().result())
            task.advance()
    return rows


def judge_one(ref: ModelRef, reader: ArtifactReader, target: Target) -> ModelRow:
    row = ModelRow(kind=ref.kind, label=ref.label, status=Status.UNREADABLE, reasons=[], name=ref.name,
                   version=ref.version, run_id=ref.run_id, model_id=ref.model_id,
                   location=mask_uri(ref.location) if ref.location else None)
    row.runs_uri = _runs_uri(ref)
    if ref.location is None:
        row.reasons = [ref.problem or "the model's location is unknown"]
        return row
    try:
        parsed = mlmodel.parse_mlmodel(reader.read(ref.location, MLMODEL) or b"")
        model = mlmodel.describe(parsed, lambda name: reader.read(str(ref.location), name, optional=True))
        code_by_value = None
        if verdict.needs_pickle_check(model, target):
            data = reader.read(ref.location, str(model.python_model_file), optional=True)
            code_by_value = mlmodel.pickles_code_by_value(data) if data is not None else None
    except (Unreadable, mlmodel.BadMLmodel) as exc:
        row.reasons = [str(exc)]
        return row
    judged = verdict.judge(model, target, code_by_value=code_by_value)
    row.status, row.reasons = judged.status, judged.reasons
    row.flavors, row.loader_module = model.flavors, model.loader_module
    row.mlflow_version, row.utc_time_created = model.mlflow_version, model.utc_time_created
    row.logged_by = verdict.logged_by(model)
    row.python_version = model.python_version
    row.requirements = model.requirements
    row.model_id = row.model_id or model.model_id
    if row.runs_uri is None and model.model_id and model.run_id:
        row.runs_uri = f"runs:/{model.run_id}/<name>"
    return row


def _runs_uri(ref: ModelRef) -> str | None:
    """MLflow 3 logs a model outside its run's artifacts: `runs:/<run>/<name>` resolves only for 3.x clients
    (2.x clients get a 404 from the artifact store), so old code holding such a URI breaks."""
    if not ref.model_id or not ref.run_id:
        return None
    return f"runs:/{ref.run_id}/{ref.name if ref.kind == 'logged' else '<name>'}"
