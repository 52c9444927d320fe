"""The generated route table (routes.json, built by scripts/build_catalog.py): which REST routes each MLflow
release serves, which calls each release's client makes for its features, and the client's fallbacks.

    from mlflow_upgrade.catalog import routes
    table = routes.load()
    table.served("2.9.2")                     # {"POST /api/2.0/mlflow/runs/create", ...}
    table.features("3.17.2")["log_model"]     # ["CreateLoggedModel", "GetLoggedModel", ...]
    table.paths("3.17.2", "CreateLoggedModel")  # ["POST /api/2.0/mlflow/logged-models"]
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache, cached_property
from importlib import resources
from typing import Any

from packaging.version import Version

__all__ = ["RouteTable", "load", "parse_runs"]


def parse_runs(text: str, versions: list[str]) -> set[str]:
    """"1.30.1–2.22.5, 3.1.0" -> the releases of `versions` (Version order) those runs cover."""
    index = {v: i for i, v in enumerate(versions)}
    out: set[str] = set()
    for part in (p.strip() for p in text.split(",") if p.strip()):
        first, _, last = part.partition("–")
        out.update(versions[index[first] : index[last or first] + 1])
    return out


class RouteTable:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.releases: list[str] = sorted(data["releases"], key=Version)

    @cached_property
    def _served(self) -> dict[str, set[str]]:
        by_release: dict[str, set[str]] = {v: set() for v in self.releases}
        for route, runs in self.data["server"].items():
            for version in parse_runs(runs, self.releases):
                by_release[version].add(route)
        return by_release

    def _per_release(self, section: str) -> dict[str, dict[str, list[str]]]:
        """{release: {key: value.split()}} for a client section ({key: {value: runs}})."""
        out: dict[str, dict[str, list[str]]] = {v: {} for v in self.releases}
        for key, values in self.data["client"][section].items():
            for value, runs in values.items():
                for version in parse_runs(runs, self.releases):
                    out[version][key] = value.split(" | ") if section == "calls" else value.split()
        return out

    @cached_property
    def _calls(self) -> dict[str, dict[str, list[str]]]:
        return self._per_release("calls")

    @cached_property
    def _fallbacks(self) -> dict[str, dict[str, list[str]]]:
        return self._per_release("fallbacks")

    @cached_property
    def _features(self) -> dict[str, dict[str, list[str]]]:
        return self._per_release("features")

    def served(self, release: str) -> set[str]:
        return self._served[release]

    def features(self, release: str) -> dict[str, list[str]]:
        return self._features[release]

    def paths(self, release: str, rpc: str) -> list[str]:
        return self._calls[release].get(rpc, [])

    def fallbacks(self, release: str, rpc: str) -> list[str]:
        return self._fallbacks[release].get(rpc, [])

    def first_serving(self, route: str) -> str | None:
        """The first covered release that serves `route` ("METHOD /path"), None if none does."""
        runs = self.data["server"].get(route)
        return min(parse_runs(runs, self.releases), key=Version) if runs else None

    def serving_runs(self, route: str) -> str | None:
        return self.data["server"].get(route)

    def covered(self, release: str) -> str | None:
        """The covered release to judge `release` by: itself, else the newest covered one before it (None when
        `release` is older than the table)."""
        if release in self._served:
            return release
        older = [v for v in self.releases if Version(v) <= Version(release)]
        return older[-1] if older else None


@cache
def load() -> RouteTable:
    text = resources.files("mlflow_upgrade.catalog").joinpath("routes.json").read_text(encoding="utf-8")
    return RouteTable(json.loads(text))
