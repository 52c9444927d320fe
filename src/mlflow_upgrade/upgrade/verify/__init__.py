"""``verify``: prove that the data a store held before an upgrade is still there, unchanged, afterwards.

Two independent checks:

* fingerprints (:mod:`mlflow_upgrade.upgrade.verify.fingerprint`): checksums of every row of every table, taken in
  the database before and after, compared bucket by bucket; a difference names table, key and column;
* :func:`read_back`: MLflow's own stores read every experiment, run, metric history, registered model, model
  version, alias, trace and logged model, and what they return is compared with the SQL rows. MLflow's store
  classes migrate an old database the moment they open it, so :func:`read_back` refuses a store that is not at
  the installed MLflow's head.

Nothing here writes to the store (SQLite is opened with ``mode=ro``); the journal is only read, to notice that
something other than mlflow-upgrade migrated the store.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy
from sqlalchemy.engine import Engine

from mlflow_upgrade import errors
from mlflow_upgrade.catalog import installed_head
from mlflow_upgrade.inspect import refuse_unusable
from mlflow_upgrade.progress import QUIET, Progress
from mlflow_upgrade.store import journal
from mlflow_upgrade.store.pages import all_pages
from mlflow_upgrade.store.schema import TRACKING, read_state
from mlflow_upgrade.store.uri import StoreRef, mask_uri, open_engine, parse_store_uri, translate_db_error
from mlflow_upgrade.upgrade.verify.fingerprint import (
    Difference,
    Fingerprint,
    compare_fingerprints,
    take_fingerprint,
)
from mlflow_upgrade.upgrade.verify.fingerprint.take import _revision

log = logging.getLogger(__name__)
PAGE = 1000
MAX_MISMATCHES = 200


@dataclass
class ReadBackReport:
    ok: bool
    read: dict[str, int] = field(default_factory=dict)  # entities MLflow returned, per type
    expected: dict[str, int] = field(default_factory=dict)  # rows SQL holds for the same entities
    mismatches: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class VerifyReport:
    store: str
    revision: str | None
    ok: bool
    differences: list[Difference]
    tables: int
    rows_checked: int
    seconds: float
    rows_per_second: float
    against: str | None = None
    saved: str | None = None
    expected_changes: list[str] = field(default_factory=list)
    read_back: ReadBackReport | None = None
    read_back_skipped: str | None = None
    outside_migration: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["differences"] = [d.to_dict() for d in self.differences]
        out["read_back"] = self.read_back.to_dict() if self.read_back else None
        return out


# ---------------------------------------------------------------- verify

def verify(uri: str, *, against: str | Path | Fingerprint | None = None, save: str | Path | None = None,
           read_back: bool = True, progress: Progress = QUIET) -> VerifyReport:
    """Fingerprint the store at ``uri``; compare with ``against`` (a fingerprint or its file) when given, save
    the current fingerprint to ``save`` when given, and read everything back through MLflow when the store is
    at the installed head. ``ok`` is False on any difference or read-back mismatch."""
    ref = parse_store_uri(uri)
    engine = open_engine(ref, read_only=True)
    try:
        _refuse_non_mlflow(ref, engine)
        return _verify(ref, engine, against, save, read_back, progress)
    except errors.MlflowUpgradeError:
        raise
    except sqlalchemy.exc.OperationalError as exc:
        raise translate_db_error(ref, exc) from None
    except sqlalchemy.exc.DBAPIError as exc:
        text = mask_uri(str(getattr(exc, "orig", None) or exc)).splitlines()[0]
        raise errors.OperationFailed(f"verify failed on {ref.masked}: {text}") from None
    finally:
        engine.dispose()


def _verify(ref: StoreRef, engine: Engine, against: str | Path | Fingerprint | None, save: str | Path | None,
            do_read_back: bool, progress: Progress) -> VerifyReport:
    revision, outside = _state(engine)
    before = against if isinstance(against, Fingerprint) or against is None else Fingerprint.load(against)
    start = time.perf_counter()
    diffs: list[Difference] = []
    if before is not None:
        current = take_fingerprint(engine, like=before, progress=progress)
        diffs = compare_fingerprints(before, current, engine=engine)
    else:
        current = take_fingerprint(engine, progress=progress)
    seconds = time.perf_counter() - start
    saved = None
    if save is not None:
        fresh = take_fingerprint(engine, progress=progress) if before is not None else current
        saved = str(fresh.save(save))
    report = VerifyReport(
        store=ref.masked, revision=revision, ok=not diffs, differences=diffs, tables=len(current.tables),
        rows_checked=current.rows, seconds=round(seconds, 3),
        rows_per_second=round(current.rows / seconds) if seconds > 0 else 0.0,
        against=str(against) if against is not None and not isinstance(against, Fingerprint) else None,
        saved=saved, expected_changes=list(before.expected if before else current.expected),
        outside_migration=outside,
    )
    if do_read_back:
        head = installed_head("tracking")
        if revision is None or revision != head:
            report.read_back_skipped = (f"store is at revision {revision}, not at the installed MLflow's head {head}: "
                                        "MLflow's store would migrate it on opening")
        else:
            report.read_back = read_back(ref.uri, progress=progress)
            report.ok = report.ok and report.read_back.ok
    return report


def _state(engine: Engine) -> tuple[str | None, str | None]:
    with engine.connect() as conn:
        revision = _revision(conn)
        outside = journal.detect_outside_migration(conn, revision)
        conn.rollback()
    return revision, outside


# ---------------------------------------------------------------- read-back through MLflow

def _refuse_non_mlflow(ref: StoreRef, engine: sqlalchemy.Engine) -> None:
    """Same refusals as `inspect`: an empty, foreign, half-created or too-new schema is nothing to verify."""
    with engine.connect() as conn:
        refuse_unusable(ref, read_state(conn, TRACKING))


def read_back(uri: str, *, progress: Progress = QUIET, max_mismatches: int = MAX_MISMATCHES) -> ReadBackReport:
    """Read every entity back through MLflow's own tracking and registry stores and compare with the SQL rows.

    Refuses (:class:`errors.Refused`) a store that is not at the installed MLflow's head revision, because
    MLflow's store classes would migrate it. Pages through everything; never holds a whole store in memory."""
    ref = parse_store_uri(uri)
    engine = open_engine(ref, read_only=True)
    try:
        revision, _ = _state(engine)
        head = installed_head("tracking")
        if revision != head:
            raise errors.Refused(
                f"{ref.masked} is at revision {revision}, not at the installed MLflow's head {head}: reading it "
                "through MLflow would migrate it; run `mlflow-upgrade upgrade` first"
            )
        reader = _Reader(ref, engine, max_mismatches)
        start = time.perf_counter()
        reader.run(progress)
        return ReadBackReport(ok=not reader.mismatches, read=reader.read, expected=reader.expected,
                              mismatches=reader.mismatches, seconds=round(time.perf_counter() - start, 3))
    finally:
        engine.dispose()


def _mlflow_uri(ref: StoreRef) -> str:
    if ref.database_file is not None:  # read-only: MLflow's store must not be able to write (default experiment, ...)
        # "sqlite+pysqlite": MLflow creates the parent folder of a "sqlite:///" path, which for "file:/…" is a
        # relative ./file:/… tree in the working directory. The path is percent-encoded twice: SQLAlchemy
        # decodes the URL's database part once, SQLite its URI filename once more.
        return f"sqlite+pysqlite:///file:{quote(quote(str(ref.database_file)))}?mode=ro&uri=true"
    assert ref.url is not None
    return ref.url.render_as_string(hide_password=False)


class _Reader:
    def __init__(self, ref: StoreRef, engine: Engine, max_mismatches: int) -> None:
        self.ref = ref
        self.engine = engine
        self.tables = set(sqlalchemy.inspect(engine).get_table_names())
        quote = engine.dialect.identifier_preparer.quote
        self.key, self.value = quote("key"), quote("value")  # reserved words on MySQL
        self.read: dict[str, int] = {}
        self.expected: dict[str, int] = {}
        self.mismatches: list[str] = []
        self.max = max_mismatches

    # -- helpers
    def count(self, kind: str, n: int = 1) -> None:
        self.read[kind] = self.read.get(kind, 0) + n

    def mismatch(self, text: str) -> None:
        if len(self.mismatches) < self.max:
            self.mismatches.append(text)

    def sql(self, query: str, params: dict[str, Any] | None = None) -> list[tuple]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sqlalchemy.text(query), params or {})]

    def sql_count(self, table: str, where: str = "") -> int:
        if table not in self.tables:
            return 0
        return int(self.sql(f"SELECT COUNT(*) FROM {table} {where}")[0][0])

    def by_run(self, table: str, cols: str, run_ids: list[str]) -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {r: [] for r in run_ids}
        if table not in self.tables or not run_ids:
            return out
        names = {f"r{i}": r for i, r in enumerate(run_ids)}
        rows = self.sql(f"SELECT run_uuid, {cols} FROM {table} WHERE run_uuid IN "
                        f"({', '.join(':' + k for k in names)})", names)
        for row in rows:
            out[row[0]].append(row[1:])
        return out

    # -- the walk
    def run(self, progress: Progress) -> None:
        from mlflow.entities import ViewType
        from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore as RegistryStore
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        uri = _mlflow_uri(self.ref)
        with tempfile.TemporaryDirectory(prefix="mlu-readback-") as artifacts:
            tracking = SqlAlchemyStore(uri, artifacts)
            experiment_ids = self.experiments(tracking, ViewType.ALL)
            for exp_id in experiment_ids:
                self.runs(tracking, exp_id, ViewType.ALL)
                self.traces(tracking, exp_id)
                self.logged_models(tracking, exp_id)
            if "registered_models" in self.tables:
                self.registry(RegistryStore(uri))
        self.expected["runs"] = self.sql_count("runs")
        self.expected["traces"] = self.sql_count("trace_info")
        for kind in ("runs", "traces"):
            if self.read.get(kind, 0) != self.expected[kind]:
                self.mismatch(f"{kind}: MLflow returned {self.read.get(kind, 0)}, SQL holds {self.expected[kind]}")

    def experiments(self, store: Any, view_type: Any) -> list[str]:
        sql = {str(r[0]): (r[1], r[2]) for r in self.sql("SELECT experiment_id, name, lifecycle_stage FROM experiments")}
        ids = []
        for exp in all_pages(lambda token: store.search_experiments(view_type=view_type, max_results=PAGE,
                                                                  page_token=token)):
            self.count("experiments")
            ids.append(exp.experiment_id)
            row = sql.get(str(exp.experiment_id))
            if row is None:
                self.mismatch(f"experiments[{exp.experiment_id}]: returned by MLflow, not in SQL")
            elif (exp.name, exp.lifecycle_stage) != row:
                self.mismatch(f"experiments[{exp.experiment_id}]: MLflow {exp.name!r}/{exp.lifecycle_stage}, "
                              f"SQL {row[0]!r}/{row[1]}")
        self.expected["experiments"] = len(sql)
        if len(ids) != len(sql):
            self.mismatch(f"experiments: MLflow returned {len(ids)}, SQL holds {len(sql)}")
        return ids

    def runs(self, store: Any, exp_id: str, view_type: Any) -> None:
        token = None
        while True:
            page = store.search_runs([exp_id], "", view_type, max_results=PAGE, page_token=token)
            self.compare_runs(store, list(page))
            token = page.token
            if not token:
                break

    def compare_runs(self, store: Any, runs: list[Any]) -> None:
        ids = [r.info.run_id for r in runs]
        params = self.by_run("params", f"{self.key}, {self.value}", ids)
        tags = self.by_run("tags", f"{self.key}, {self.value}", ids)
        latest = self.by_run("latest_metrics", f"{self.key}, {self.value}, is_nan", ids)
        history = self.history_counts(ids)
        for run in runs:
            rid = run.info.run_id
            self.count("runs")
            self.same(f"params[run_uuid={rid}]", dict(run.data.params), dict(params[rid]), "params")
            self.same(f"tags[run_uuid={rid}]", dict(run.data.tags), dict(tags[rid]), "tags")
            want = {k: (math.nan if nan else v) for k, v, nan in latest[rid]}
            self.same(f"latest_metrics[run_uuid={rid}]", dict(run.data.metrics), want, "latest metrics")
            for key in sorted(set(history[rid]) | set(run.data.metrics)):
                points = sum(1 for _ in all_pages(lambda t, k=key, r=rid: store.get_metric_history(
                    r, k, max_results=PAGE * 10, page_token=t)))
                self.count("metric points", points)
                if points != history[rid].get(key, 0):
                    self.mismatch(f"metrics[run_uuid={rid} key={key}]: MLflow history has {points} points, "
                                  f"SQL {history[rid].get(key, 0)}")

    def history_counts(self, ids: list[str]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {r: {} for r in ids}
        if "metrics" not in self.tables or not ids:
            return out
        names = {f"r{i}": r for i, r in enumerate(ids)}
        rows = self.sql(f"SELECT run_uuid, {self.key}, COUNT(*) FROM metrics WHERE run_uuid IN "
                        f"({', '.join(':' + k for k in names)}) GROUP BY run_uuid, {self.key}", names)
        for rid, key, n in rows:
            out[rid][key] = int(n)
        self.expected["metric points"] = self.expected.get("metric points", 0) + sum(int(r[2]) for r in rows)
        return out

    def same(self, where: str, got: dict, want: dict, kind: str) -> None:
        self.count(kind, len(got))
        self.expected[kind] = self.expected.get(kind, 0) + len(want)
        if _norm_map(got) != _norm_map(want):
            missing = sorted(set(want) - set(got))[:5]
            extra = sorted(set(got) - set(want))[:5]
            changed = sorted(k for k in set(got) & set(want) if _norm(got[k]) != _norm(want[k]))[:5]
            self.mismatch(f"{where}: MLflow and SQL differ (missing {missing}, extra {extra}, changed {changed})")

    def traces(self, store: Any, exp_id: str) -> None:
        if "trace_info" not in self.tables:
            return
        n = 0
        token = None
        while True:
            infos, token = store.search_traces(locations=[exp_id], max_results=500, page_token=token)
            n += len(infos)
            if not token:
                break
        self.count("traces", n)

    def logged_models(self, store: Any, exp_id: str) -> None:
        if "logged_models" not in self.tables:
            return
        n = sum(1 for _ in all_pages(lambda token: store.search_logged_models(
            experiment_ids=[exp_id], max_results=PAGE, page_token=token)))
        self.count("logged models", n)
        want = self.sql_count("logged_models", f"WHERE experiment_id = {int(exp_id)} AND lifecycle_stage != 'deleted'")
        self.expected["logged models"] = self.expected.get("logged models", 0) + want
        if n != want:
            self.mismatch(f"logged_models[experiment_id={exp_id}]: MLflow returned {n}, SQL holds {want}")

    def registry(self, store: Any) -> None:
        aliases = 0
        for model in all_pages(lambda token: store.search_registered_models(max_results=PAGE, page_token=token)):
            self.count("registered models")
            aliases += len(model.aliases or {})
        self.count("aliases", aliases)
        versions = sum(1 for _ in all_pages(lambda token: store.search_model_versions(
            max_results=PAGE, page_token=token)))
        self.count("model versions", versions)
        # MLflow's model searches hide prompts (registered models tagged mlflow.prompt.is_prompt=true)
        prompts = (f"name NOT IN (SELECT name FROM registered_model_tags WHERE {self.key} = "
                   f"'mlflow.prompt.is_prompt' AND LOWER({self.value}) = 'true')")
        self.expected["registered models"] = self.sql_count("registered_models", f"WHERE {prompts}")
        self.expected["model versions"] = self.sql_count(
            "model_versions", f"WHERE (current_stage IS NULL OR current_stage != 'Deleted_Internal') AND {prompts}")
        self.expected["aliases"] = self.sql_count("registered_model_aliases", f"WHERE {prompts}")
        for kind in ("registered models", "model versions", "aliases"):
            if self.read.get(kind, 0) != self.expected[kind]:
                self.mismatch(f"{kind}: MLflow returned {self.read.get(kind, 0)}, SQL holds {self.expected[kind]}")


def _norm(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float):
        return float(value)
    return value


def _norm_map(values: dict) -> dict:
    return {k: _norm(v) for k, v in values.items()}
