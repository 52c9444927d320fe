"""The destination's schema, created by MLflow's own migrations at the source's revision (never by hand).

Exactly what ``mlflow.store.db.utils._initialize_tables`` does (MLflow's pre-Alembic models, then its Alembic
scripts with its own ``env.py``), stopped at the source's revision instead of the head; for the basic-auth DB,
``mlflow.server.auth.db.utils.migrate`` to the source's auth revision. It runs in a forked child
(:func:`mlflow_upgrade.filestore.pipeline.call_in_child`) so that importing MLflow (~250 MB) never stays in the
copying process.
"""

from __future__ import annotations

import logging
import warnings

import sqlalchemy as sa

from mlflow_upgrade import errors
from mlflow_upgrade.filestore import pipeline
from mlflow_upgrade.store.schema import AUTH, TRACKING
from mlflow_upgrade.store.uri import mask_uri
from mlflow_upgrade.upgrade.alembic_driver import alembic_config, pause_point


def create_at(engine: sa.Engine, db: str, revision: str) -> None:
    """Create MLflow's ``db`` ("tracking" or "auth") schema at ``revision`` in the empty database of ``engine``."""
    pipeline.call_in_child(_create_here, engine, db, revision)


def _create_here(engine: sa.Engine, db: str, revision: str) -> None:
    """In the child: ``engine`` is the parent's (NullPool: no connection is shared across the fork)."""
    for name in ("alembic", "mlflow"):
        logging.getLogger(name).setLevel(max(logging.getLogger(name).level, logging.WARNING))
    warnings.simplefilter("ignore")  # MLflow's imports warn about their own dependencies: not the user's business
    try:
        if db == AUTH:
            from mlflow.server.auth.db.utils import migrate

            migrate(engine, revision)
            return
        _tracking(engine, revision)
    except Exception as exc:
        text = mask_uri(str(getattr(exc, "orig", None) or exc)).strip().splitlines()
        first = text[0] if text else type(exc).__name__
        if "permission denied" in first.lower() or "command denied" in first.lower():
            raise errors.PreflightFailed(
                f"no privilege to create MLflow's tables in the destination ({first}): grant CREATE (or use the "
                "database's owner) and run again"
            ) from None
        raise errors.OperationFailed(f"creating the MLflow schema at revision {revision} failed: {first}") from None


def _tracking(engine: sa.Engine, revision: str) -> None:
    from alembic import command
    from mlflow.store.tracking.dbmodels.initial_models import Base as InitialBase

    InitialBase.metadata.create_all(engine)
    pause_point("migrate-db:migrations")  # test-only: a kill with MLflow's schema half made
    config = alembic_config(TRACKING, engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
