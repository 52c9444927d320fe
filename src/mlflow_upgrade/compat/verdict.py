"""SAFE / CAUTION / BREAKING for one client release against one server release.

The facts come from the generated route table (`catalog.routes`): which calls the client release makes for each
feature, which routes the server release serves, the client's fallbacks. What a missing route means for a user is
this module's policy (`FEATURES`): a missing call of a core feature (tracking, log_model, register_model) is
BREAKING; of any other feature, CAUTION. MLflow's documented rule adds CAUTION for a client newer than the server
("may not work with newer clients") and for a client more than one major version older than the server.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from packaging.version import Version

from mlflow_upgrade.catalog import routes as route_table


class Level(enum.IntEnum):
    SAFE = 0
    CAUTION = 1
    BREAKING = 2


@dataclass(frozen=True)
class Feature:
    label: str
    core: bool  # a missing call breaks everyday use (BREAKING); else the feature alone is unavailable (CAUTION)
    when_missing: str  # what the user sees
    first_call: str | None = None  # the RPC the feature makes first: when it is the one missing, nothing happened
    when_first_missing: str = ""


FEATURES: dict[str, Feature] = {
    "tracking": Feature("tracking (experiments, runs, metrics)", True, "404 on every run"),
    "log_model": Feature("log_model", True, "404, no fallback: the model is not logged"),
    "register_model": Feature("register_model", True,
                              "404 after the registered model was created: it is left with no version",
                              "CreateRegisteredModel", "404, nothing is registered"),
    "model_aliases": Feature("model aliases", False, "404 on set_registered_model_alias / models:/name@alias"),
    "log_input": Feature("log_input (dataset inputs)", False, "404 on mlflow.log_input"),
    "tracing": Feature("tracing (trace export)", False, "export fails and is not raised: traces are silently lost"),
    "search_traces": Feature("search_traces", False, "404 on mlflow.search_traces"),
    "search_logged_models": Feature("search_logged_models", False, "404 on mlflow.search_logged_models"),
    "list_experiments": Feature("list_experiments", False,
                                "404: removed in 2.0 (use search_experiments; codemod MLU101)"),
}


@dataclass
class Reason:
    level: Level
    feature: str  # a FEATURES key, or "version rule"
    message: str
    works: bool = False  # the feature still works (through a fallback, or a rule's warning): nothing fails

    def to_dict(self) -> dict:
        return {"level": self.level.name, "feature": self.feature, "message": self.message, "works": self.works}


@dataclass
class Verdict:
    client: str
    server: str
    level: Level = Level.SAFE
    reasons: list[Reason] = field(default_factory=list)
    judged_as: dict[str, str] = field(default_factory=dict)  # given release -> covered release used

    def add(self, reason: Reason) -> None:
        """One reason per feature: its most severe (the first found at that level)."""
        same = next((r for r in self.reasons if r.feature == reason.feature), None)
        if same is not None and same.level >= reason.level:
            return
        if same is not None:
            self.reasons.remove(same)
        self.reasons.append(reason)
        self.level = max(self.level, reason.level)

    @property
    def breaking(self) -> list[str]:
        return [r.feature for r in self.reasons if r.level == Level.BREAKING]

    def summary(self) -> str:
        worst = [r for r in self.reasons if r.level == self.level]
        return worst[0].message if worst else "every feature's calls are served"

    def to_dict(self) -> dict:
        return {"client": self.client, "server": self.server, "verdict": self.level.name,
                "reasons": [r.to_dict() for r in self.reasons], "judged_as": self.judged_as}


def _route_note(table: route_table.RouteTable, route: str) -> str:
    runs = table.serving_runs(route)
    return f"served by {runs}" if runs else "served by no release of the table"


def judge(client: str, server: str, table: route_table.RouteTable | None = None) -> Verdict:
    """The verdict for MLflow client release `client` against server release `server` (both known releases)."""
    table = table or route_table.load()
    verdict = Verdict(client, server)
    client_rel, server_rel = table.covered(client), table.covered(server)
    for given, used in ((client, client_rel), (server, server_rel)):
        if used != given:
            verdict.judged_as[given] = used or table.releases[0]
    client_rel, server_rel = client_rel or table.releases[0], server_rel or table.releases[0]
    served = table.served(server_rel)
    for feature, rpcs in sorted(table.features(client_rel).items()):
        policy = FEATURES.get(feature)
        if policy is None:
            continue
        # the first call first: its message says what the user sees (nothing happened vs. a half-done state)
        for rpc in sorted(rpcs, key=lambda r: r != policy.first_call):
            _judge_call(verdict, table, client, server, client_rel, served, feature, policy, rpc)
    _version_rule(verdict, client, server)
    return verdict


def _judge_call(verdict: Verdict, table: route_table.RouteTable, client: str, server: str, client_rel: str,
                served: set[str], feature: str, policy: Feature, rpc: str) -> None:
    paths = table.paths(client_rel, rpc)
    if any(p in served for p in paths):
        return
    for alternative in table.fallbacks(client_rel, rpc):
        alt_paths = table.paths(client_rel, alternative)
        if alt_paths and any(p in served for p in alt_paths):
            verdict.add(Reason(Level.CAUTION, feature, (
                f"{client} {policy.label} calls `{paths[0]}` ({_route_note(table, paths[0])}): 404 on {server}, "
                f"falls back to `{alt_paths[0]}`"), works=True))
            return
    if not paths:
        return
    level = Level.BREAKING if policy.core else Level.CAUTION
    seen = policy.when_first_missing if rpc == policy.first_call else policy.when_missing
    verdict.add(Reason(level, feature, (
        f"{client} {policy.label} calls `{paths[0]}` ({_route_note(table, paths[0])}): {seen} on {server}")))


def _version_rule(verdict: Verdict, client: str, server: str) -> None:
    """MLflow's documented rule: a server works with clients up to one major version older, maybe not newer."""
    c, s = Version(client), Version(server)
    if c > s:
        verdict.add(Reason(Level.CAUTION, "version rule", (
            f"client {client} is newer than server {server}: MLflow supports clients up to one major version "
            "older than the server, a newer client may send calls or parameters the server ignores"), works=True))
    elif s.major - c.major > 1:
        verdict.add(Reason(Level.CAUTION, "version rule", (
            f"client {client} is more than one major version older than server {server} (MLflow supports one)"),
            works=True))
