"""``version_table``: the Alembic version table holds one MLflow revision, not another application's."""

from __future__ import annotations

import re

from mlflow_upgrade.store.schema import AUTH, TRACKING_VERSION_TABLE, VERSION_TABLE
from mlflow_upgrade.upgrade import alembic_driver
from mlflow_upgrade.upgrade.preflight.base import FAIL, OK, Check, Context, register


@register("version_table", guarded=False,
          how="`alembic_version` holds one MLflow revision — not another application's (e.g. Optuna's "
              "`v3.2.0.a`), not several rows")
def check_version_table(ctx: Context) -> Check:
    state, db = ctx.state, ctx.db
    table = state.version_table or VERSION_TABLE[db]
    known = {r.revision for r in alembic_driver.chain(db)}
    rows = [r for r in [state.revision, *state.extra_version_rows] if r]
    foreign_rows = [r for r in rows if r not in known and not looks_like_mlflow_rev(r)]
    if db == AUTH and state.version_table == TRACKING_VERSION_TABLE and foreign_rows:
        return Check("version_table", OK, f"legacy auth DB: alembic_version holds {', '.join(rows)} "
                     "(MLflow stamps alembic_version_auth)")
    if foreign_rows or (state.foreign_apps and not rows):
        owner = ", ".join(state.foreign_apps) or "another application"
        return Check(
            "version_table", FAIL,
            f"{table} holds {', '.join(repr(r) for r in rows) or 'no MLflow revision'}, which is not MLflow's: "
            f"{owner} shares this database and its Alembic version table with MLflow; migrating would corrupt "
            f"one of them. Move MLflow (or {owner}) to its own database, then upgrade",
            details={"rows": rows, "foreign_apps": state.foreign_apps},
        )
    if len(rows) > 1:
        return Check("version_table", FAIL,
                     f"{table} holds {len(rows)} rows ({', '.join(rows)}): MLflow's history is linear, so another "
                     "application or a manual stamp added one; remove the stray row after checking which is MLflow's",
                     details={"rows": rows})
    extra = f"; {len(state.foreign_tables)} other application tables present" if state.foreign_tables else ""
    return Check("version_table", OK, f"{table} holds MLflow's revision {rows[0] if rows else '(none)'}{extra}")


def looks_like_mlflow_rev(rev: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{12,13}", rev))
