"""``mlflow_version``: the store's revision is known to the installed MLflow (never a downgrade)."""

from __future__ import annotations

from importlib.metadata import version

from mlflow_upgrade import errors
from mlflow_upgrade.catalog import load_catalog
from mlflow_upgrade.upgrade import alembic_driver
from mlflow_upgrade.upgrade.preflight.base import FAIL, OK, Check, Context, register
from mlflow_upgrade.upgrade.preflight.version_table import looks_like_mlflow_rev


@register("mlflow_version", guarded=False, error=errors.StoreTooNew,
          how="the revision is known to the installed MLflow; else the MLflow release that ships it is named")
def check_mlflow_version(ctx: Context) -> Check:
    db, current = ctx.db, ctx.current
    installed = version("mlflow")
    ids = [r.revision for r in alembic_driver.chain(db)]
    if current is None or current in ids:
        n = len(alembic_driver.pending(db, current))
        return Check("mlflow_version", OK, f"installed MLflow {installed} knows revision {current}; "
                     f"{n} revision(s) pending")
    if not looks_like_mlflow_rev(current):
        return Check("mlflow_version", OK, "not an MLflow revision (see version_table)")
    shipping = load_catalog().releases_shipping(db, current)
    need = shipping[0] if shipping else "a newer release"
    return Check("mlflow_version", FAIL,
                 f"revision {current} was written by MLflow {need} or later, newer than the installed MLflow "
                 f"{installed}: run `pip install 'mlflow>={need}'` (mlflow-upgrade never downgrades)",
                 details={"needed": need})
