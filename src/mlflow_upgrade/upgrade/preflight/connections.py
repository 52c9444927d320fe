"""``connections``: no other session uses the store (servers and clients must be stopped first)."""

from __future__ import annotations

from mlflow_upgrade.upgrade.preflight.base import FAIL, OK, WARN, Check, Context, register

OVERRIDE = "--allow-connections"


@register("connections", override=OVERRIDE,
          how="every session on this database but the run's own (its lock), whatever role it connected as: "
              "PostgreSQL `pg_stat_activity` (other roles' sessions show `backend_type` NULL to a non-superuser and "
              "still count), MySQL `information_schema.PROCESSLIST` (a user without `PROCESS` sees only its own "
              "sessions: warning); SQLite: take a write lock (`BEGIN IMMEDIATE`, rolled back) and look for `-wal`/`-journal` "
              "files")
def check_connections(ctx: Context) -> Check:
    in_use = ctx.dialect.file_in_use(ctx.ref)
    if in_use is not None:
        return _file_check(ctx, *in_use)
    clients = ctx.dialect.other_sessions(ctx.conn, ctx.own_sessions)
    if clients is None:
        return Check("connections", WARN, f"this user cannot see other users' sessions on {ctx.ref.kind} (grant it "
                     "PROCESS, or check by hand): stop every MLflow server and client first")
    if not clients:
        return Check("connections", OK, "no other connection to this database")
    who = sorted(set(clients))
    text = (f"{len(clients)} other connection(s) to this database ({', '.join(who[:5])}): stop the MLflow servers "
            "and clients using it")
    details = {"count": len(clients), "clients": who}
    if ctx.allow_connections:
        return Check("connections", WARN, text + " (allowed by --allow-connections)", override=OVERRIDE,
                     details=details)
    return Check("connections", FAIL, text, override=OVERRIDE, details=details)


def _file_check(ctx: Context, locked: bool, side_files: list[str]) -> Check:
    path = ctx.ref.path
    assert path is not None
    if not locked and not side_files:
        return Check("connections", OK, "no other process holds a lock on the SQLite file")
    if locked:
        text = f"another process holds a lock on {path}: stop the MLflow servers and clients using it"
    else:
        text = (f"{', '.join(side_files)} next to {path.name}: a process may have it open (WAL) or crashed mid-"
                "write; stop every MLflow process using it")
    status = WARN if (ctx.allow_connections or not locked) else FAIL
    if ctx.allow_connections and locked:
        text += " (allowed by --allow-connections)"
    return Check("connections", status, text, override=OVERRIDE, details={"files": side_files})
