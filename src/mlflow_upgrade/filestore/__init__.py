"""Copy a file store (``./mlruns``) into a SQL tracking store: fast, streaming, resumable, honest about bad data.

    from mlflow_upgrade.api import migrate_filestore
    report = migrate_filestore("./mlruns", "postgresql://mlflow@db/mlflow")

The destination schema is created by MLflow's own migrations at the installed head; rows are read straight
from the files (:mod:`.reader`, :mod:`.extras`) and bulk-loaded per dialect (:mod:`.loader`). Every unit (an
experiment, a run with all its rows, a trace, a logged model, a registered model) commits together with its
checkpoint row (:mod:`.checkpoint`), so a killed migration resumes without duplicate or missing rows and
``incremental=True`` brings over what was added to the file store since.
"""

from __future__ import annotations

from mlflow_upgrade.filestore.migrate import migrate_filestore
from mlflow_upgrade.filestore.report import MigrationReport, StrictRefused

__all__ = ["MigrationReport", "StrictRefused", "migrate_filestore"]
