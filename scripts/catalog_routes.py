"""REST routes each MLflow release serves and the calls each release's client makes, read from its wheel.

Used by scripts/build_catalog.py to write src/mlflow_upgrade/catalog/routes.json (docs/catalog.md, docs/compat.md).
Nothing from a wheel is imported: the protos' serialized ``FileDescriptorProto`` bytes are taken out of the
``*_pb2.py`` files with ``ast`` and parsed with protobuf (the ``databricks.rpc`` method option is registered by
the installed MLflow's ``databricks_pb2``); the server's handler table, ``get_endpoints()``, Flask and FastAPI
routes and the client's REST stores are read with ``ast`` and regular expressions.

Server side, per release (the rules of ``mlflow/server/handlers.py``):
  * services: the ``get_service_endpoints(<X>Service ...)`` calls in ``get_endpoints()``;
  * an RPC is served only when its request class is a key of ``HANDLERS`` (else ``_not_implemented``: 404);
  * prefix: ``/api/2.0`` for every endpoint, or ``/api/<since.major>.0`` once ``get_service_endpoints`` passes
    ``version=endpoint.since.major`` (3.2.0);
  * plus ``@app.route`` in ``server/__init__.py``, the ``_get_paths("…", version=N)`` / ``_get_rest_path`` tuples
    of ``get_endpoints()``'s helpers and FastAPI ``APIRouter`` routes. ``/ajax-api`` copies (UI only) are left out.
Client side, per release: every ``_call_endpoint(<Request>, …)`` in the tracking and registry ``RestStore``
(the path the client builds: ``endpoints[0]`` with ``/api/2.0`` or ``/api/3.0``, the literal ``endpoint=`` when
one is passed, all declared endpoints in order with ``call_all_endpoints=True``), the store method that makes
it, and fallbacks: an RPC called in an ``except`` clause that tests ``ENDPOINT_NOT_FOUND``.
"""

from __future__ import annotations

import ast
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from packaging.version import Version

ROUTES_VERSION = 2  # bump when the same wheels would give different routes.json content
FIRST = Version("1.30.1")  # the oldest release the route table covers
PARAM = re.compile(r"\{[^}]*\}|<[^>]*>")

# Features of the client, each a list of (condition, RestStore methods it calls): the first condition that holds
# in a release's wheel (a file of the wheel containing a marker; None always holds) names the store methods;
# their RPCs (and fallbacks) are read from that release's RestStore. What a fluent API calls is not visible from
# the REST stores alone, hence the markers: each is checked in every wheel, so a release that drops it drops the
# methods.
MODEL_PY = "mlflow/models/model.py"
REGISTRY_FLUENT = "mlflow/tracking/_model_registry/fluent.py"
FEATURES: dict[str, list[tuple[tuple[str, str] | None, list[str]]]] = {
    "tracking": [(None, ["create_experiment", "get_experiment_by_name", "create_run", "log_batch",
                         "update_run_info", "get_run"])],
    "log_model": [((MODEL_PY, "_create_logged_model("), ["create_logged_model"]),
                  ((MODEL_PY, "initialize_logged_model("), ["create_logged_model"]),
                  ((MODEL_PY, "_record_logged_model("), ["record_logged_model"])],
    "register_model": [((REGISTRY_FLUENT, ".search_logged_models("),
                        ["create_registered_model", "create_model_version", "search_logged_models"]),
                       (None, ["create_registered_model", "create_model_version"])],
    "model_aliases": [(None, ["set_registered_model_alias", "get_model_version_by_alias"])],
    "log_input": [(None, ["log_inputs"])],
    # 3.0/3.1 export through the v2 processor unless the tracking URI is Databricks
    "tracing": [(("mlflow/tracing/provider.py", "MlflowV2SpanExporter(tracking_uri"), ["start_trace", "end_trace"]),
                (("mlflow/tracing/export/mlflow_v3.py", "start_trace_v3("), ["start_trace_v3"]),
                (("mlflow/tracing/export/mlflow_v3.py", ".start_trace("), ["start_trace"]),
                (("mlflow/tracing/processor/mlflow.py", "_start_tracked_trace("), ["start_trace", "end_trace"])],
    "search_traces": [(None, ["search_traces"])],
    "search_logged_models": [(None, ["search_logged_models"])],
    "list_experiments": [(None, ["list_experiments"])],
}


@dataclass
class Rpc:
    module: str  # the *_pb2 module (request names repeat across protos: Unity Catalog's CreateRegisteredModel)
    service: str
    name: str  # request message name (HANDLERS' key)
    endpoints: list[tuple[str, str, int]]  # (method, path, since.major)


@dataclass
class ReleaseRoutes:
    served: set[str] = field(default_factory=set)  # "METHOD /path" with {} for parameters
    handled: set[str] = field(default_factory=set)  # request classes in the server's HANDLERS
    calls: dict[str, list[str]] = field(default_factory=dict)  # rpc -> client paths tried in order
    fallbacks: dict[str, list[str]] = field(default_factory=dict)  # rpc -> rpcs called on ENDPOINT_NOT_FOUND
    methods: dict[str, list[str]] = field(default_factory=dict)  # store method -> rpcs
    features: dict[str, list[str]] = field(default_factory=dict)  # feature -> rpcs


def norm(method: str, path: str) -> str:
    return f"{method.upper()} {PARAM.sub('{}', path)}"


# -- protos ---------------------------------------------------------------------------------------
def _serialized(source: str) -> bytes | None:
    """The FileDescriptorProto bytes of a *_pb2.py: AddSerializedFile(b'…'), serialized_pb=b'…' or _b('…')."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        args = list(node.args)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "AddSerializedFile" and args:
            value = args[0]
        else:
            value = next((k.value for k in node.keywords if k.arg == "serialized_pb"), None)
        if isinstance(value, ast.Call) and value.args:  # _b('…') == '…'.encode('latin1')
            value = value.args[0]
        if isinstance(value, ast.Constant):
            return value.value if isinstance(value.value, bytes) else value.value.encode("latin1")
    return None


def read_rpcs(archive: zipfile.ZipFile, names: set[str]) -> dict[str, list[Rpc]]:
    """{service name: its RPCs with their declared endpoints}, from every mlflow/protos/*_pb2.py."""
    # lazy: protobuf and the installed MLflow's databricks_pb2 (registers the `rpc` option) only for a build
    from google.protobuf import descriptor_pb2
    from mlflow.protos import databricks_pb2

    services: dict[str, list[Rpc]] = {}
    for name in sorted(n for n in names if re.fullmatch(r"mlflow/protos/[a-z_0-9]+_pb2\.py", n)):
        data = _serialized(archive.read(name).decode("utf-8"))
        if data is None:
            continue
        proto = descriptor_pb2.FileDescriptorProto.FromString(data)
        for service in proto.service:
            rpcs = services.setdefault(service.name, [])
            for method in service.method:
                opts = method.options.Extensions[databricks_pb2.rpc]
                endpoints = [(e.method, e.path, e.since.major or 2) for e in opts.endpoints]
                rpcs.append(Rpc(name.rsplit("/", 1)[-1][:-3], service.name, method.input_type.rsplit(".", 1)[-1],
                                endpoints))
    return services


# -- server ---------------------------------------------------------------------------------------
def _handler_keys(tree: ast.Module) -> set[str]:
    """Request class names that are keys of HANDLERS (import aliases resolved to the proto's name)."""
    aliases = {a.asname: a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names if a.asname}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "HANDLERS" for t in targets) and isinstance(
                node.value, ast.Dict
            ):
                keys = [k.id if isinstance(k, ast.Name) else getattr(k, "attr", None) for k in node.value.keys]
                return {aliases.get(k, k) for k in keys if k}
    return set()


def _function_source(source: str, tree: ast.Module, name: str) -> str:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(source, node) or ""
    return ""


EXTRA_ROUTE = re.compile(
    r"""_get_(?:paths|rest_path)\(\s*["'](?P<path>/[^"']+)["'](?:\s*,\s*version\s*=\s*(?P<v>\d))?\s*\)"""
    r"""(?P<rest>[^\n]*\n?[^\n]*\n?[^\n]*)""")
METHODS = re.compile(r"""\[\s*((?:["'][A-Z]+["']\s*,?\s*)+)\]""")
FLASK_ROUTE = re.compile(
    r"""@app\.route\(\s*(?:_add_static_prefix\()?\s*["'](?P<path>/[^"']+)["']\)?(?P<rest>[^\n]*)""")
ROUTER = re.compile(r"""(?P<var>\w+)\s*=\s*APIRouter\((?P<args>[^)]*)\)""")
ROUTER_ROUTE = re.compile(r"""@(?P<var>\w+)\.(?P<m>get|post|put|patch|delete)\(\s*["'](?P<path>[^"']*)["']""")
STR_CONST = re.compile(r"""^(?P<name>[A-Z_][A-Z_0-9]*)\s*=\s*["'](?P<value>[^"']*)["']""", re.M)


def _methods(rest: str, default: str = "GET") -> list[str]:
    found = METHODS.search(rest)
    return re.findall(r"[A-Z]+", found.group(1)) if found else [default]


def server_routes(archive: zipfile.ZipFile, names: set[str], services: dict[str, list[Rpc]], routes: ReleaseRoutes
                  ) -> None:
    source = archive.read("mlflow/server/handlers.py").decode("utf-8")
    tree = ast.parse(source)
    routes.handled = handled = _handler_keys(tree)
    endpoints_fn = _function_source(source, tree, "get_endpoints")
    registered = re.findall(r"get_service_endpoints\(\s*(\w+)", endpoints_fn)
    by_major = "version=endpoint.since.major" in _function_source(source, tree, "get_service_endpoints") or (
        "version=endpoint.since.major" in endpoints_fn)
    served: set[str] = set()
    for service in registered:
        for rpc in services.get(service, []):
            if rpc.name not in handled:
                continue  # get_handler() -> _not_implemented: 404 with an empty body
            for method, path, major in rpc.endpoints:
                served.add(norm(method, f"/api/{major if by_major else 2}.0{path}"))
    # get_endpoints()'s extra tuples (server-info, gateway, jobs, ...): the helpers it calls, in handlers.py
    helpers = re.findall(r"\+\s*(get_\w+_endpoints)\(", endpoints_fn)
    for text in [endpoints_fn, *(_function_source(source, tree, h) for h in helpers)]:
        for match in EXTRA_ROUTE.finditer(text):
            for method in _methods(match.group("rest")):
                served.add(norm(method, f"/api/{match.group('v') or 2}.0{match.group('path')}"))
    if "/graphql" in endpoints_fn:
        served.update({"GET /graphql", "POST /graphql"})
    init = archive.read("mlflow/server/__init__.py").decode("utf-8")
    for match in FLASK_ROUTE.finditer(init):
        for method in _methods(match.group("rest")):
            served.add(norm(method, match.group("path")))
    served |= _fastapi_routes(archive, names)
    routes.served = {r for r in served if not r.split(" ", 1)[1].startswith(("/ajax-api", "/static-files"))}


def _fastapi_routes(archive: zipfile.ZipFile, names: set[str]) -> set[str]:
    """Routes of APIRouter objects defined in mlflow/server/*.py (prefix from APIRouter(prefix=…))."""
    routes: set[str] = set()
    for name in sorted(n for n in names if re.fullmatch(r"mlflow/server/[a-z_0-9]+\.py", n)):
        text = archive.read(name).decode("utf-8")
        if "APIRouter(" not in text:
            continue
        consts = {m.group("name"): m.group("value") for m in STR_CONST.finditer(text)}
        prefixes = {}
        for match in ROUTER.finditer(text):
            prefix = re.search(r"""prefix\s*=\s*(?:["'](?P<lit>[^"']*)["']|(?P<name>\w+))""", match.group("args"))
            value = (prefix.group("lit") if prefix.group("lit") is not None else consts.get(prefix.group("name")))\
                if prefix else ""
            prefixes[match.group("var")] = value
        for match in ROUTER_ROUTE.finditer(text):
            prefix = prefixes.get(match.group("var"))
            if prefix is None:
                continue  # a prefix the script cannot resolve: leave the route out rather than guess
            routes.add(norm(match.group("m"), prefix + match.group("path")))
    return routes


# -- client ---------------------------------------------------------------------------------------
CLIENT_STORES = ("mlflow/store/tracking/rest_store.py", "mlflow/store/model_registry/rest_store.py")
REST_UTILS = "mlflow/utils/rest_utils.py"


def _is_call_endpoint(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
        "_call_endpoint", "call_endpoint") and bool(node.args) and isinstance(node.args[0], ast.Name)


class _StoreReader:
    """One RestStore module: which RPCs each method calls, with what path, and its ENDPOINT_NOT_FOUND fallbacks."""

    def __init__(self, source: str, rpcs: dict[tuple[str, str], Rpc], v3_prefix_default: set[str], env: _Env
                 ) -> None:
        self.tree = ast.parse(source)
        self.env = env
        # the request classes this module imports from mlflow.protos, by the name it uses
        self.rpcs = {
            alias.asname or alias.name: rpcs[(node.module.rsplit(".", 1)[-1], alias.name)]
            for node in self.tree.body if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "mlflow.protos.")
            for alias in node.names if (node.module.rsplit(".", 1)[-1], alias.name) in rpcs
        }
        self.v3 = v3_prefix_default
        self.functions = {n.name: n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef)}
        self.calls: dict[str, list[str]] = {}
        self.direct: dict[str, set[str]] = {}
        self.fallbacks: dict[str, set[str]] = {}
        self.locals: dict[int, dict[str, ast.expr]] = {}  # id(call) -> assignments of its enclosing function
        for fn in self.functions.values():
            assigned = {t.id: n.value for n in ast.walk(fn) if isinstance(n, ast.Assign)
                        for t in n.targets if isinstance(t, ast.Name)}
            for call in ast.walk(fn):
                self.locals.setdefault(id(call), assigned)
        for name, fn in self.functions.items():
            self.direct[name] = self._rpcs_in(fn)
            for node in ast.walk(fn):
                if isinstance(node, ast.Try):
                    self._try(node)

    def _rpcs_in(self, node: ast.AST) -> set[str]:
        found = set()
        for call in ast.walk(node):
            if _is_call_endpoint(call) and call.args[0].id in self.rpcs:
                rpc = call.args[0].id
                found.add(rpc)
                self.calls.setdefault(rpc, self._paths(rpc, call))
        return found

    def _paths(self, rpc: str, call: ast.Call) -> list[str]:
        info = self.rpcs[rpc]
        given = next((k.value for k in call.keywords if k.arg == "endpoint"), None)
        if given is None and len(call.args) >= 3 and call.func.attr == "_call_endpoint":
            given = call.args[2]  # _call_endpoint(api, json_body, endpoint)
        if isinstance(given, ast.Name) and given.id in self.locals.get(id(call), {}):
            given = self.locals[id(call)][given.id]
        literal = self.env.resolve(given, locals_=self.locals.get(id(call), {})) if given is not None else None
        method = info.endpoints[0][0] if info.endpoints else "POST"
        literal = literal.split("?", 1)[0] if literal else None
        if literal and literal.startswith("/"):
            return [norm(method, literal)]
        every = any(k.arg == "call_all_endpoints" and isinstance(k.value, ast.Constant) and k.value.value
                    for k in call.keywords)
        prefix = "/api/3.0" if rpc in self.v3 else "/api/2.0"
        chosen = info.endpoints if every else info.endpoints[:1]
        return [norm(m, prefix + p) for m, p, _ in chosen]

    def reachable(self, node: ast.AST, seen: set[str] | None = None) -> set[str]:
        """RPCs called in `node` directly or through self.<method>(…) calls, transitively."""
        seen = set() if seen is None else seen
        found = set(self._rpcs_in(node))
        for call in ast.walk(node):
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and isinstance(call.func.value, ast.Name) and call.func.value.id == "self"
                    and call.func.attr in self.functions and call.func.attr not in seen):
                seen.add(call.func.attr)
                found |= self.reachable(self.functions[call.func.attr], seen)
        return found

    def _try(self, node: ast.Try) -> None:
        primary = set().union(*(self.reachable(stmt) for stmt in node.body)) if node.body else set()
        for handler in node.handlers:
            if "ENDPOINT_NOT_FOUND" not in ast.dump(handler):
                continue
            fallback = set().union(*(self.reachable(s) for s in handler.body)) if handler.body else set()
            for rpc in primary:
                self.fallbacks.setdefault(rpc, set()).update(fallback - primary)

    def method_rpcs(self, method: str) -> list[str]:
        fn = self.functions.get(method)
        return sorted(self.reachable(fn)) if fn else []


class _Env:
    """Module-level string constants and one-return path helpers of the client's rest_utils / rest_store, to
    resolve `endpoint=` expressions: a constant, an f-string over constants, a helper call (its parameters,
    like any non-constant part, become `{}`)."""

    def __init__(self, sources: list[str]) -> None:
        self.consts: dict[str, str] = {}
        self.helpers: dict[str, ast.expr] = {}
        for source in sources:
            for node in ast.parse(source).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    value = self.resolve(node.value)
                    if value is not None:
                        self.consts[node.targets[0].id] = value
                elif isinstance(node, ast.FunctionDef):
                    ret = next((n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value), None)
                    if ret is not None:
                        self.helpers[node.name] = ret

    def resolve(self, node: ast.expr, depth: int = 0, locals_: dict[str, ast.expr] | None = None) -> str | None:
        locals_ = locals_ or {}
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in locals_ and depth < 4:
                return self.resolve(locals_[node.id], depth + 1, locals_)
            return self.consts.get(node.id)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    parts.append(str(value.value))
                else:
                    inner = (self.resolve(value.value, depth + 1, locals_) if isinstance(value, ast.FormattedValue)
                             else None)
                    parts.append(inner if inner is not None and inner.startswith("/") else "{}")
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.resolve(node.left, depth + 1, locals_), self.resolve(node.right, depth + 1, locals_)
            return None if left is None or right is None else left + right
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and depth < 3:
            helper = self.helpers.get(node.func.id)
            return self.resolve(helper, depth + 1) if helper is not None else None
        return None


def _v3_apis(source: str) -> set[str]:
    """Request classes a tracking RestStore sends under /api/3.0 (its `_V3_APIS` set)."""
    match = re.search(r"_V3_APIS\s*=\s*\{([^}]*)\}", source)
    return set(re.findall(r"\w+", match.group(1))) if match else set()


def client_calls(archive: zipfile.ZipFile, names: set[str], services: dict[str, list[Rpc]], routes: ReleaseRoutes
                 ) -> None:
    rpcs = {(r.module, r.name): r for service in services.values() for r in service}
    readers = {}
    utils = archive.read(REST_UTILS).decode("utf-8") if REST_UTILS in names else ""
    for path in CLIENT_STORES:
        if path in names:
            source = archive.read(path).decode("utf-8")
            reader = _StoreReader(source, rpcs, _v3_apis(source), _Env([utils, source]))
            readers[path] = reader
            routes.calls.update(reader.calls)
            for rpc, alternatives in reader.fallbacks.items():
                if alternatives:
                    routes.fallbacks[rpc] = sorted(alternatives)
    for feature, options in FEATURES.items():
        for condition, methods in options:
            if condition is not None and not (
                condition[0] in names and condition[1] in archive.read(condition[0]).decode("utf-8")
            ):
                continue
            found = {rpc for m in methods for r in readers.values() for rpc in r.method_rpcs(m)}
            # an RPC reached only as another's ENDPOINT_NOT_FOUND fallback is an alternative, not a step
            found -= {alt for rpc in found for alt in routes.fallbacks.get(rpc, [])}
            # branches for other backends (Databricks-only unified traces): an RPC whose path the release's own
            # server does not serve is left out when another RPC of the feature is served
            own = {rpc for rpc in found if any(p in routes.served for p in routes.calls.get(rpc, []))}
            found = own or found
            if found:
                routes.features[feature] = sorted(found)
            break


def read_release(wheel_path: str) -> ReleaseRoutes:
    with zipfile.ZipFile(wheel_path) as archive:
        names = set(archive.namelist())
        services = read_rpcs(archive, names)
        routes = ReleaseRoutes()
        server_routes(archive, names, services, routes)
        client_calls(archive, names, services, routes)
    return routes


# -- the table ------------------------------------------------------------------------------------
def runs(present: list[str], versions: list[str]) -> str:
    """"1.30.1–2.22.5, 3.1.0" over `versions` (consecutive covered releases collapse into one run)."""
    out, start, prev = [], None, None
    index = {v: i for i, v in enumerate(versions)}
    for version in sorted(present, key=Version):
        if start is not None and index[version] == index[prev] + 1:
            prev = version
            continue
        if start is not None:
            out.append(start if start == prev else f"{start}–{prev}")
        start = prev = version
    if start is not None:
        out.append(start if start == prev else f"{start}–{prev}")
    return ", ".join(out)


def build_table(per_release: dict[str, ReleaseRoutes]) -> dict[str, Any]:
    versions = sorted(per_release, key=Version)

    def group(items: dict[str, set[str]]) -> dict[str, str]:
        return {key: runs(sorted(v), versions) for key, v in sorted(items.items())}

    served: dict[str, set[str]] = {}
    calls: dict[str, dict[str, set[str]]] = {}
    fallbacks: dict[str, dict[str, set[str]]] = {}
    features: dict[str, dict[str, set[str]]] = {}
    for version, routes in per_release.items():
        for route in routes.served:
            served.setdefault(route, set()).add(version)
        for rpc, paths in routes.calls.items():
            calls.setdefault(rpc, {}).setdefault(" | ".join(paths), set()).add(version)
        for rpc, alts in routes.fallbacks.items():
            fallbacks.setdefault(rpc, {}).setdefault(" ".join(alts), set()).add(version)
        for feature, rpcs in routes.features.items():
            features.setdefault(feature, {}).setdefault(" ".join(rpcs), set()).add(version)

    def nested(table: dict[str, dict[str, set[str]]]) -> dict[str, dict[str, str]]:
        return {key: group(value) for key, value in sorted(table.items())}

    return {
        "format": 1,
        "releases": versions,
        "server": group(served),
        "client": {"calls": nested(calls), "fallbacks": nested(fallbacks), "features": nested(features)},
    }
