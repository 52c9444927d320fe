"""Taking the "before" fingerprint from a backup copy in a child process, while the migrations run here.

A backup of a SQLite store is a copy of its rows: fingerprinting the copy gives the same digests as the live file
before the first revision, and it can run on the second core while MLflow's migrations use the first. The
child saves the fingerprint (owner-only JSON) and reports success or the error's text through a pipe; the
parent only waits when it needs the fingerprint (the comparison after the migrations), or stops the child
when the run fails before that.

The child is a new interpreter (``python -m`` this module), not a fork: a forked child would inherit the run's
lock on the store (an ``flock``, held through the inherited descriptor until the child too has exited, so a
rerun right after a SIGKILL could find it still taken), and the parent's heap. It ends when the parent dies
(``PR_SET_PDEATHSIG``) and runs in its own session, so Ctrl-C is the parent's to handle (it cancels).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import mlflow_upgrade
from mlflow_upgrade import errors
from mlflow_upgrade.store.uri import sqlite_readonly_engine
from mlflow_upgrade.upgrade.verify.fingerprint.model import Fingerprint
from mlflow_upgrade.upgrade.verify.fingerprint.take import take_fingerprint

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# the folder holding the mlflow_upgrade package, put on the child's PYTHONPATH (the parent may have found it
# through a path of its own)
_PACKAGE_ROOT = str(Path(mlflow_upgrade.__file__).resolve().parent.parent)


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
        self._proc: subprocess.Popen[bytes] | None = None
        if sys.platform != "linux":  # taken in line, before the migrations, as before
            fingerprint_file(source, dest, tables)
            return
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH"))
                                                           if p)}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", __name__, str(source), str(dest), json.dumps(tables), str(os.getpid())],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
            start_new_session=True)

    def wait(self) -> Path:
        """The saved fingerprint's path, once the child has finished; its failure as one line."""
        if self._proc is None:
            return self.dest
        _, err = self._proc.communicate()
        code, self._proc = self._proc.returncode, None
        if code:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            why = lines[-1] if lines else f"the fingerprint process ended with exit code {code}"
            raise errors.OperationFailed(f"taking the fingerprint of the backup failed: {why}")
        return self.dest

    def cancel(self) -> None:
        """Stop the child (the run failed before the comparison); a partial file is never left behind (the
        fingerprint is written to a temporary file and renamed)."""
        if self._proc is None:
            return
        self._proc.kill()
        self._proc.communicate()
        self._proc = None


def _die_with_parent(parent: int) -> None:
    """The child ends when the parent dies (SIGKILL mid-run): Linux sends it SIGKILL then."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _main(argv: list[str]) -> int:
    source, dest, tables, parent = argv
    _die_with_parent(int(parent))
    try:
        fingerprint_file(Path(source), Path(dest), json.loads(tables))
    except Exception as exc:
        text = str(exc).strip().splitlines()
        print(f"{type(exc).__name__}: {text[0] if text else ''}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
