"""``foreign_tables``: another application's tables beside MLflow's. Both keep their Alembic revision in
``alembic_version``, so one of them is broken already or will be at its next migration."""

from __future__ import annotations

from mlflow_upgrade.store.schema import TRACKING
from mlflow_upgrade.upgrade.preflight.base import FAIL, OK, Check, Context, register

OVERRIDE = "--allow-foreign-tables"


@register("foreign_tables", guarded=False, override=OVERRIDE,
          how="another application's tables (Optuna `studies`/`trials`/`version_info`, Airflow "
              "`dag`/`dag_run`/`task_instance`) beside MLflow's: both keep their Alembic revision in "
              "`alembic_version`, so one breaks; separate them (copy MLflow's with `backup` + `restore --to NEW_URI`)")
def check_foreign_tables(ctx: Context) -> Check:
    state = ctx.state
    if ctx.db != TRACKING or not state.foreign_apps:
        return Check("foreign_tables", OK, "no other application's tables in this database")
    apps = ", ".join(state.foreign_apps)
    return Check(
        "foreign_tables", FAIL,
        f"this database also holds {apps}'s tables; {apps} and MLflow both keep their Alembic revision in "
        "alembic_version, so whichever migrates next breaks the other. Give each its own database (copy MLflow's "
        "with `mlflow-upgrade backup` + `restore --to NEW_URI`, or move the other application's tables), then "
        "upgrade",
        override=OVERRIDE, details={"foreign_apps": state.foreign_apps},
    )
