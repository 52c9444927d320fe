"""What every preflight check shares: its result (:class:`Check`), the report, what a check is given
(:class:`Context`), and the registry a check joins with :func:`register` (name, override flag, exit code and
the line docs/upgrade.md shows, declared once beside the check)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from mlflow_upgrade import errors
from mlflow_upgrade.dialects import Dialect, dialect_for
from mlflow_upgrade.store.schema import SchemaState
from mlflow_upgrade.store.uri import StoreRef, mask_uri

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass
class Check:
    name: str
    status: str
    message: str
    override: str | None = None  # the flag that lets `upgrade` proceed despite a failure
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "message": mask_uri(self.message),
                "override": self.override, "details": self.details}


@dataclass
class PreflightReport:
    store: str  # masked
    db: str
    dialect: str
    revision: str | None
    checks: list[Check] = field(default_factory=list)
    half_applied: dict[str, Any] | None = None  # the next revision's objects found already present

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL]

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {"store": self.store, "db": self.db, "dialect": self.dialect, "revision": self.revision,
                "ok": self.ok, "checks": [c.to_dict() for c in self.checks], "half_applied": self.half_applied}

    def raise_for_failures(self, *, allow: frozenset[str] = frozenset(), skip: frozenset[str] = frozenset()) -> None:
        """Refuse (each check's own exception: exit 5 for a too-new DB, else 7) on the first failure not
        overridden by ``allow``."""
        for c in self.failures:
            if c.name in skip or (c.override and c.name in allow):
                continue
            spec = REGISTERED.get(c.name)
            error = spec.error if spec is not None and spec.error is not None else errors.PreflightFailed
            if error is not errors.PreflightFailed:
                raise error(f"{self.store}: {c.message}")
            hint = f" (or pass {c.override})" if c.override else ""
            raise errors.PreflightFailed(f"preflight '{c.name}' failed for {self.store}: {c.message}{hint}")


@dataclass
class Context:
    """What a check may look at: the store, an open read-only connection, its schema state and revision."""

    ref: StoreRef
    conn: Connection
    db: str
    state: SchemaState
    current: str | None
    report: PreflightReport
    backup_dir: str | Path | None = None
    no_backup: bool = False
    allow_connections: bool = False
    own_sessions: frozenset[int] = frozenset()  # the caller's server sessions (its upgrade lock): not "others"

    @property
    def dialect(self) -> Dialect:
        return dialect_for(self.ref.kind)


@dataclass(frozen=True)
class CheckSpec:
    name: str
    run: Callable[[Context], Check]
    how: str  # one line for docs/upgrade.md's table: what the check looks at
    override: str | None  # the flag that lets `upgrade` proceed despite a failure
    error: type[errors.MlflowUpgradeError] | None  # raised on failure; None: the check only warns
    guarded: bool  # a crash of the check (an odd server, no access to a catalog view) becomes a warning
    module: str  # the module declaring it (preflight/__init__.py orders checks by module)

    @property
    def exit_code(self) -> int | None:
        return self.error.exit_code if self.error is not None else None


# name -> spec of every registered check (preflight/__init__.py puts them in the order they run)
REGISTERED: dict[str, CheckSpec] = {}


def register(name: str, *, how: str, override: str | None = None,
             error: type[errors.MlflowUpgradeError] | None = errors.PreflightFailed,
             guarded: bool = True) -> Callable[[Callable[[Context], Check]], Callable[[Context], Check]]:
    """Declare a preflight check: ``@register("connections", how="…", override="--allow-connections")``."""

    def decorate(fn: Callable[[Context], Check]) -> Callable[[Context], Check]:
        if name in REGISTERED:
            raise ValueError(f"preflight check {name!r} registered twice")
        REGISTERED[name] = CheckSpec(name, fn, how, override, error, guarded, fn.__module__)
        return fn

    return decorate


def run_check(spec: CheckSpec, ctx: Context) -> Check:
    """A guarded check that cannot run warns instead of crashing."""
    if not spec.guarded:
        return spec.run(ctx)
    try:
        return spec.run(ctx)
    except errors.MlflowUpgradeError:
        raise
    except Exception as exc:
        text = mask_uri(str(exc)).strip().splitlines()[0][:200] if str(exc) else type(exc).__name__
        return Check(spec.name, WARN, f"could not run this check ({text}); check it by hand")
