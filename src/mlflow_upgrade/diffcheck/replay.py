"""The bounded, deterministic set of REST reads ``diffcheck`` sends to both servers.

The calls are chosen from the OLD release's answers (so every call is one the old release accepts), recorded
with their answers, then replayed unchanged against the target. Only reads: searches with filters and ordering
that MLflow accepted since 1.28 (experiments/search) and 1.x (runs/search), get run, metric history, artifact
listings, registered models, versions and aliases, traces (v2 and v3 search) and logged models where the old
release serves them (a route it answers with 404 is noted as skipped, not compared), and a few lookups of ids
that do not exist (to compare ``error_code``).

Bounds: ``sample`` runs per experiment (and per filtered search), at most ``MAX_EXPERIMENTS`` experiments,
``MAX_METRIC_KEYS`` metric histories per run, ``MAX_MODELS`` registered models, ``MAX_VERSIONS`` versions each.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

MAX_EXPERIMENTS = 25
MAX_METRIC_KEYS = 10
MAX_MODELS = 20
MAX_VERSIONS = 10
MAX_ARTIFACT_DIRS = 5
API = "/api/2.0/mlflow"
API_V3 = "/api/3.0/mlflow"
MISSING_ID = "00000000000000000000000000000000"


@dataclass(frozen=True)
class Call:
    name: str  # what people read in the report: "get run 8f3…"
    method: str  # GET | POST
    path: str
    params: tuple[tuple[str, str], ...] = ()  # GET query
    body: str | None = None  # POST JSON, serialized

    def describe(self) -> str:
        return self.name


@dataclass
class Recorded:
    call: Call
    status: int
    body: Any


@dataclass
class Client:
    base_url: str
    timeout: float

    def send(self, call: Call) -> tuple[int, Any]:
        url = self.base_url + call.path
        data = None
        headers = {"Accept": "application/json"}
        if call.method == "GET" and call.params:
            url += "?" + urllib.parse.urlencode(call.params)
        if call.body is not None:
            data = call.body.encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=call.method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                return resp.status, _parse(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _parse(exc.read())


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw.decode("utf-8", errors="replace")[:200]


def get(label: str, path: str, **params: Any) -> Call:
    items = []
    for key, value in params.items():
        values = value if isinstance(value, list) else [value]
        items += [(key, str(v)) for v in values]
    return Call(label, "GET", API + path, tuple(items))


def post(name: str, path: str, body: dict[str, Any], api: str = API) -> Call:
    return Call(name, "POST", api + path, body=json.dumps(body, sort_keys=True))


@dataclass
class Discovery:
    """Sends calls to the old server, records answers, and derives the next calls from them."""

    client: Client
    sample: int
    recorded: list[Recorded] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def ask(self, call: Call) -> Any:
        status, body = self.client.send(call)
        self.recorded.append(Recorded(call, status, body))
        return body if status == 200 and isinstance(body, dict) else None

    def run(self) -> list[Recorded]:
        experiments = self._experiments()
        for exp in experiments[:MAX_EXPERIMENTS]:
            self._experiment(exp["experiment_id"])
        if len(experiments) > MAX_EXPERIMENTS:
            self.skipped.append(f"{len(experiments) - MAX_EXPERIMENTS} experiment(s) beyond the first "
                                f"{MAX_EXPERIMENTS} by id")
        self._models()
        self._missing_ids()
        return self.recorded

    # ---- experiments and runs ------------------------------------------------------------------------------
    def _experiments(self) -> list[dict]:
        found = self.ask(post("search experiments (all, server order)", "/experiments/search",
                              {"max_results": 1000, "view_type": "ALL"}))
        self.ask(post("search experiments (all, name ASC)", "/experiments/search",
                      {"max_results": 1000, "view_type": "ALL", "order_by": ["name ASC"]}))
        self.ask(post("search experiments (active, last_update_time DESC)", "/experiments/search",
                      {"max_results": 1000, "view_type": "ACTIVE_ONLY", "order_by": ["last_update_time DESC"]}))
        experiments = (found or {}).get("experiments", [])
        return sorted(experiments, key=lambda e: _id_key(e["experiment_id"]))

    def _experiment(self, exp_id: str) -> None:
        self.ask(get(f"get experiment {exp_id}", "/experiments/get", experiment_id=exp_id))
        runs = self._search_runs(exp_id, f"search runs of experiment {exp_id} (start_time DESC)",
                                 order_by=["attributes.start_time DESC"])
        self._search_runs(exp_id, f"search runs of experiment {exp_id} (status FINISHED)",
                          filter="attributes.status = 'FINISHED'")
        for run in runs:
            self._run(run)
        self._filtered_by_data(exp_id, runs)
        self._traces(exp_id)
        self._traces_v3(exp_id)
        self._logged_models(exp_id)

    def _search_runs(self, exp_id: str, name: str, **extra: Any) -> list[dict]:
        body = {"experiment_ids": [exp_id], "run_view_type": "ALL", "max_results": self.sample, **extra}
        found = self.ask(post(name, "/runs/search", body))
        return (found or {}).get("runs", [])

    def _filtered_by_data(self, exp_id: str, runs: list[dict]) -> None:
        """One search filtered and ordered on a metric, one on a param, taken from the first sampled run."""
        data = runs[0].get("data", {}) if runs else {}
        metric = next((m["key"] for m in data.get("metrics", []) if _quotable(m["key"])), None)
        if metric:
            self._search_runs(exp_id, f"search runs of experiment {exp_id} (metric {metric} DESC)",
                              filter=f"metrics.`{metric}` > -1e300", order_by=[f"metrics.`{metric}` DESC"])
        param = next((p for p in data.get("params", []) if _quotable(p["key"]) and _quotable(p["value"])), None)
        if param:
            self._search_runs(exp_id, f"search runs of experiment {exp_id} (param {param['key']})",
                              filter=f"params.`{param['key']}` = '{param['value']}'")

    def _run(self, run: dict) -> None:
        run_id = run["info"]["run_id"] if "run_id" in run["info"] else run["info"]["run_uuid"]
        self.ask(get(f"get run {run_id}", "/runs/get", run_id=run_id))
        keys = sorted({m["key"] for m in run.get("data", {}).get("metrics", [])})
        for key in keys[:MAX_METRIC_KEYS]:
            self.ask(get(f"metric history {run_id} {key}", "/metrics/get-history", run_id=run_id, metric_key=key))
        if len(keys) > MAX_METRIC_KEYS:
            self.skipped.append(f"run {run_id}: {len(keys) - MAX_METRIC_KEYS} metric histories not compared")
        listing = self.ask(get(f"list artifacts {run_id}", "/artifacts/list", run_id=run_id))
        dirs = [f["path"] for f in (listing or {}).get("files", []) if f.get("is_dir")]
        for path in sorted(dirs)[:MAX_ARTIFACT_DIRS]:
            self.ask(get(f"list artifacts {run_id} {path}", "/artifacts/list", run_id=run_id, path=path))

    def optional(self, call: Call, what: str) -> Any:
        """Ask ``call`` if the old release serves it: a 404 (no such route) is noted once, not compared."""
        status, body = self.client.send(call)
        if status == 404 and not (isinstance(body, dict) and body.get("error_code") == "RESOURCE_DOES_NOT_EXIST"):
            note = f"{what}: the old release does not serve {call.path} (404)"
            if note not in self.skipped:
                self.skipped.append(note)
            return None
        self.recorded.append(Recorded(call, status, body))
        return body if status == 200 and isinstance(body, dict) else None

    def _traces(self, exp_id: str) -> None:
        found = self.optional(get(f"search traces of experiment {exp_id}", "/traces", experiment_ids=exp_id,
                                  max_results=self.sample, order_by="timestamp_ms DESC"), "traces")
        for trace in (found or {}).get("traces", []):
            if request_id := trace.get("request_id"):
                self.ask(get(f"trace info {request_id}", f"/traces/{request_id}/info"))

    def _traces_v3(self, exp_id: str) -> None:
        body = {"locations": [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": exp_id}}],
                "max_results": self.sample, "order_by": ["timestamp_ms DESC"]}
        self.optional(post(f"search traces v3 of experiment {exp_id}", "/traces/search", body, API_V3),
                      "traces (v3 API)")

    def _logged_models(self, exp_id: str) -> None:
        found = self.optional(post(f"search logged models of experiment {exp_id}", "/logged-models/search",
                                   {"experiment_ids": [exp_id], "max_results": self.sample}), "logged models")
        for model in (found or {}).get("models", []):
            if model_id := (model.get("info") or {}).get("model_id"):
                self.ask(get(f"get logged model {model_id}", f"/logged-models/{model_id}"))

    # ---- model registry ------------------------------------------------------------------------------------
    def _models(self) -> None:
        found = self.ask(get("search registered models (name ASC)", "/registered-models/search",
                             max_results=100, order_by="name ASC"))
        models = (found or {}).get("registered_models", [])
        for model in models[:MAX_MODELS]:
            self._model(model["name"])
        if len(models) > MAX_MODELS:
            self.skipped.append(f"{len(models) - MAX_MODELS} registered model(s) beyond the first {MAX_MODELS}")

    def _model(self, name: str) -> None:
        model = self.ask(get(f"get registered model {name}", "/registered-models/get", name=name))
        if not _quotable(name):
            self.skipped.append(f"model {name!r}: name not usable in a filter string")
            return
        found = self.ask(get(f"search versions of {name}", "/model-versions/search", filter=f"name='{name}'",
                             max_results=100))
        self.ask(post(f"latest versions of {name}", "/registered-models/get-latest-versions", {"name": name}))
        versions = sorted((v["version"] for v in (found or {}).get("model_versions", [])), key=_id_key)
        for version in versions[:MAX_VERSIONS]:
            self.ask(get(f"get version {name} v{version}", "/model-versions/get", name=name, version=version))
        for alias in (model or {}).get("registered_model", {}).get("aliases", []):
            self.ask(get(f"get alias {name}@{alias['alias']}", "/registered-models/alias", name=name,
                         alias=alias["alias"]))

    # ---- errors --------------------------------------------------------------------------------------------
    def _missing_ids(self) -> None:
        self.ask(get("get run that does not exist", "/runs/get", run_id=MISSING_ID))
        self.ask(get("get experiment that does not exist", "/experiments/get", experiment_id="987654321"))
        self.ask(get("get registered model that does not exist", "/registered-models/get",
                     name="mlflow-upgrade-diffcheck-missing"))


def _quotable(text: str) -> bool:
    return "'" not in text and "`" not in text and "\\" not in text


def _id_key(value: str) -> tuple[int, str]:
    return (int(value), "") if str(value).isdigit() else (1 << 62, str(value))


def replay(client: Client, recorded: list[Recorded]) -> list[tuple[int, Any]]:
    """Send the recorded calls to ``client`` in the same order."""
    return [client.send(r.call) for r in recorded]
