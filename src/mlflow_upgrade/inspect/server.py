"""Probe a live MLflow tracking server for its version (``inspect --server URL``).

Reads ``/health``, ``/version`` (MLflow ≥ 2.1.0) and the newer ``/api/3.0/mlflow/server-info`` (3.10.0+);
nothing is written to the server. ``routes`` (``GET`` routes only) are probed for existence, to place a server
without ``/version`` (< 2.1.0) in a range of releases: a JSON answer (even a 404 ``RESOURCE_DOES_NOT_EXIST``) comes
from a handler, so the route exists; an HTML or empty 404 comes from the router (or MLflow's ``_not_implemented``). A server behind basic auth: credentials in the URL (``http://user:password@host``, taken
out of the URL and sent as an ``Authorization`` header), else MLflow's own ``MLFLOW_TRACKING_USERNAME`` /
``MLFLOW_TRACKING_PASSWORD`` or ``MLFLOW_TRACKING_TOKEN``. The password is masked in every message.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit

from mlflow_upgrade import errors
from mlflow_upgrade.store.masking import mask_one_uri, mask_uri, remember_secret

# Seconds each request may take: a loaded server (or machine) answers /health slowly, 5 s was flaky.
DEFAULT_TIMEOUT = 10.0


@dataclass
class ServerInfo:
    url: str  # masked
    healthy: bool
    version: str | None
    info: dict = field(default_factory=dict)
    endpoints: dict[str, int | str] = field(default_factory=dict)  # path -> HTTP status or error
    routes: dict[str, bool | None] = field(default_factory=dict)  # "GET /path" -> served (None: could not tell)
    sent_credentials: bool = False  # an Authorization header went with the requests

    @property
    def unauthorized(self) -> bool:
        return any(status in (401, 403) for status in self.endpoints.values())

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def probe_server(url: str, routes: tuple[str, ...] = (), *, timeout: float = DEFAULT_TIMEOUT) -> ServerInfo:
    """The server's health, version and info, and which of ``routes`` it serves; each request may take
    ``timeout`` seconds."""
    shown = mask_one_uri(url.rstrip("/"))
    if not timeout > 0:
        raise errors.UsageError(f"the --server timeout must be a positive number of seconds, not {timeout}")
    base, headers = _split_credentials(url.strip().rstrip("/"), shown)
    endpoints: dict[str, int | str] = {}

    def get(path: str) -> str | None:
        return _get(base + path, headers, endpoints, path, timeout)

    health = get("/health")
    if health is None and all(isinstance(v, str) for v in endpoints.values()):
        reason = str(endpoints["/health"])
        slow = (f" (no answer within {timeout:g} s: a slow server needs a larger --timeout)"
                if "timed out" in reason else "")
        raise errors.ConnectionFailed(f"cannot reach the MLflow server at {shown}: {reason}{slow}")
    version = get("/version")
    info_raw = get("/api/3.0/mlflow/server-info")
    info = _parse_json(info_raw)
    return ServerInfo(
        url=shown,
        healthy=health is not None and health.strip().upper() == "OK",
        version=version.strip() if version and _looks_like_version(version.strip()) else None,
        info=info,
        endpoints=endpoints,
        routes={route: _route_served(base, headers, route, timeout) for route in routes},
        sent_credentials="Authorization" in headers,
    )


def _route_served(base: str, headers: dict[str, str], route: str, timeout: float) -> bool | None:
    """Whether the server has a handler for ``GET /path`` (see the module docstring); None: 401/403/unreachable."""
    method, _, path = route.partition(" ")
    if method != "GET":
        raise ValueError(f"only GET routes are probed (nothing is written to the server): {route}")
    request = urllib.request.Request(base + path.replace("{}", "0"), headers={**headers, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return True
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            return None
        body = exc.read(4096).decode("utf-8", "replace").strip()
        return exc.code != 405 and body.startswith("{")  # 405: the path exists for another method only
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _split_credentials(url: str, shown: str) -> tuple[str, dict[str, str]]:
    """The URL without its userinfo, and the ``Authorization`` header its credentials (or MLflow's environment
    variables) make; one masked line for a URL that is not http(s)://host[:port][/path]."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a non-numeric or out-of-range port
    except ValueError as exc:
        raise errors.UsageError(f"--server URL {shown} is malformed: {mask_uri(str(exc))}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise errors.UsageError(f"--server needs an http(s)://host[:port] URL, got {shown}")
    user = unquote(parts.username) if parts.username is not None else os.environ.get("MLFLOW_TRACKING_USERNAME")
    password = (unquote(parts.password) if parts.password is not None
                else os.environ.get("MLFLOW_TRACKING_PASSWORD") if parts.username is None else None)
    remember_secret(password)
    netloc = parts.netloc.rpartition("@")[2]
    base = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    if user is not None:
        token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
        return base, {"Authorization": f"Basic {token}"}
    if os.environ.get("MLFLOW_TRACKING_TOKEN"):
        return base, {"Authorization": f"Bearer {os.environ['MLFLOW_TRACKING_TOKEN']}"}
    return base, {}


def _get(url: str, headers: dict[str, str], endpoints: dict[str, int | str], key: str,
         timeout: float) -> str | None:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as resp:
            endpoints[key] = resp.status
            return resp.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        endpoints[key] = exc.code
    except (urllib.error.URLError, OSError, ValueError) as exc:
        endpoints[key] = mask_uri(str(getattr(exc, "reason", exc)))
    return None


def _parse_json(text: str | None) -> dict:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _looks_like_version(text: str) -> bool:
    return bool(text) and len(text) < 40 and text[0].isdigit()
