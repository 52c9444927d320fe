"""Write one fixture store with the MLflow release installed in the *running* interpreter.

Run by ``scripts/make_fixtures.py`` inside an old release's own venv (never the dev venv); it only uses that
release's public API (``MlflowClient``, fluent ``mlflow.*``, ``mlflow.server.auth``'s own store), so the stores
are byte-for-byte what the release writes. One process writes one store kind, because MLflow's fluent state
(active experiment, the trace exporter's client) is bound to the first tracking URI a process uses:

    python fixture_writer.py --kind sql  --out BUILD_DIR   # BUILD_DIR/mlflow.db (+ basic_auth.db, artifacts/)
    python fixture_writer.py --kind file --out BUILD_DIR   # BUILD_DIR/mlruns/

It prints nothing useful; it writes ``BUILD_DIR/writer-<kind>.json`` (what was written, what was skipped and
why, revisions, counts) which ``make_fixtures.py`` merges into ``manifest.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sqlite3
import sys
import traceback
from pathlib import Path

import mlflow
from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient

VERSION = tuple(int(p) for p in mlflow.__version__.split(".")[:2])
BASE_TS = 1_700_000_000_000  # 2023-11-14T22:13:20Z: every timestamp the API lets us choose starts here
UNICODE_EXPERIMENT = "Expérience ünïcode 実験"
MODEL_NAME = "fixture-model"
UNICODE_MODEL_NAME = "Modèle ünïcode 模型"


class Log:
    """Collects what was written and what was skipped, for the manifest."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self.skipped: list[str] = []
        self.notes: list[str] = []

    def did(self, what: str) -> None:
        self.written.append(what)

    def attempt(self, what: str, fn, *args, **kwargs):
        """Run an optional feature; record failure instead of aborting the whole fixture."""
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # recorded in the manifest, not fatal
            self.skipped.append(f"{what}: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
            traceback.print_exc()
            return None
        self.did(what)
        return result


def _ts(minutes: float) -> int:
    return BASE_TS + int(minutes * 60_000)


def make_experiments(client: MlflowClient, art_root: str | None, log: Log) -> dict[str, str]:
    def loc(slug: str) -> str | None:
        return None if art_root is None else f"{art_root}/{slug}"

    ids = {
        "main": client.create_experiment(
            "fixture-main", artifact_location=loc("main"), tags={"team": "platform", "purpose": "fixture"}
        ),
        "unicode": client.create_experiment(
            UNICODE_EXPERIMENT,
            artifact_location=loc("unicode"),
            tags={"équipe": "données ✓", "mlflow.note.content": "Notes: ünïcode 実験 — dashes"},
        ),
        "deleted": client.create_experiment("fixture-deleted", artifact_location=loc("deleted")),
    }
    client.set_experiment_tag(ids["main"], "stage", "dev")
    log.did("experiments: fixture-main (tags), unicode-named with unicode tags, fixture-deleted (deleted)")
    return ids


def make_runs(client: MlflowClient, exp: dict[str, str], log: Log) -> dict[str, str]:
    def run(exp_key: str, name: str, minute: int, extra_tags: dict[str, str] | None = None) -> str:
        tags = {"mlflow.runName": name, "mlflow.user": "fixture", "mlflow.source.type": "LOCAL"}
        tags.update(extra_tags or {})
        return client.create_run(exp[exp_key], start_time=_ts(minute), tags=tags).info.run_id

    runs = {
        "train": run("main", "train-active", 0),
        "failed": run("main", "train-failed", 10),
        "deleted": run("main", "train-deleted", 20),
        "parent": run("main", "sweep-parent", 30),
        "unicode": run("unicode", "exécution ünïcode", 40),
        "in_deleted_exp": run("deleted", "orphan", 50),
        "running": run("main", "still-running", 60),
    }
    runs["child1"] = run("main", "sweep-child-1", 31, {"mlflow.parentRunId": runs["parent"]})
    runs["child2"] = run("main", "sweep-child-2", 32, {"mlflow.parentRunId": runs["parent"]})

    train = runs["train"]
    client.log_batch(
        train,
        params=[Param("lr", "0.001"), Param("layers", "4"), Param("optimizer", "adam"),
                Param("long_value", "x" * 250)],
        tags=[RunTag("model_family", "mlp"), RunTag("ünïcode_tag", "värde ✓")],
    )
    loss = [Metric("loss", 1.0 / (1 + s), _ts(1) + s * 1000, s) for s in range(200)]
    acc = [Metric("accuracy", min(1.0, 0.5 + s / 100), _ts(1) + s * 1000, s) for s in range(50)]
    for start in range(0, len(loss), 100):  # old releases cap log_batch at 1000 entities; stay well under
        client.log_batch(train, metrics=loss[start:start + 100])
    client.log_batch(train, metrics=acc)
    log.did("run train-active: 4 params, 2 tags, loss x200 steps, accuracy x50 steps, FINISHED")

    specials = [("nan", math.nan), ("+inf", math.inf), ("-inf", -math.inf), ("-0.0", -0.0), ("big", 1e300)]
    for step, (_, value) in enumerate(specials):
        client.log_metric(train, "special", value, timestamp=_ts(5) + step, step=step)
    log.did("metric special: NaN, +inf, -inf, -0.0, 1e300 at steps 0-4")

    # The duplicate-point quirk: exactly the same (key, value, timestamp, step) twice.
    dup = Metric("dup_batch", 0.5, _ts(6), 7)
    log.attempt("duplicate point via log_batch([m, m]) on metric dup_batch", client.log_batch, train,
                metrics=[dup, Metric("dup_batch", 0.5, _ts(6), 7)])
    log.attempt("duplicate point via log_metric twice on metric dup_twice (1st)", client.log_metric, train,
                "dup_twice", 0.25, timestamp=_ts(6), step=3)
    log.attempt("duplicate point via log_metric twice on metric dup_twice (2nd)", client.log_metric, train,
                "dup_twice", 0.25, timestamp=_ts(6), step=3)
    client.set_terminated(train, "FINISHED", end_time=_ts(9))

    client.log_param(runs["failed"], "lr", "10.0")
    client.log_metric(runs["failed"], "loss", math.nan, timestamp=_ts(11), step=0)
    client.set_terminated(runs["failed"], "FAILED", end_time=_ts(12))
    client.log_metric(runs["deleted"], "loss", 0.3, timestamp=_ts(21), step=0)
    client.set_terminated(runs["deleted"], "FINISHED", end_time=_ts(22))
    client.delete_run(runs["deleted"])
    log.did("runs: FAILED, deleted, KILLED, RUNNING (never terminated)")

    client.log_param(runs["parent"], "search", "grid")
    for i, child in enumerate((runs["child1"], runs["child2"])):
        client.log_param(child, "lr", str(10 ** -(i + 2)))
        for s in range(20):
            client.log_metric(child, "val_loss", 1.0 / (s + 2 + i), timestamp=_ts(31 + i) + s, step=s)
        client.set_terminated(child, "FINISHED", end_time=_ts(33))
    client.set_terminated(runs["parent"], "FINISHED", end_time=_ts(34))
    log.did("nested: sweep-parent with 2 child runs (mlflow.parentRunId), val_loss x20 each")

    client.log_param(runs["unicode"], "paramètre", "valeur ✓ 値")
    client.log_metric(runs["unicode"], "précision", 0.9, timestamp=_ts(41), step=0)
    client.set_tag(runs["unicode"], "note", "ünïcode 実験")
    client.set_terminated(runs["unicode"], "KILLED", end_time=_ts(42))
    client.log_metric(runs["in_deleted_exp"], "m", 1.0, timestamp=_ts(51), step=0)
    client.set_terminated(runs["in_deleted_exp"], "FINISHED", end_time=_ts(52))
    client.log_metric(runs["running"], "progress", 0.1, timestamp=_ts(61), step=0)
    log.did("unicode run (KILLED) with unicode param/metric/tag; run inside the deleted experiment")
    return runs


def make_datasets(client: MlflowClient, exp: dict[str, str], runs: dict[str, str], log: Log) -> None:
    if VERSION < (2, 4):
        log.notes.append("dataset inputs: not supported before 2.4")
        return
    import pandas as pd

    def log_inputs() -> None:
        df = pd.DataFrame({"x1": [0.1, 0.2, 0.3], "x2": [1, 2, 3], "y": [0, 1, 0]})
        with mlflow.start_run(run_id=runs["train"]):
            mlflow.log_input(mlflow.data.from_pandas(df, name="tiny-train", targets="y"), context="training")
            mlflow.log_input(mlflow.data.from_pandas(df.head(2), name="tiny-eval", targets="y"), context="eval")
        with mlflow.start_run(run_id=runs["child1"]):
            mlflow.log_input(mlflow.data.from_pandas(df, name="tiny-train", targets="y"), context="training")
        client.set_terminated(runs["train"], "FINISHED", end_time=_ts(9))
        client.set_terminated(runs["child1"], "FINISHED", end_time=_ts(33))

    log.attempt("dataset inputs: tiny-train (training, shared by 2 runs), tiny-eval (eval)", log_inputs)


def make_traces(exp: dict[str, str], log: Log) -> None:
    if VERSION < (2, 15):
        log.notes.append("traces: not recorded before 2.15 (tracing API is 2.14+, kept to 2.15+)")
        return

    @mlflow.trace(name="predict", span_type="CHAIN")
    def predict(question: str) -> str:
        with mlflow.start_span(name="retrieve", span_type="RETRIEVER") as span:
            span.set_inputs({"query": question})
            span.set_outputs({"docs": ["doc-1"]})
        return f"answer to {question}"

    def write() -> None:
        mlflow.set_experiment(experiment_id=exp["main"])
        predict("what is ünïcode?")
        predict("second question")
        if hasattr(mlflow, "flush_trace_async_logging"):
            mlflow.flush_trace_async_logging()
        # Some OpenTelemetry versions make MLflow drop spans silently (trace left IN_PROGRESS): fail loudly.
        traces = MlflowClient().search_traces(experiment_ids=[exp["main"]])
        states = [str(getattr(t.info, "state", None) or t.info.status) for t in traces]
        spans = [len(t.data.spans) for t in traces]
        if len(traces) != 2 or not all(s.endswith("OK") for s in states) or spans != [2, 2]:
            raise RuntimeError(f"traces not recorded completely: states {states}, spans {spans}")

    log.attempt("traces: 2 traces (predict -> retrieve spans) in fixture-main", write)


def make_logged_models(client: MlflowClient, exp: dict[str, str], runs: dict[str, str], log: Log) -> str | None:
    if VERSION < (3, 0):
        log.notes.append("logged models: a 3.x concept")
        return None

    class Echo(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):
            return model_input

    # Logged in sweep-parent, which has no metrics: 3.0.1's SQL store re-logs the run's metrics with the new
    # model_id when a model is logged, and the re-inserted points hit the metrics primary key (IntegrityError).
    def pyfunc_model() -> str:
        with mlflow.start_run(run_id=runs["parent"]):
            info = mlflow.pyfunc.log_model(name="echo", python_model=Echo(), pip_requirements=["mlflow"])
        client.set_terminated(runs["parent"], "FINISHED", end_time=_ts(34))
        return info.model_id

    model_id = log.attempt("logged model echo via mlflow.pyfunc.log_model(name=...) on sweep-parent", pyfunc_model)
    log.notes.append("logged model echo is logged in sweep-parent, a run without metrics: 3.0.1's SQL store "
                     "re-logs a run's metrics with the new model_id and fails on the metrics primary key")

    def bare_model() -> None:
        lm = mlflow.initialize_logged_model(
            name="bare", experiment_id=exp["main"], source_run_id=runs["child1"],
            tags={"kind": "bare"}, params={"alpha": "0.5"}, model_type="fixture",
        )
        mlflow.finalize_logged_model(lm.model_id, "READY")

    log.attempt("logged model bare via initialize_logged_model (tags, params, READY)", bare_model)
    return model_id


def link_metric_to_model(client: MlflowClient, runs: dict[str, str], model_id: str | None, log: Log) -> None:
    if model_id is None:
        return
    log.attempt("metric eval_acc linked to logged model echo (log_metric model_id=...)", client.log_metric,
                runs["train"], "eval_acc", 0.75, timestamp=_ts(8), step=0, model_id=model_id)


def make_registry(client: MlflowClient, runs: dict[str, str], model_id: str | None, log: Log) -> None:
    def versions() -> None:
        kwargs = {"tags": {"owner": "fixture"}}
        client.create_registered_model(MODEL_NAME, description="Fixture model", **kwargs)
        client.set_registered_model_tag(MODEL_NAME, "domain", "tabular")
        for i, run_key in enumerate(("train", "child1", "child2"), start=1):
            run_id = runs[run_key]
            source = client.get_run(run_id).info.artifact_uri + "/model"
            if i == 3 and model_id is not None:  # 3.x: version 3 is the logged model echo
                run_id, source = runs["parent"], f"models:/{model_id}"
            client.create_model_version(MODEL_NAME, source, run_id, tags={"v": str(i)},
                                        description=f"version {i}")
        client.set_model_version_tag(MODEL_NAME, "1", "validated", "true")
        client.create_registered_model(UNICODE_MODEL_NAME, description="ünïcode ✓")
        client.create_model_version(UNICODE_MODEL_NAME, client.get_run(runs["unicode"]).info.artifact_uri,
                                    runs["unicode"])

    log.attempt(f"registry: {MODEL_NAME} with 3 versions (tags, descriptions), {UNICODE_MODEL_NAME} v1",
                versions)
    if VERSION < (3, 0):
        def stages() -> None:
            client.transition_model_version_stage(MODEL_NAME, "1", "Archived")
            client.transition_model_version_stage(MODEL_NAME, "2", "Production")
            client.transition_model_version_stage(MODEL_NAME, "3", "Staging")

        log.attempt("stages: v1 Archived, v2 Production, v3 Staging", stages)
    if VERSION >= (2, 3):
        def aliases() -> None:
            client.set_registered_model_alias(MODEL_NAME, "champion", "2")
            client.set_registered_model_alias(MODEL_NAME, "challenger", "3")

        log.attempt("aliases: champion -> v2, challenger -> v3", aliases)
    else:
        log.notes.append("aliases: not supported before 2.3")


def make_genai_extras(log: Log) -> None:
    if VERSION < (3, 0):
        return

    def feedback() -> None:
        from mlflow.entities import AssessmentSource

        trace_id = mlflow.get_last_active_trace_id()
        mlflow.log_feedback(trace_id=trace_id, name="correctness", value=True,
                            source=AssessmentSource(source_type="HUMAN", source_id="alice"), rationale="ok")

    log.attempt("assessment: feedback 'correctness' on the last trace", feedback)

    def prompt() -> None:
        register = getattr(getattr(mlflow, "genai", None), "register_prompt", None) or mlflow.register_prompt
        register(name="fixture-prompt", template="Answer {{question}} briefly.")

    log.attempt("prompt registry: fixture-prompt v1", prompt)


def make_auth_db(path: Path, exp: dict[str, str], log: Log) -> None:
    if VERSION < (2, 5):
        log.notes.append("basic-auth DB: mlflow.server.auth is 2.5+")
        return
    from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore()
    store.init_db(f"sqlite:///{path}")
    store.create_user("admin", "admin-password-1234", is_admin=True)
    store.create_user("alice", "alice-password-1234")
    store.create_user("bob", "bob-password-1234")
    store.create_experiment_permission(exp["main"], "alice", "EDIT")
    store.create_experiment_permission(exp["unicode"], "bob", "READ")
    # NO_PERMISSIONS is what 2.x grants to deny; 3.17 accepts only DENY/EDIT/MANAGE/READ/USE per resource.
    if not log.attempt("auth: bob NO_PERMISSIONS on fixture-main", store.create_experiment_permission,
                       exp["main"], "bob", "NO_PERMISSIONS"):
        log.attempt("auth: bob DENY on fixture-main", store.create_experiment_permission, exp["main"], "bob",
                    "DENY")
    store.create_registered_model_permission(MODEL_NAME, "alice", "MANAGE")
    store.create_registered_model_permission(UNICODE_MODEL_NAME, "bob", "READ")
    store.engine.dispose()
    if "role_permissions" in table_counts(path):
        log.notes.append("basic_auth.db: this release stores grants as per-user roles (roles, role_permissions, "
                         "user_role_assignments); experiment/registered_model_permissions stay empty")
    log.did("basic_auth.db: users admin(admin)/alice/bob, 3 experiment and 2 registered-model permissions")


def populate(tracking_uri: str, registry_uri: str | None, art_root: str | None, kind: str, log: Log) -> dict:
    mlflow.set_tracking_uri(tracking_uri)
    if registry_uri:
        mlflow.set_registry_uri(registry_uri)
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=registry_uri)
    exp = make_experiments(client, art_root, log)
    runs = make_runs(client, exp, log)
    make_datasets(client, exp, runs, log)
    make_traces(exp, log)
    model_id = make_logged_models(client, exp, runs, log)
    broken_registry = kind == "file" and VERSION[:2] == (3, 0)
    if not broken_registry:
        link_metric_to_model(client, runs, model_id, log)
    if registry_uri:
        make_registry(client, runs, model_id, log)
    if broken_registry:  # 3.0.1 file-store bug: registry writes fail once a metric is linked to a model
        log.notes.append("3.0.1 file store: registry written before eval_acc is linked to the logged model "
                         "(later registry writes fail with a yaml RepresenterError, a bug of that release)")
        link_metric_to_model(client, runs, model_id, log)
    make_genai_extras(log)
    client.delete_experiment(exp["deleted"])
    return {"experiments": exp, "runs": runs, "logged_model": model_id}


def _revision(db: Path) -> dict[str, str | None]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: con.execute(f'SELECT version_num FROM "{t}"').fetchone()[0]
                for t in tables if t.startswith("alembic_version")}
    finally:
        con.close()


def table_counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = sorted(r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"))
        return {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def _sql_duplicates(db: Path) -> dict[str, int]:
    """How many rows the two metrics logged as exact duplicate points ended up with (the SQL PK allows one)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(con.execute("SELECT key, COUNT(*) FROM metrics WHERE key IN ('dup_batch', 'dup_twice') "
                                "GROUP BY key ORDER BY key").fetchall())
    finally:
        con.close()


def code_head() -> str:
    """Head revision of the migrations shipped in this release (what a fresh store is stamped with)."""
    from alembic.script import ScriptDirectory
    from mlflow.store.db.utils import _get_alembic_config

    return ScriptDirectory.from_config(_get_alembic_config("sqlite://")).get_current_head()


def file_store_counts(root: Path) -> dict[str, int]:
    exps = [p.parent for p in root.glob("*/meta.yaml")] + [p.parent for p in root.glob(".trash/*/meta.yaml")]
    run_metas = [p for e in exps for p in e.glob("*/meta.yaml")]
    metric_files = [p for m in run_metas for p in (m.parent / "metrics").rglob("*") if p.is_file()]
    lines = sum(len(p.read_text().splitlines()) for p in metric_files)
    models_root = root / "models"
    return {
        "experiments": len(exps),
        "experiments_in_trash": len(list(root.glob(".trash/*/meta.yaml"))),
        "runs": len(run_metas),
        "metric_files": len(metric_files),
        "metric_lines": lines,
        "registered_models": len(list(models_root.glob("*/meta.yaml"))),
        "model_versions": len(list(models_root.glob("*/version-*/meta.yaml"))),
        "files": sum(1 for p in root.rglob("*") if p.is_file()),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=("sql", "file"), required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    out: Path = args.out.resolve()
    log = Log()
    result: dict = {"mlflow": mlflow.__version__, "python": sys.version.split()[0]}
    if args.kind == "sql":
        db = out / "mlflow.db"
        uri = f"sqlite:///{db}"
        (out / "artifacts").mkdir(parents=True, exist_ok=True)
        os.chdir(out / "artifacts")  # the default experiment's "./mlruns" or "./mlartifacts" lands here
        ids = populate(uri, uri, (out / "artifacts").as_uri(), "sql", log)
        result["tracking_revision"] = _revision(db).get("alembic_version")
        result["code_head"] = code_head()
        result["table_counts"] = table_counts(db)
        result["duplicate_points_stored"] = _sql_duplicates(db)
        auth = out / "basic_auth.db"
        make_auth_db(auth, ids["experiments"], log)
        if auth.exists():
            result["auth_revision"] = _revision(auth)
            result["auth_table_counts"] = table_counts(auth)
    else:
        root = out / "mlruns"
        uri = root.as_uri()
        registry = uri if VERSION >= (2, 0) else None
        if registry is None:
            log.notes.append("file-store model registry: not supported by 1.x")
        ids = populate(uri, registry, None, "file", log)
        result["file_store_counts"] = file_store_counts(root)
        result["duplicate_points_stored"] = {
            key: sum(len(p.read_text().splitlines()) for p in root.glob(f"*/*/metrics/{key}"))
            for key in ("dup_batch", "dup_twice")
        }
    result.update(ids=ids, written=log.written, skipped=log.skipped, notes=log.notes)
    (out / f"writer-{args.kind}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
