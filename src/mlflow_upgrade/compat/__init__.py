"""Will everything that talks to the store still work after the upgrade?

Client/server verdicts (from the catalog's generated route and client-call tables), pin scanning, the live
server probe's version facts, and the model inventory (which logged models load on the target).

    from mlflow_upgrade import api
    report = api.compat(["services/"], server_version="2.9.2", target="3.17.2")
    report.level            # Level.BREAKING
    report.exit_code        # 12
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from packaging.version import InvalidVersion, Version

from mlflow_upgrade import catalog, errors
from mlflow_upgrade.catalog import routes as route_table
from mlflow_upgrade.compat import pins as pin_scan
from mlflow_upgrade.compat.verdict import Level, Verdict, judge
from mlflow_upgrade.inspect.server import ServerInfo, probe_server
from mlflow_upgrade.progress import QUIET, Progress

__all__ = ["ClientResult", "CompatReport", "Level", "Verdict", "compat", "judge", "known_release", "verdict_rows"]

EXIT = {Level.SAFE: errors.ExitCode.OK, Level.CAUTION: errors.ExitCode.FINDINGS,
        Level.BREAKING: errors.ExitCode.BREAKING}


@dataclass
class ClientResult:
    source: str  # "--client 2.9.2" or "path:line"
    package: str
    spec: str
    releases: list[str]  # the client releases judged (the oldest and newest the pin admits)
    before: Verdict | None  # worst over `releases` against the server now (None: server not given)
    after: Verdict  # worst against the target
    pin: pin_scan.Pin | None = None

    def to_dict(self) -> dict:
        return {"source": self.source, "package": self.package, "spec": self.spec, "judged": self.releases,
                "before": self.before.to_dict() if self.before else None, "after": self.after.to_dict(),
                "pin": self.pin.to_dict() if self.pin else None}


@dataclass
class CompatReport:
    target: str
    server: str | None  # the server's release now
    server_source: str  # "--server-version", the probe's evidence
    probe: ServerInfo | None = None
    clients: list[ClientResult] = field(default_factory=list)
    pins: list[pin_scan.Pin] = field(default_factory=list)
    fixed_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def blocking_pins(self) -> list[pin_scan.Pin]:
        return [p for p in self.pins if p.blocks_target and p.path not in self.fixed_files]

    @property
    def level(self) -> Level:
        levels = [c.after.level for c in self.clients]
        if self.blocking_pins:
            levels.append(Level.CAUTION)
        return max(levels, default=Level.SAFE)

    @property
    def exit_code(self) -> int:
        return int(EXIT[self.level])

    def to_dict(self) -> dict:
        return {"target": self.target, "server": self.server, "server_source": self.server_source,
                "probe": self.probe.to_dict() if self.probe else None, "verdict": self.level.name,
                "clients": [c.to_dict() for c in self.clients], "pins": [p.to_dict() for p in self.pins],
                "blocking_pins": [p.to_dict() for p in self.blocking_pins], "fixed_files": self.fixed_files,
                "notes": self.notes, "exit_code": self.exit_code}


def verdict_rows(report: dict) -> list[dict]:
    """One row per client of a ``CompatReport.to_dict()`` (or ``compat --json``): the view ``runbook`` and
    ``report`` show — who, the verdict now and after the upgrade, and the worst reason after it."""
    rows = []
    for client in report.get("clients") or []:
        after, before = client.get("after") or {}, client.get("before") or {}
        worst = [r for r in after.get("reasons") or [] if r.get("level") == after.get("verdict")]
        rows.append({"client": f"{client.get('package')} {client.get('spec')}".strip(),
                     "source": client.get("source"), "client_version": after.get("client"),
                     "verdict_now": before.get("verdict"), "verdict": after.get("verdict"),
                     "reason": worst[0].get("message") if worst else "every feature's calls are served"})
    return rows


def known_releases() -> list[str]:
    return catalog.load_catalog().releases


def known_release(version: str, what: str, releases: list[str] | None = None) -> str:
    """`version` when it is an MLflow release the catalog knows (or the installed one); else one UsageError line."""
    releases = releases or known_releases()
    try:
        parsed = Version(version)
    except InvalidVersion:
        raise errors.UsageError(f"{what} {version!r} is not a version number (e.g. 2.9.2)") from None
    if str(parsed) in releases:
        return str(parsed)
    raise errors.UsageError(
        f"{what} {version} is not an MLflow release mlflow-upgrade knows ({releases[0]}–{releases[-1]}); "
        "give a released version")


def compat(
    paths: Iterable[str] = (),
    *,
    server_version: str | None = None,
    server: str | None = None,
    target: str | None = None,
    clients: Iterable[str] = (),
    fix: bool = False,
    progress: Progress = QUIET,
) -> CompatReport:
    """Verdicts for every client (given versions and pins found under `paths`) against the server now and the
    target; `fix` rewrites the pins that block the target."""
    paths, clients = list(paths), list(clients)
    if server_version and server:
        raise errors.UsageError("give --server-version or --server, not both")
    if not paths and not clients:
        raise errors.UsageError("nothing to judge: give --client VERSION or paths to scan for MLflow pins")
    releases = known_releases()
    target = known_release(target or catalog.installed_version(), "--target", releases)
    table = route_table.load()
    report = CompatReport(target=target, server=None, server_source="not given")
    if server:
        report.probe, report.server, report.server_source = server_release(server, table, releases)
    elif server_version:
        report.server, report.server_source = known_release(server_version, "--server-version", releases), \
            "--server-version"
    for version in clients:
        version = known_release(version, "--client", releases)
        report.clients.append(_judge_client(f"--client {version}", "mlflow", f"=={version}", [version],
                                            report.server, target, table))
    if paths:
        report.pins = pin_scan.scan(paths, releases, target, progress)
        for pin in report.pins:
            judged = _judged_releases(pin, releases)
            if judged:
                result = _judge_client(pin.location, pin.package, pin.spec, judged, report.server, target, table)
                result.pin = pin
                report.clients.append(result)
            else:
                report.notes.append(f"{pin.location}: `{pin.package}{pin.spec}` admits no MLflow release")
        if fix:
            report.fixed_files = pin_scan.apply_fixes(report.pins)
    if any(c.package == "mlflow-tracing" for c in report.clients):
        report.notes.append("mlflow-tracing clients are judged as the mlflow release of the same version")
    return report


def _judged_releases(pin: pin_scan.Pin, releases: list[str]) -> list[str]:
    """A fresh install gets the newest release a pin admits; an existing environment may hold the oldest one when
    the pin names a lower bound (`>=2.9,<3`, `^2.16`, `==2.*`). An open `<3` is judged by the newest only: its
    oldest (1.0.0) is no one's environment."""
    admitted = pin.releases
    if not admitted:
        return []
    if not pin_scan.has_lower_bound(pin.spec):
        return [admitted[-1]]
    return sorted({admitted[0], admitted[-1]}, key=Version)


def _judge_client(source: str, package: str, spec: str, judged: list[str], server: str | None, target: str,
                  table: route_table.RouteTable) -> ClientResult:
    def worst(server_release: str) -> Verdict:
        return max((_judge_cached(c, server_release, table) for c in judged), key=lambda v: v.level)

    return ClientResult(source, package, spec, judged, worst(server) if server else None, worst(target))


_VERDICTS: dict[tuple[str, str, int], Verdict] = {}


def _judge_cached(client: str, server: str, table: route_table.RouteTable) -> Verdict:
    """A monorepo pins the same few releases thousands of times: one verdict per pair (verdicts are not changed
    after they are made, so results share them)."""
    key = (client, server, id(table))
    if key not in _VERDICTS:
        _VERDICTS[key] = judge(client, server, table)
    return _VERDICTS[key]


def server_release(url: str, table: route_table.RouteTable, releases: list[str]) -> tuple[ServerInfo, str, str]:
    """Probe `url`: its release from /version, else (< 2.1.0) the oldest release consistent with the GET routes
    that tell the table's pre-2.1 releases apart."""
    early = [v for v in table.releases if Version(v) < Version("2.1.0")]
    probes = _discriminating_routes(table, early)
    info = probe_server(url, probes)
    if info.unauthorized and not info.version:
        if info.sent_credentials:
            raise errors.ConnectionFailed(
                f"the server at {info.url} answered 401/403 Unauthorized to the credentials given (URL or "
                "MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD/MLFLOW_TRACKING_TOKEN): check them")
        raise errors.ConnectionFailed(
            f"the server at {info.url} answered 401 Unauthorized (basic auth): set MLFLOW_TRACKING_USERNAME and "
            "MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN)")
    if info.version:
        return info, known_release(info.version, f"the server's /version ({info.url})", releases), "GET /version"
    candidates = [v for v in early if all(
        seen is None or (route in table.served(v)) == seen for route, seen in info.routes.items())]
    if not info.healthy or not candidates or not any(info.routes.values()):
        statuses = ", ".join(f"{path} {status}" for path, status in info.endpoints.items())
        raise errors.NotAnMlflowStore(f"{info.url} is not an MLflow tracking server ({statuses})")
    # The table starts at its first release: a server that looks like it may be older still.
    evidence = "no /version (< 2.1.0); routes match " + (
        candidates[0] if len(candidates) == 1 else f"{candidates[0]}–{candidates[-1]}")
    if candidates[0] == table.releases[0]:
        evidence += f" (or older: the route table starts at {table.releases[0]})"
    return info, candidates[-1], evidence


def _discriminating_routes(table: route_table.RouteTable, releases: list[str]) -> tuple[str, ...]:
    """GET routes without path parameters that some but not all of `releases` serve, plus one all of them do."""
    sets = [table.served(v) for v in releases]
    union, common = set().union(*sets), set.intersection(*sets)
    plain = sorted(r for r in union - common if r.startswith("GET ") and "{}" not in r)
    anchor = sorted(r for r in common if r.startswith("GET /api/") and "{}" not in r)[:1]
    return tuple(anchor + plain[:6])
