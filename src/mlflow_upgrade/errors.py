"""One exception type per user-facing failure.

Every failure the user can cause or fix carries a one-line message naming the problem and the fix, and the
exit code the CLI returns. Messages must never contain a password: build them from masked URIs.
"""

from __future__ import annotations


class ExitCode:
    """Documented exit codes (see README "Exit codes")."""

    OK = 0
    FINDINGS = 1  # check/verify found something (codemod findings, verify differences)
    USAGE = 2  # bad arguments (click's own code for usage errors)
    NOT_FOUND = 3  # store path or database does not exist
    NOT_MLFLOW = 4  # the target is not an MLflow store (not a database, foreign schema, half-created)
    TOO_NEW = 5  # store written by a newer MLflow than the installed one
    CONNECTION = 6  # host unreachable, authentication failed, driver missing
    PREFLIGHT = 7  # a preflight check refused the operation
    FAILED = 8  # an operation failed (data restored or left untouched; see message)
    REFUSED = 9  # would overwrite / downgrade / drop without an explicit flag


class MlflowUpgradeError(Exception):
    """Base class: ``str(err)`` is the one line shown to the user."""

    exit_code: int = ExitCode.FAILED

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self)


class UsageError(MlflowUpgradeError):
    exit_code = ExitCode.USAGE


class StoreNotFound(MlflowUpgradeError):
    exit_code = ExitCode.NOT_FOUND


class NotAnMlflowStore(MlflowUpgradeError):
    exit_code = ExitCode.NOT_MLFLOW


class StoreTooNew(MlflowUpgradeError):
    exit_code = ExitCode.TOO_NEW


class ConnectionFailed(MlflowUpgradeError):
    exit_code = ExitCode.CONNECTION


class DriverMissing(ConnectionFailed):
    pass


class PreflightFailed(MlflowUpgradeError):
    exit_code = ExitCode.PREFLIGHT


class OperationFailed(MlflowUpgradeError):
    exit_code = ExitCode.FAILED


class Refused(MlflowUpgradeError):
    exit_code = ExitCode.REFUSED
