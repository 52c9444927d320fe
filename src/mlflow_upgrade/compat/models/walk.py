"""Every place a model lives in a tracking store: registered model versions, models logged in runs (the
``mlflow.log-model.history`` run tag of MLflow 1.x/2.x) and MLflow 3 logged models, each with the URI of its
model directory. Walked page by page: memory does not grow with the store.

* SQL stores are read with plain SELECTs on a read-only connection: MLflow's ``SqlAlchemyStore`` would migrate an
  old database the moment it connects (docs/CONTRIBUTING.md), and its ORM selects columns old schemas lack.
* File stores are listed through ``store/filestore_layout.py`` (the one owner of what a file store is).
* ``http(s)://`` servers go through MLflow's own client (``MlflowClient``), which speaks their REST API.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy
import yaml
from sqlalchemy.engine import Connection

from mlflow_upgrade import errors
from mlflow_upgrade.inspect import refuse_unusable
from mlflow_upgrade.store import filestore_layout as layout
from mlflow_upgrade.store.pages import all_pages
from mlflow_upgrade.store.schema import TRACKING, read_state
from mlflow_upgrade.store.uri import StoreRef, connected

PAGE = 1000
LOG_MODEL_HISTORY = "mlflow.log-model.history"  # run tag MLflow 1.x/2.x's log_model appends to
PROMPT_TAG = "mlflow.prompt.is_prompt"  # MLflow 3 prompts are registered models with this tag: not models
DELETED_STAGE = "Deleted_Internal"  # the SQL registry's soft delete: MLflow itself no longer lists the version


@dataclass(frozen=True)
class ModelRef:
    """One place a model is referenced from. ``location`` is the model directory's URI (None: unresolvable,
    ``problem`` says why)."""

    kind: str  # "version" (registered model version), "run" (logged in a run), "logged" (MLflow 3 LoggedModel)
    location: str | None
    name: str | None = None  # registered model name, or the logged model's / artifact path's name
    version: str | None = None
    run_id: str | None = None
    model_id: str | None = None  # MLflow 3: m-<hex>
    source: str | None = None  # a version's source as registered
    problem: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "version":
            return f"{self.name} v{self.version}"
        if self.kind == "logged":
            return f"{self.model_id} ({self.name})"
        return f"run {self.run_id} /{self.name}"


def join(base: str | None, path: str | None) -> str | None:
    if base is None:
        return None
    return base.rstrip("/") + ("/" + path.strip("/") if path else "")


def _history(raw: str | None) -> tuple[list[str], str | None]:
    """Artifact paths from a run's log-model history tag, or the problem with it."""
    if not raw:
        return [], None
    try:
        entries = json.loads(raw)
    except ValueError:
        return [], f"its {LOG_MODEL_HISTORY} tag is not JSON (truncated at the column's length?)"
    paths = [str(e.get("artifact_path")) for e in entries if isinstance(e, dict) and e.get("artifact_path")]
    return list(dict.fromkeys(paths)), None


def _run_refs(run_id: str, artifact_uri: str | None, raw: str | None) -> Iterator[ModelRef]:
    paths, problem = _history(raw)
    if problem:
        yield ModelRef("run", None, run_id=run_id, problem=problem)
    for path in paths:
        yield ModelRef("run", join(artifact_uri, path), name=path, run_id=run_id)


# -- SQL ----------------------------------------------------------------------------------------------------
class SqlSource:
    def __init__(self, ref: StoreRef) -> None:
        self.ref = ref

    def __iter__(self) -> Iterator[ModelRef]:
        with connected(self.ref, read_only=True) as engine, engine.connect() as conn:
            refuse_unusable(self.ref, read_state(conn, TRACKING))
            tables = set(sqlalchemy.inspect(conn).get_table_names())
            if "model_versions" in tables:
                yield from self._versions(conn, tables)
            if "tags" in tables:
                yield from self._run_models(conn)
            if "logged_models" in tables:
                yield from self._logged_models(conn)
            conn.rollback()

    def _versions(self, conn: Connection, tables: set[str]) -> Iterator[ModelRef]:
        columns = {c["name"] for c in sqlalchemy.inspect(conn).get_columns("model_versions")}
        storage = "mv.storage_location" if "storage_location" in columns else "NULL"
        prompts = ("AND NOT EXISTS (SELECT 1 FROM registered_model_tags t WHERE t.name = mv.name AND t.key = "
                   ":prompt)") if "registered_model_tags" in tables else ""
        query = sqlalchemy.text(
            f"SELECT mv.name, mv.version, mv.source, mv.run_id, {storage}, r.artifact_uri FROM model_versions mv "
            "LEFT JOIN runs r ON r.run_uuid = mv.run_id "
            f"WHERE (mv.name > :name OR (mv.name = :name AND mv.version > :version)) {prompts} "
            "AND (mv.current_stage IS NULL OR mv.current_stage <> :deleted) "
            "ORDER BY mv.name, mv.version LIMIT :page")
        first = {"name": "", "version": -1, "prompt": PROMPT_TAG, "deleted": DELETED_STAGE}
        for row in _keyset_rows(conn, query, first, lambda last: {"name": last[0], "version": last[1]}):
            yield _version_ref(row[0], str(row[1]), row[2], row[3], row[4], row[5],
                               lambda mid: _logged_location(conn, tables, mid))

    def _run_models(self, conn: Connection) -> Iterator[ModelRef]:
        query = sqlalchemy.text(
            "SELECT t.run_uuid, t.value, r.artifact_uri FROM tags t JOIN runs r ON r.run_uuid = t.run_uuid "
            "WHERE t.key = :key AND t.run_uuid > :last ORDER BY t.run_uuid LIMIT :page")
        first = {"key": LOG_MODEL_HISTORY, "last": ""}
        for run_id, value, artifact_uri in _keyset_rows(conn, query, first, lambda last: {"last": last[0]}):
            yield from _run_refs(run_id, artifact_uri, value)

    def _logged_models(self, conn: Connection) -> Iterator[ModelRef]:
        query = sqlalchemy.text(
            "SELECT model_id, name, artifact_location, source_run_id FROM logged_models WHERE model_id > :last "
            "ORDER BY model_id LIMIT :page")
        for model_id, name, location, run_id in _keyset_rows(conn, query, {"last": ""},
                                                             lambda last: {"last": last[0]}):
            yield ModelRef("logged", location, name=name, run_id=run_id, model_id=model_id)


def _logged_location(conn: Connection, tables: set[str], model_id: str) -> str | None:
    if "logged_models" not in tables:
        return None
    return conn.execute(sqlalchemy.text("SELECT artifact_location FROM logged_models WHERE model_id = :id"),
                        {"id": model_id}).scalar()


def _version_ref(name: str, version: str, source: str | None, run_id: str | None, storage: str | None,
                 run_artifacts: str | None, logged_location: Any) -> ModelRef:
    """A registered version's model directory: MLflow 3's storage_location, else its source (a `runs:/` source
    through the run's artifact URI)."""
    model_id = source[len("models:/"):].split("/")[0] if source and source.startswith("models:/m-") else None
    common = {"name": name, "version": version, "run_id": run_id or None, "source": source, "model_id": model_id}
    if storage:
        return ModelRef("version", storage, **common)
    if not source:
        return ModelRef("version", None, problem="the version has no source", **common)
    if source.startswith("runs:/"):
        rest = source[len("runs:/"):]
        run, _, path = rest.partition("/")
        if run != run_id and run_artifacts is not None:
            return ModelRef("version", None, problem=f"source {source} names another run than the version's",
                            **common)
        if run_artifacts is None:
            return ModelRef("version", None, problem=f"source {source}: the run does not exist", **common)
        return ModelRef("version", join(run_artifacts, path), **common)
    if source.startswith("models:/"):
        location = logged_location(model_id) if model_id else None
        if location is None:
            return ModelRef("version", None, problem=f"source {source} does not resolve", **common)
        return ModelRef("version", location, **common)
    return ModelRef("version", source, **common)


# -- file store ---------------------------------------------------------------------------------------------
class FileSource:
    def __init__(self, ref: StoreRef) -> None:
        assert ref.path is not None
        self.root = layout.resolve_root(ref.path)

    def __iter__(self) -> Iterator[ModelRef]:
        experiments = [path for _id, path, _trash in layout.list_experiments(self.root)]
        yield from self._versions(experiments)
        for exp in experiments:
            for run_dir in layout.list_run_dirs(exp):
                tag = run_dir / "tags" / LOG_MODEL_HISTORY
                if tag.is_file():
                    meta = _meta(run_dir)
                    yield from _run_refs(run_dir.name, meta.get("artifact_uri"), tag.read_text("utf-8", "replace"))
            for model_dir in layout.list_logged_models(exp):
                meta = _meta(model_dir)
                yield ModelRef("logged", meta.get("artifact_location"), name=meta.get("name"),
                               run_id=meta.get("source_run_id"), model_id=meta.get("model_id") or model_dir.name)

    def _versions(self, experiments: list[Path]) -> Iterator[ModelRef]:
        for model_dir in layout.list_registered_models(self.root):
            if (model_dir / "tags" / PROMPT_TAG).is_file():
                continue
            for version_dir in layout.subdirs(model_dir):
                if not version_dir.name.startswith("version-"):
                    continue
                meta = _meta(version_dir)
                run_id = meta.get("run_id") or None
                run_artifacts = self._run_artifacts(experiments, run_id)
                yield _version_ref(str(meta.get("name", model_dir.name)), str(meta.get("version",
                                   version_dir.name[len("version-"):])), meta.get("source"), run_id,
                                   meta.get("storage_location"), run_artifacts,
                                   lambda mid: self._logged_location(experiments, mid))

    @staticmethod
    def _run_artifacts(experiments: list[Path], run_id: str | None) -> str | None:
        for exp in experiments if run_id else ():
            if (exp / str(run_id) / layout.META).is_file():
                return _meta(exp / str(run_id)).get("artifact_uri")
        return None

    @staticmethod
    def _logged_location(experiments: list[Path], model_id: str) -> str | None:
        for exp in experiments:
            if (exp / layout.MODELS / model_id / layout.META).is_file():
                return _meta(exp / layout.MODELS / model_id).get("artifact_location")
        return None


def _meta(directory: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load((directory / layout.META).read_text("utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


# -- tracking server ----------------------------------------------------------------------------------------
class ServerSource:
    """Through MLflow's client: the server resolves each version's download URI itself."""

    def __init__(self, url: str, shown: str) -> None:
        self.url, self.shown = url, shown
        # lazy: the MLflow client (seconds to import) only for http(s) stores
        from mlflow.tracking import MlflowClient

        self.client = MlflowClient(tracking_uri=url, registry_uri=url)

    def check(self) -> None:
        """One call that tells a tracking server from anything else, and bad credentials, in one line."""
        try:
            self.client.search_experiments(max_results=1)
        except Exception as exc:
            raise server_error(self.shown, exc) from None

    def __iter__(self) -> Iterator[ModelRef]:
        yield from self._versions()
        experiment_ids = [e.experiment_id for e in all_pages(
            lambda token: self.client.search_experiments(view_type=3, max_results=PAGE, page_token=token))]
        for exp_id in experiment_ids:
            for run in all_pages(lambda token, e=exp_id: self.client.search_runs(
                    [e], "", run_view_type=3, max_results=PAGE, page_token=token)):
                raw = run.data.tags.get(LOG_MODEL_HISTORY)
                if raw:
                    yield from _run_refs(run.info.run_id, run.info.artifact_uri, raw)
        yield from self._logged(experiment_ids)

    def _versions(self) -> Iterator[ModelRef]:
        for mv in all_pages(lambda token: self.client.search_model_versions(max_results=200, page_token=token)):
            if (getattr(mv, "tags", None) or {}).get(PROMPT_TAG):
                continue
            source = mv.source
            model_id = source[len("models:/"):].split("/")[0] if source and source.startswith("models:/m-") else None
            # The server resolves runs:/ and models:/ sources (get-download-uri), as a client loading it would.
            try:
                location = self.client.get_model_version_download_uri(mv.name, mv.version)
                problem = None
            except Exception as exc:
                location, problem = None, _first_line(exc)
            yield ModelRef("version", location, name=mv.name, version=str(mv.version), run_id=mv.run_id or None,
                           source=source, model_id=model_id, problem=problem)

    def _logged(self, experiment_ids: list[str]) -> Iterator[ModelRef]:
        if not experiment_ids:
            return
        try:
            for model in all_pages(lambda token: self.client.search_logged_models(
                    experiment_ids=experiment_ids, max_results=100, page_token=token)):
                yield ModelRef("logged", model.artifact_location, name=model.name, run_id=model.source_run_id,
                               model_id=model.model_id)
        except Exception as exc:
            if "404" in str(exc) or "ENDPOINT_NOT_FOUND" in str(exc):
                return  # a 2.x server has no logged models
            raise


def _keyset_rows(conn: Connection, query: sqlalchemy.TextClause, first: dict[str, Any],
                 after: Callable[[Any], dict[str, Any]]) -> Iterator[Any]:
    """Every row of ``query`` (which ends ``LIMIT :page``), PAGE rows at a time: ``first`` holds the parameters
    of the first page, ``after(last row)`` the keys the next page starts after. Memory stays one page."""
    params = {**first, "page": PAGE}
    while True:
        rows = conn.execute(query, params).all()
        yield from rows
        if len(rows) < PAGE:
            return
        params.update(after(rows[-1]))


def _first_line(exc: BaseException) -> str:
    return ((str(exc).strip().splitlines() or [type(exc).__name__])[0])[:300]


def server_error(shown: str, exc: BaseException) -> errors.MlflowUpgradeError:
    text = _first_line(exc)
    low = text.lower()
    if "401" in low or "403" in low or "unauthorized" in low or "permission" in low:
        return errors.ConnectionFailed(f"{shown} refused the credentials ({text[:160]}): set "
                                       "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or "
                                       "MLFLOW_TRACKING_TOKEN)")
    if "404" in low or "endpoint_not_found" in low or "not found" in low or "json" in low:
        return errors.NotAnMlflowStore(f"{shown} answers, but is not an MLflow tracking server ({text[:160]})")
    if any(s in low for s in ("connection", "refused", "timed out", "max retries", "resolve")):
        return errors.ConnectionFailed(f"cannot reach the MLflow server at {shown}: {text[:200]}")
    return errors.ConnectionFailed(f"{shown}: {text[:200]}")


def env_without_retries() -> dict[str, str]:
    """MLflow's HTTP client retries with back-off for minutes by default: one try is enough to tell."""
    return {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": os.environ.get("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0"),
            "MLFLOW_HTTP_REQUEST_TIMEOUT": os.environ.get("MLFLOW_HTTP_REQUEST_TIMEOUT", "15")}
