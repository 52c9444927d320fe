"""One exception type per user-facing failure.

Every failure the user can cause or fix carries a one-line message naming the problem and the fix, and the
exit code the CLI returns. Messages must never contain a password: build them from masked URIs.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class ExitCode(enum.IntEnum):
    """The documented exit codes: the README table and ``mlflow-upgrade --help`` are generated from these."""

    short: str  # for --help
    meaning: str  # for the README table

    def __new__(cls, value: int, short: str, meaning: str) -> ExitCode:
        member = int.__new__(cls, value)
        member._value_ = value
        member.short, member.meaning = short, meaning
        return member

    OK = 0, "ok", "success"
    FINDINGS = 1, "findings/differences", "findings (codemod `check`) or differences (`verify`)"
    USAGE = 2, "usage", "usage error"
    NOT_FOUND = 3, "store not found", "store not found (missing file, path or database)"
    NOT_MLFLOW = 4, "not an MLflow store", (
        "not an MLflow store (not a database, other application's schema, empty or half-created schema)")
    TOO_NEW = 5, "store newer than the installed MLflow", (
        "the store was written by a newer MLflow than the installed one (never downgraded)")
    CONNECTION = 6, "connection/driver", "connection failed: host unreachable, wrong password, driver missing"
    PREFLIGHT = 7, "preflight refused", "a preflight check refused the operation"
    FAILED = 8, "operation failed", "the operation failed (the message says what was restored and where the backup is)"
    REFUSED = 9, "refused without an explicit flag", (
        "refused: would overwrite, downgrade or drop without an explicit flag; another `upgrade` of the same "
        "database is running")
    INCOMPLETE = 10, "done, some data skipped/repaired/guessed", (
        "done, but some source data was skipped, repaired or guessed (`migrate-filestore`: each case is listed in "
        "the report with its path; `--strict` refuses instead, writing nothing)")
    READ_BACK_NOT_DONE = 11, "upgraded, not verified", (
        "`upgrade` complete, but its verification could not reach the database: run `mlflow-upgrade verify` later")
    BREAKING = 12, "breaking", (
        "something will stop working after the upgrade: a BREAKING `compat` verdict, a model that will not load "
        "on the target (`models`)")
    INTERRUPTED = 130, "interrupted", (
        "interrupted (Ctrl-C, SIGTERM) or aborted at a prompt; an `upgrade` restores the store first and says so")


def exit_codes_help() -> str:
    """One sentence for ``--help``: "0 ok, 1 findings/differences, …"."""
    return ", ".join(f"{code.value} {code.short}" for code in ExitCode)


def verb_exit_codes(meanings: Mapping[ExitCode, str], lead: str = "Exit codes") -> str:
    """A verb's ``--help`` sentence on the codes it returns, in its own words; the numbers come from ExitCode."""
    return f"{lead}: " + "; ".join(f"{code.value} {text}" for code, text in meanings.items()) + "."


def exit_codes_table() -> str:
    """The README's markdown table."""
    rows = [f"| {code.value} | {code.meaning} |" for code in ExitCode]
    return "\n".join(["| code | meaning |", "|---|---|", *rows]) + "\n"


class MlflowUpgradeError(Exception):
    """Base class: ``str(err)`` is the one line shown to the user.

    A subclass names its exit code in its header: ``class UsageError(MlflowUpgradeError, code=ExitCode.USAGE)``."""

    exit_code: int = ExitCode.FAILED

    def __init_subclass__(cls, code: ExitCode | None = None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.exit_code = code

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self)


class Findings(MlflowUpgradeError, code=ExitCode.FINDINGS):
    """The verb worked and found something to report (verify differences, codemod findings). An empty message
    means the verb's own output already lists them: nothing more is printed."""


class UsageError(MlflowUpgradeError, code=ExitCode.USAGE):
    """A command, option or argument used wrongly."""


class StoreNotFound(MlflowUpgradeError, code=ExitCode.NOT_FOUND):
    """The named file, folder or database does not exist."""


class NotAnMlflowStore(MlflowUpgradeError, code=ExitCode.NOT_MLFLOW):
    """It exists, but is not (or not wholly) an MLflow store."""


class StoreTooNew(MlflowUpgradeError, code=ExitCode.TOO_NEW):
    """A newer MLflow wrote the store than the installed one: never downgraded."""


class ConnectionFailed(MlflowUpgradeError, code=ExitCode.CONNECTION):
    """The server cannot be reached or refuses the login."""


class DriverMissing(ConnectionFailed):
    """The URI's database driver is not installed (the message says what to install)."""


class PreflightFailed(MlflowUpgradeError, code=ExitCode.PREFLIGHT):
    """A preflight check refused the operation before anything changed."""


class OperationFailed(MlflowUpgradeError, code=ExitCode.FAILED):
    """The operation failed (the message says what was restored and where the backup is)."""


class Refused(MlflowUpgradeError, code=ExitCode.REFUSED):
    """Would overwrite, downgrade or drop without an explicit flag; or another run holds the store."""


class Incomplete(MlflowUpgradeError, code=ExitCode.INCOMPLETE):
    """The operation finished, but not everything came across as it was: the report lists what was skipped,
    repaired or guessed, each with its path."""


class ReadBackNotDone(MlflowUpgradeError, code=ExitCode.READ_BACK_NOT_DONE):
    """The upgrade is complete and its data checked, but MLflow's read-back (or the comparison) could not run."""


class Interrupted(MlflowUpgradeError, code=ExitCode.INTERRUPTED):
    """Ctrl-C or SIGTERM: the store is restored (or at the target, or kept with --keep-partial); the message says
    which and what to run."""
