"""``mlflow_version``: the store's revision is known to the installed MLflow (never a downgrade)."""

from __future__ import annotations

from mlflow_upgrade import errors
from mlflow_upgrade.catalog import installed_version, load_catalog, too_new_message
from mlflow_upgrade.upgrade import alembic_driver
from mlflow_upgrade.upgrade.preflight.base import FAIL, OK, Check, Context, register
from mlflow_upgrade.upgrade.preflight.version_table import looks_like_mlflow_rev


@register("mlflow_version", guarded=False, error=errors.StoreTooNew,
          how="the revision is known to the installed MLflow; else the same line as every verb, naming the MLflow "
              "release that ships it and `pip install 'mlflow>=X'`")
def check_mlflow_version(ctx: Context) -> Check:
    db, current = ctx.db, ctx.current
    installed = installed_version()
    ids = [r.revision for r in alembic_driver.chain(db)]
    if current is None or current in ids:
        n = len(alembic_driver.pending(db, current))
        return Check("mlflow_version", OK, f"installed MLflow {installed} knows revision {current}; "
                     f"{n} revision(s) pending")
    if not looks_like_mlflow_rev(current):
        return Check("mlflow_version", OK, "not an MLflow revision (see version_table)")
    shipping = load_catalog().releases_shipping(db, current)
    return Check("mlflow_version", FAIL, too_new_message(db, current),
                 details={"needed": shipping[0] if shipping else None})
