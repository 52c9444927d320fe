"""Probe a live MLflow tracking server for its version (``inspect --server URL``).

Uses only unauthenticated endpoints: ``/health``, ``/version`` (MLflow ≥ 1.x) and the newer
``/api/3.0/mlflow/server-info``. Nothing is written to the server.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from mlflow_upgrade import errors
from mlflow_upgrade.store.uri import mask_uri

TIMEOUT = 5.0


@dataclass
class ServerInfo:
    url: str  # masked
    healthy: bool
    version: str | None
    info: dict = field(default_factory=dict)
    endpoints: dict[str, int | str] = field(default_factory=dict)  # path -> HTTP status or error

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def probe_server(url: str) -> ServerInfo:
    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise errors.UsageError(f"--server needs an http(s) URL, got {mask_uri(url)}")
    endpoints: dict[str, int | str] = {}
    health = _get(base + "/health", endpoints, "/health")
    if health is None and all(isinstance(v, str) for v in endpoints.values()):
        raise errors.ConnectionFailed(
            f"cannot reach the MLflow server at {mask_uri(base)}: {endpoints['/health']}"
        )
    version = _get(base + "/version", endpoints, "/version")
    info_raw = _get(base + "/api/3.0/mlflow/server-info", endpoints, "/api/3.0/mlflow/server-info")
    info = _parse_json(info_raw)
    return ServerInfo(
        url=mask_uri(base),
        healthy=health is not None and health.strip().upper() == "OK",
        version=version.strip() if version and _looks_like_version(version.strip()) else None,
        info=info,
        endpoints=endpoints,
    )


def _get(url: str, endpoints: dict[str, int | str], key: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
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
