"""``diffcheck``: the store's current MLflow release and the target, as servers, on a copy: what users would see
differently after the upgrade.

1. A copy, never the source: ``backup`` of the store into a private temporary folder, restored into a scratch
   database (SQLite: a file beside it; PostgreSQL/MariaDB: a new database on the same server, or ``scratch``).
2. The release the catalog says wrote the store is run from its own uv venv (``catalog.venvs``, cached) as a
   server on the copy; a bounded, deterministic set of REST reads is chosen from its answers and recorded
   (``replay``). The server is stopped.
3. The copy is upgraded through ``mlflow-upgrade upgrade`` itself (preflight, step by step), then the target
   MLflow (the installed one) serves it and the same calls are replayed.
4. Every answer is compared (``compare``): status, ``error_code``, values, order; target-only fields are
   additions. Servers are stopped (process group) and the scratch database dropped and the folder removed,
   also on failure or Ctrl-C, unless ``keep``.

The two servers run one after the other on the one copy: what the target serves is exactly what the old
release served, upgraded, and two MLflow servers never compete for this machine's memory at once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlflow_upgrade import errors
from mlflow_upgrade.backup import backup, restore
from mlflow_upgrade.catalog import installed_version, venvs
from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.diffcheck.compare import Difference, compare_answers
from mlflow_upgrade.diffcheck.replay import Client, Discovery, replay
from mlflow_upgrade.diffcheck.server import running_server
from mlflow_upgrade.inspect import inspect_database
from mlflow_upgrade.interrupts import Interruption, signals_raise
from mlflow_upgrade.progress import QUIET, Progress
from mlflow_upgrade.store.schema import TRACKING
from mlflow_upgrade.store.uri import (
    MIGRATE_FILESTORE_HINT,
    StoreRef,
    open_engine,
    parse_store_uri,
    require_database,
    sqlite_url,
)
from mlflow_upgrade.upgrade.runner import upgrade

__all__ = ["DiffcheckReport", "Difference", "diffcheck"]


@dataclass
class DiffcheckReport:
    store: str  # masked
    dialect: str
    revision: str | None
    old_release: str
    target_release: str
    calls: list[dict[str, Any]] = field(default_factory=list)  # name, status old/new, differences count
    differences: list[Difference] = field(default_factory=list)
    additions: list[str] = field(default_factory=list)  # target-only field paths
    skipped: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    kept: str | None = None  # the work folder (and scratch database) when keep=True
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store, "dialect": self.dialect, "revision": self.revision,
            "old_release": self.old_release, "target_release": self.target_release, "ok": self.ok,
            "calls": self.calls, "differences": [d.to_dict() for d in self.differences],
            "additions": self.additions, "skipped": self.skipped, "timings": self.timings, "kept": self.kept,
            "notes": self.notes,
        }


def diffcheck(
    uri: str,
    *,
    sample: int = 5,
    timeout: float = 120.0,
    scratch: str | None = None,
    keep: bool = False,
    old_release: str | None = None,
    progress: Progress = QUIET,
    after_upgrade: Callable[[str], None] | None = None,
) -> DiffcheckReport:
    """Compare what the store's current release and the installed MLflow serve from a copy of ``uri``.

    ``sample``: runs per experiment (and per filtered search); ``timeout``: seconds a server may take to start
    and one call to answer; ``scratch``: an empty database to restore the copy into (else one is created on the
    store's server and dropped afterwards); ``old_release``: the release to run instead of the catalog's;
    ``after_upgrade``: called with the upgraded copy's URI before the target starts (rehearse a change, or let
    a test inject a difference). Returns the report; :class:`errors.Findings` is the caller's to raise.
    """
    if sample < 1:
        raise errors.UsageError("--sample must be at least 1")
    ref = parse_store_uri(uri)
    require_database(ref, file_store_hint=MIGRATE_FILESTORE_HINT)
    started = time.monotonic()
    info = inspect_database(ref, TRACKING)
    release = old_release or venvs.release_for_revision(TRACKING, info.revision)
    report = DiffcheckReport(ref.masked, ref.kind, info.revision, release, installed_version())
    if info.up_to_date:
        report.notes.append("the store is already at the installed MLflow's head: both servers run on the same "
                            "schema")
    with progress.task(f"diffcheck: MLflow {release} venv", total=None) as task:
        python = venvs.venv_python(release, reinstall=False)
        task.finish()
    report.timings["venv_s"] = _since(started)
    try:
        with signals_raise(), _workdir(keep) as work, _copy(ref, work, scratch, keep, report, progress) as copy_uri:
            report.timings["copy_s"] = round(_since(started) - report.timings["venv_s"], 2)
            _run_both(report, python, copy_uri, work, sample, timeout, progress, after_upgrade)
    except Interruption as exc:
        raise errors.Interrupted(f"{exc.name}: diffcheck interrupted; its servers are stopped and its copy removed "
                                 f"(the store {ref.masked} was only read)") from None
    report.timings["total_s"] = _since(started)
    return report


def _since(t0: float) -> float:
    return round(time.monotonic() - t0, 2)


def _run_both(report: DiffcheckReport, python: Path, copy_uri: str, work: Path, sample: int, timeout: float,
              progress: Progress, after_upgrade: Callable[[str], None] | None) -> None:
    t0 = time.monotonic()
    copy_ref = parse_store_uri(copy_uri)
    old_uri = _old_release_uri(copy_ref)
    with progress.task(f"diffcheck: MLflow {report.old_release} server, recording calls", total=None) as task:
        with running_server(python, old_uri, work, label="old", timeout=timeout) as url:
            discovery = Discovery(Client(url, timeout), sample)
            recorded = discovery.run()
        task.finish()
    report.skipped += discovery.skipped
    report.timings["old_server_s"] = _since(t0)
    t1 = time.monotonic()
    with progress.task("diffcheck: upgrading the copy", total=None) as task:
        upgrade(copy_uri, no_backup=True, verify=False)
        if after_upgrade is not None:
            after_upgrade(copy_uri)
        task.finish()
    report.timings["upgrade_s"] = _since(t1)
    t2 = time.monotonic()
    with progress.task(f"diffcheck: MLflow {report.target_release} server, replaying {len(recorded)} calls",
                       total=None) as task:
        # the installed MLflow: this interpreter, with its import path (a target unpacked on PYTHONPATH)
        extra = {"PYTHONPATH": os.environ["PYTHONPATH"]} if os.environ.get("PYTHONPATH") else None
        with running_server(sys.executable, copy_uri, work, label="target", timeout=timeout,
                            extra_env=extra) as url:
            answers = replay(Client(url, timeout), recorded)
        task.finish()
    report.timings["target_server_s"] = _since(t2)
    additions: set[str] = set()
    for rec, answer in zip(recorded, answers, strict=True):
        diffs, added = compare_answers(rec.call.name, (rec.status, rec.body), answer)
        report.differences += diffs
        additions |= {f"{_endpoint(rec.call.path)}: {a}" for a in added}
        report.calls.append({"call": rec.call.name, "endpoint": rec.call.path, "old_status": rec.status,
                             "new_status": answer[0], "differences": len(diffs)})
    report.additions = sorted(additions)


def _endpoint(path: str) -> str:
    return path.split("/mlflow/", 1)[-1]


def _old_release_uri(ref: StoreRef) -> str:
    """The copy's URI with the driver the old release's venv has (psycopg2, pymysql)."""
    driver = get_dialect(ref).old_release_driver
    if driver is None or ref.url is None:
        return ref.uri
    return ref.url.set(drivername=driver).render_as_string(hide_password=False)


@contextlib.contextmanager
def _workdir(keep: bool) -> Iterator[Path]:
    work = Path(tempfile.mkdtemp(prefix="mlflow-upgrade-diffcheck-"))  # 0700
    try:
        yield work
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def _copy(ref: StoreRef, work: Path, scratch: str | None, keep: bool, report: DiffcheckReport,
          progress: Progress) -> Iterator[str]:
    """The copy's URI: the tool's backup of ``ref`` restored into a scratch database (removed afterwards unless
    ``keep``)."""
    dialect = get_dialect(ref)
    manifest = backup(ref.uri, work / "backup", progress=progress)
    created: str | None = None
    if scratch is not None:
        target = scratch
        if parse_store_uri(scratch).kind != ref.kind:
            raise errors.UsageError(f"--scratch must be a {dialect.label} database like the store")
    elif dialect.is_file_database:
        target = sqlite_url(work / "copy.db")
    else:
        created = f"mlu_diffcheck_{uuid.uuid4().hex[:10]}"
        try:
            target = dialect.create_database(ref, created)
        except Exception as exc:
            raise errors.UsageError(
                f"cannot create a scratch database on {ref.masked}'s server ({type(exc).__name__}): give an empty "
                "one with --scratch URI") from None
    try:
        restore(manifest.path, target, progress=progress)
        yield target
    finally:
        if keep:
            report.kept = str(work) + (f" (scratch database {created})" if created else "")
        elif created is not None:
            dialect.drop_database(ref, created)
        elif scratch is not None:
            with contextlib.suppress(Exception):
                _empty(scratch)


def _empty(uri: str) -> None:
    """Drop what diffcheck restored into the user's scratch database (it was empty before)."""
    ref = parse_store_uri(uri)
    engine = open_engine(ref, read_only=False)
    try:
        get_dialect(ref).drop_all_tables(engine)
    finally:
        engine.dispose()
