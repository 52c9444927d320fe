"""``runbook``: the ordered upgrade steps for one deployment, as commands to paste.

Built from what the other verbs know: ``inspect`` + ``plan`` (current and target release, rolling-safe facts per
revision, the time estimate), the servers' versions (``inspect --server``), and, when given, the results of
``compat`` (verdicts per client/server pair), ``models`` (models that will not load on the target) and
``diffcheck``. Each of those optional inputs is an object with ``to_dict()`` or its JSON as a dict; a missing
one shows as "not run" with the command that would run it. Every URI in a command is masked.

Rolling or stop-the-world: a plan whose every pending revision is rolling-safe lets servers of the old
release keep serving while the schema moves, so servers are replaced one by one afterwards; otherwise every
server of the old release is stopped before the upgrade and the downtime is the plan's estimate plus the
backup.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from mlflow_upgrade.compat import compat as run_compat
from mlflow_upgrade.compat import verdict_rows
from mlflow_upgrade.compat.models import will_not_load
from mlflow_upgrade.inspect.server import probe_server
from mlflow_upgrade.store.masking import mask_one_uri
from mlflow_upgrade.store.uri import MIGRATE_FILESTORE_HINT, parse_store_uri, require_database
from mlflow_upgrade.upgrade.estimate import human
from mlflow_upgrade.upgrade.plan import Plan, plan

__all__ = ["Runbook", "Step", "as_dict", "runbook"]

ROLLING = "rolling"
STOP_THE_WORLD = "stop-the-world"
NOTHING = "nothing to do"
# Backup time per row, for the downtime of a stop-the-world upgrade (SQLite's backup API copied 2 M metric rows
# in 1.6 s here; logical dumps of server databases are slower): a deliberately pessimistic 2 µs per row.
BACKUP_SECONDS_PER_ROW = 2e-6


@dataclass
class Step:
    title: str
    why: str
    commands: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # servers, clients, findings the step is about

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Runbook:
    store: str  # masked
    dialect: str
    current_release: str | None
    target_release: str
    mode: str  # rolling | stop-the-world | nothing to do
    pending: int
    estimate_seconds: float
    downtime_seconds: float
    steps: list[Step] = field(default_factory=list)
    rollback: list[Step] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)  # compat/models/diffcheck: "used" or "not run"
    servers: list[str] = field(default_factory=list)  # "URL: MLflow X" per --server
    written_by: str | None = None  # the release range whose head the store's revision is
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["steps"] = [s.to_dict() for s in self.steps]
        data["rollback"] = [s.to_dict() for s in self.rollback]
        return data

    def to_markdown(self) -> str:
        out = [f"# Upgrade runbook: {self.store}", "",
               f"MLflow {self.current_release or '?'} → {self.target_release} ({self.dialect}), "
               f"{self.pending} pending revision(s), estimated migration time {human(self.estimate_seconds)}.", "",
               f"**Mode: {self.mode}.** Expected downtime: {_downtime(self)}.", ""]
        for note in self.notes:
            out.append(f"> {note}")
        if self.notes:
            out.append("")
        for title, steps in (("Steps", self.steps), ("Rollback", self.rollback)):
            out += [f"## {title}", ""]
            for i, step in enumerate(steps, start=1):
                out += [f"### {i}. {step.title}", "", step.why, ""]
                out += [f"- {item}" for item in step.items]
                if step.items:
                    out.append("")
                if step.commands:
                    out += ["```sh", *step.commands, "```", ""]
        out += ["## Inputs", ""] + [f"- {name}: {state}" for name, state in self.sections.items()]
        return "\n".join(out).rstrip() + "\n"


def _downtime(book: Runbook) -> str:
    if book.mode == STOP_THE_WORLD:
        return f"{human(book.downtime_seconds)} (backup + migration, all servers stopped)"
    if book.mode == ROLLING:
        return "none expected (servers are replaced one at a time)"
    return "none"


def as_dict(result: Any) -> dict[str, Any] | None:
    """An optional input as a dict: an object with ``to_dict()``, a dict (its JSON), or None."""
    if result is None:
        return None
    return result.to_dict() if hasattr(result, "to_dict") else dict(result)


def runbook(
    uri: str,
    *,
    servers: tuple[str, ...] | list[str] = (),
    clients: tuple[str, ...] | list[str] = (),
    auth_uri: str | None = None,
    backup_dir: str = "mlflow-upgrade-backups",
    the_plan: Plan | None = None,
    compat: Any = None,
    models: Any = None,
    diffcheck: Any = None,
) -> Runbook:
    """The runbook for the tracking store at ``uri``; ``compat``/``models``/``diffcheck``: results of those
    verbs (objects with ``to_dict()`` or their JSON), optional."""
    ref = parse_store_uri(uri)
    require_database(ref, file_store_hint=MIGRATE_FILESTORE_HINT)
    p = the_plan or plan(uri, with_sql=False, auth_uri=auth_uri)
    rows = sum(p.row_counts.values())
    mode = NOTHING if p.up_to_date else ROLLING if p.rolling_safe else STOP_THE_WORLD
    book = Runbook(
        store=ref.masked, dialect=p.dialect, current_release=_release(p.written_by), target_release=p.installed_mlflow,
        mode=mode, pending=len(p.revisions), estimate_seconds=round(p.estimate_seconds, 2),
        downtime_seconds=round(p.estimate_seconds + rows * BACKUP_SECONDS_PER_ROW, 2) if mode == STOP_THE_WORLD
        else 0.0,
    )
    if mode == STOP_THE_WORLD:
        book.notes += [n for n in p.notes if "stop every MLflow server" in n]
    book.written_by = p.written_by
    versions = _probe(book, servers)
    if versions:  # the release the servers run is the one to go back to
        book.current_release = max(set(versions), key=versions.count)
    if compat is None and clients:  # the pins under the client paths, judged against the servers now and after
        compat = run_compat(clients, server_version=book.current_release if versions else None)
    ctx = _Context(book, p, ref.masked, _masked(auth_uri), backup_dir, list(clients),
                   as_dict(compat), as_dict(models), as_dict(diffcheck))
    book.sections = {
        "plan": "used (rolling-safe facts, estimate)",
        "compat": "used" if ctx.compat else "not run: `mlflow-upgrade compat` gives verdicts per client/server",
        "models": "used" if ctx.models else "not run: `mlflow-upgrade models` lists models that will not load",
        "diffcheck": "used" if ctx.diffcheck else f"not run: `mlflow-upgrade diffcheck {_q(ref.masked)}`",
    }
    if mode == NOTHING:
        book.steps.append(Step("Nothing to migrate", f"The store is at the installed MLflow's head "
                               f"({p.target_revision}); upgrade the servers' package only."))
        return book
    book.steps = ctx.steps()
    book.rollback = ctx.rollback()
    return book


def _probe(book: Runbook, servers: tuple[str, ...] | list[str]) -> list[str]:
    """Fill ``book.servers``; return the versions the servers report."""
    versions = []
    for url in servers:
        try:
            info = probe_server(url)
        except Exception as exc:  # a server that does not answer is still listed
            book.servers.append(f"{parse_url_masked(url)}: not reachable ({type(exc).__name__})")
            continue
        book.servers.append(f"{info.url}: MLflow {info.version or '?'}" + ("" if info.healthy else " (unhealthy)"))
        if info.version:
            versions.append(info.version)
    return versions


def parse_url_masked(url: str) -> str:
    return mask_one_uri(url.rstrip("/"))


def _masked(uri: str | None) -> str | None:
    return parse_store_uri(uri).masked if uri else None


def _release(written_by: str | None) -> str | None:
    """The newest release of a range ("2.9.0–2.9.2" -> "2.9.2"): the pin to go back to."""
    if not written_by:
        return None
    return written_by.split(",")[-1].split("–")[-1].strip()


def _q(text: str) -> str:
    return shlex.quote(text)


@dataclass
class _Context:
    book: Runbook
    plan: Plan
    store: str
    auth: str | None
    backup_dir: str
    clients: list[str]
    compat: dict | None
    models: dict | None
    diffcheck: dict | None

    def steps(self) -> list[Step]:
        return [self._check(), self._clients(), self._servers_before(), self._backup(), self._upgrade(),
                self._verify(), self._servers_after()]

    def _check(self) -> Step:
        step = Step("Check", "Preflight (read-only), then rehearse on a copy: nothing here changes the store.",
                    [f"mlflow-upgrade plan {_q(self.store)} --check",
                     f"mlflow-upgrade diffcheck {_q(self.store)}"])
        if self.diffcheck:
            diffs = self.diffcheck.get("differences") or []
            step.items.append(f"diffcheck ({self.diffcheck.get('old_release')} → "
                              f"{self.diffcheck.get('target_release')}): "
                              + (f"{len(diffs)} difference(s): read them before going on" if diffs else
                                 "no differences"))
        if self.models:
            broken = will_not_load(self.models)
            step.items.append(f"models: {len(broken)} model(s) will not load on the target as they are"
                              if broken else "models: every model loads on the target")
        return step

    def _clients(self) -> Step:
        step = Step("Upgrade clients first",
                    "Clients that break against the new server are moved before the servers; the others can "
                    "follow later.")
        if self.compat:
            for v in verdict_rows(self.compat):
                step.items.append(f"{v['client']} ({v['source']}, judged as {v['client_version']}): "
                                  f"{v['verdict']} — {v['reason']}")
        else:
            step.items.append("compat not run: which clients break is unknown; run `mlflow-upgrade compat`")
        for path in self.clients:
            step.commands.append(f"mlflow-upgrade codemod check {_q(path)}")
        step.commands.append(f"pip install 'mlflow=={self.book.target_release}'   # in each client environment")
        return step

    def _server_items(self) -> list[str]:
        return self.book.servers or ["no --server given: every server using this store"]

    def _servers_before(self) -> Step:
        if self.book.mode == ROLLING:
            return Step("Keep the servers running",
                        "Every pending revision is rolling-safe: servers of the old release keep working on the "
                        "migrated schema.", items=self._server_items())
        unsafe = [f"{r.revision} ({r.introduced_in or '?'}): {r.rolling_note or r.message}"
                  for r in self.plan.revisions if r.rolling_safe is False]
        return Step("Stop every MLflow server",
                    "Not rolling-safe: servers of the old release fail (or write what the new schema refuses) "
                    "after these revisions:", ["# stop each server listed below (systemctl stop mlflow, scale to 0, …)"],
                    items=unsafe[:10] + self._server_items())

    def _backup(self) -> Step:
        cmds = [f"mlflow-upgrade backup {_q(self.store)} --out {_q(self.backup_dir + '/tracking')}"]
        if self.auth:
            cmds.append(f"mlflow-upgrade backup {_q(self.auth)} --out {_q(self.backup_dir + '/auth')}")
        return Step("Back up", "A checksummed backup to restore from (rollback below).", cmds)

    def _upgrade(self) -> Step:
        auth = f" --auth-uri {_q(self.auth)}" if self.auth else ""
        return Step("Upgrade the store",
                    f"{len(self.plan.revisions)} revision(s), one at a time, estimated "
                    f"{human(self.plan.estimate_seconds)}; the tool backs up again and verifies.",
                    [f"pip install 'mlflow=={self.book.target_release}'",
                     f"mlflow-upgrade upgrade {_q(self.store)}{auth} --backup-dir {_q(self.backup_dir + '/upgrade')}"])

    def _verify(self) -> Step:
        return Step("Verify", "Every pre-existing row read back unchanged (the upgrade's fingerprint is compared "
                    "again).", [f"mlflow-upgrade verify {_q(self.store)}"])

    def _servers_after(self) -> Step:
        how = ("one at a time: replace each server's package, restart it, check /health before the next"
               if self.book.mode == ROLLING else "start every server with the new release")
        return Step("Restart the servers on the new release", how.capitalize() + ".",
                    [f"pip install 'mlflow=={self.book.target_release}'   # on each server",
                     "curl -fsS http://SERVER/health"], items=self.book.servers)

    def rollback(self) -> list[Step]:
        old = self.book.current_release or "<the release you ran before>"
        restore = [f"mlflow-upgrade restore {_q(self.backup_dir + '/tracking')} --to {_q(self.store)} --force"]
        if self.auth:
            restore.append(f"mlflow-upgrade restore {_q(self.backup_dir + '/auth')} --to {_q(self.auth)} --force")
        return [
            Step("Stop the servers", "Nothing may write to the store while it is restored.",
                 ["# stop every MLflow server of this store"]),
            Step("Restore the backup", "The backup taken in step 4 (checksums checked first)"
                 + ("; give the password where the URI shows ***." if "***" in self.store else "."), restore),
            Step("Go back to the old release", _old_release_why(self.book), [f"pip install 'mlflow=={old}'"]),
        ]


def _old_release_why(book: Runbook) -> str:
    source = ("the release the servers report" if book.servers and any("MLflow ?" not in s and "not reachable" not in s
                                                                        for s in book.servers)
              else f"the newest release that wrote this schema (MLflow {book.written_by})")
    return f"Pin MLflow {book.current_release} ({source}) on servers and clients."
