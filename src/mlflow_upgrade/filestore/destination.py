"""The destination database: created or checked, MLflow's schema brought to the installed head, checkpoint
tables in place; a destination holding other data or another source's migration is refused."""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa

from mlflow_upgrade import errors
from mlflow_upgrade.filestore import checkpoint, indexes
from mlflow_upgrade.filestore import schema as dbschema
from mlflow_upgrade.filestore.report import MigrationReport
from mlflow_upgrade.store.schema import TRACKING, read_revision
from mlflow_upgrade.store.uri import StoreRef, open_engine


def prepare_destination(ref: StoreRef, root: Path, report: MigrationReport, *, incremental: bool) -> sa.Engine:
    t0 = time.monotonic()
    file = ref.database_file
    if file is not None and (not file.exists() or file.stat().st_size == 0):
        if file.exists():
            file.unlink()  # an empty file (e.g. touched) holds nothing to lose
        report.schema_source = dbschema.create_sqlite_file(file)
    engine = open_engine(ref, read_only=False)
    try:
        dbschema.refuse_too_new(ref, _revision(engine))
        if checkpoint.exists(engine):
            state = checkpoint.read_state(engine)
            if state.get("source") != str(root):
                raise errors.Refused(
                    f"{ref.masked} holds a migration from {state.get('source')}, not from {root}: "
                    "use another destination"
                )
            if state.get("status") == "complete" and not incremental:
                raise errors.Refused(
                    f"{ref.masked} already holds a complete migration of {root}: pass --incremental to bring "
                    "over what was added since"
                )
            report.mode = "incremental" if state.get("status") == "complete" else "resume"
            if _revision(engine) != dbschema.head_revision():  # MLflow upgraded since: bring the schema along
                dbschema.initialize(engine)
                report.schema_source = "migrations"
        else:
            data = dbschema.has_mlflow_data(engine)
            if data:
                counts = ", ".join(f"{t}: {n}" for t, n in data.items())
                raise errors.Refused(
                    f"{ref.masked} already holds MLflow data ({counts}) that is not a migration of {root}: "
                    "give an empty database"
                )
            if _revision(engine) != dbschema.head_revision():  # an empty database, or MLflow's schema unfilled
                report.schema_source = dbschema.create_tracking_schema(engine)
            checkpoint.create(engine)
            indexes.defer(engine)
        checkpoint.write_state(engine, source=str(root), status="running", updated=checkpoint.now(),
                               tool="mlflow-upgrade migrate-filestore")
    except BaseException:
        engine.dispose()
        raise
    report.schema_seconds = time.monotonic() - t0
    return engine


def _revision(engine: sa.Engine) -> str | None:
    return read_revision(engine, TRACKING)
