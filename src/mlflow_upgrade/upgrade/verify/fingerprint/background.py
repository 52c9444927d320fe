"""Taking the "before" fingerprint from a backup copy in a forked child, while the migrations run here.

A backup of a SQLite store is a copy of its rows: fingerprinting the copy gives the same digests as the live file
before the first revision, and it can run on the second core while MLflow's migrations use the first. The
child saves the fingerprint (owner-only JSON) and reports success or the error's text through a pipe; the
parent only waits when it needs the fingerprint (the comparison after the migrations), or stops the child
when the run fails before that.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from pathlib import Path
from typing import Any

from mlflow_upgrade import errors
from mlflow_upgrade.store.uri import sqlite_readonly_engine
from mlflow_upgrade.upgrade.verify.fingerprint.model import Fingerprint
from mlflow_upgrade.upgrade.verify.fingerprint.take import take_fingerprint

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def fingerprint_file(source: Path, dest: Path, tables: list[str] | None = None) -> Fingerprint:
    """Fingerprint the SQLite file ``source`` and save it at ``dest``."""
    engine = sqlite_readonly_engine(source)  # a backup copy: it must stay as it is
    try:
        fp = take_fingerprint(engine, tables=tables)
    finally:
        engine.dispose()
    fp.save(dest, given=False)
    return fp


class Pending:
    """A fingerprint being taken from ``source`` into ``dest`` in a child process."""

    def __init__(self, source: Path, dest: Path, tables: list[str] | None = None) -> None:
        self.source, self.dest, self.tables = source, dest, tables
        self._proc: Any = None
        self._receive: Any = None
        if sys.platform != "linux":  # no fork: taken in line, before the migrations, as before
            fingerprint_file(source, dest, tables)
            return
        ctx = multiprocessing.get_context("fork")
        self._receive, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_child, args=(source, dest, tables, send, os.getpid()),
                                 daemon=True)
        # The child inherits the parent's heap (MLflow's modules, imported by preflight) copy-on-write: frozen,
        # the child's garbage collector never walks (and so never copies) those objects
        gc.freeze()
        try:
            self._proc.start()
        finally:
            gc.unfreeze()
        send.close()

    def wait(self) -> Path:
        """The saved fingerprint's path, once the child has finished; its failure as one line."""
        if self._proc is None:
            return self.dest
        try:
            got = self._receive.recv()
        except EOFError:
            got = f"the fingerprint process died (exit code {self._proc.exitcode})"
        finally:
            self._receive.close()
            self._proc.join()
            self._proc = None
        if got != "ok":
            raise errors.OperationFailed(f"taking the fingerprint of the backup failed: {got}")
        return self.dest

    def cancel(self) -> None:
        """Stop the child (the run failed before the comparison); a partial file is never left behind."""
        if self._proc is None:
            return
        self._proc.terminate()
        self._proc.join()
        self._receive.close()
        self._proc = None


def _die_with_parent(parent: int) -> None:
    """The child ends at once when told to or when the parent dies (SIGKILL mid-run): it inherited the run's
    lock (an ``flock`` on the SQLite store), which must not outlive the parent, and a query of a large table
    would hold off a Python-level handler until it finished. Ctrl-C is the parent's to handle (it cancels)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _child(source: Path, dest: Path, tables: list[str] | None, send: Any, parent: int) -> None:
    _die_with_parent(parent)
    try:
        fingerprint_file(source, dest, tables)
        got = "ok"
    except Exception as exc:
        text = str(exc).strip().splitlines()
        got = f"{type(exc).__name__}: {text[0] if text else ''}"
    send.send(got)
    send.close()
