"""``interrupted_run``: the journal's last entry (an unfinished run, or a migration done outside
mlflow-upgrade). Warns only."""

from __future__ import annotations

from typing import Any

from mlflow_upgrade.store import journal
from mlflow_upgrade.upgrade.preflight.base import OK, WARN, Check, Context, register


@register("interrupted_run", error=None,
          how="the journal's last entry (an unfinished run, or a migration done outside mlflow-upgrade)")
def check_journal(ctx: Context) -> Check:
    conn, current = ctx.conn, ctx.current
    entry = journal.last_entry(conn)
    if entry is None:
        return Check("interrupted_run", OK, "no earlier mlflow-upgrade run recorded")
    status = _get(entry, "status")
    if status == "running":
        return Check("interrupted_run", WARN,
                     f"an earlier upgrade ({_get(entry, 'from_revision')} → {_get(entry, 'to_revision')}) did not "
                     "finish: `upgrade` resumes it (or restores its backup first)", details=_entry_dict(entry))
    outside = journal.detect_outside_migration(conn, current)
    if outside:
        return Check("interrupted_run", WARN, outside, details=_entry_dict(entry))
    return Check("interrupted_run", OK, f"last mlflow-upgrade run: {status}", details=_entry_dict(entry))


def _get(entry: Any, key: str) -> Any:
    return entry.get(key) if isinstance(entry, dict) else getattr(entry, key, None)


def _entry_dict(entry: Any) -> dict[str, Any]:
    if isinstance(entry, dict):
        return {k: str(v) for k, v in entry.items()}
    if hasattr(entry, "to_dict"):
        return entry.to_dict()
    return {"entry": str(entry)}
