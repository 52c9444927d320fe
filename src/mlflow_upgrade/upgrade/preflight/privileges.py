"""``privileges``: the connecting user may run MLflow's migrations on the store (the dialect says how)."""

from __future__ import annotations

from mlflow_upgrade.upgrade.preflight.base import FAIL, OK, WARN, Check, Context, register


@register("privileges",
          how="PostgreSQL: CREATE on the schema and ownership of every table (or superuser); MySQL: `SHOW GRANTS` "
              "has SELECT…REFERENCES, CREATE, ALTER, DROP, INDEX on the database; SQLite: file and directory "
              "writable")
def check_privileges(ctx: Context) -> Check:
    found = ctx.dialect.migrate_privileges(ctx.ref, ctx.conn)
    if found is None:
        return Check("privileges", WARN, f"privileges are not checked on {ctx.ref.kind}")
    return Check("privileges", OK if found.ok else FAIL, found.message, details=dict(found.details))
