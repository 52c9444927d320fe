"""What a migration did (``--json`` prints it) and the refusal ``--strict`` raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlflow_upgrade import errors
from mlflow_upgrade.filestore.problems import ProblemLog


@dataclass
class MigrationReport:
    source: str
    destination: str  # masked
    dialect: str
    mode: str  # "new", "resume" or "incremental"
    status: str = "running"
    rows: dict[str, int] = field(default_factory=dict)  # rows written by this invocation, per table
    units: dict[str, int] = field(default_factory=dict)  # experiments/runs/... migrated by this invocation
    skipped_done: dict[str, int] = field(default_factory=dict)  # already migrated earlier (resume/incremental)
    experiment_id_map: dict[str, str] = field(default_factory=dict)  # source id -> destination id, where mapped
    renamed_experiments: dict[str, str] = field(default_factory=dict)
    problems: ProblemLog = field(default_factory=ProblemLog)
    seconds: float = 0.0
    schema_seconds: float = 0.0  # creating MLflow's schema
    # where it came from: "template" (shipped), "cache" (SQLite), "migrations"; "" when it was there already
    schema_source: str = ""
    index_seconds: float = 0.0  # the final step: staged rows into place, deferred indexes built

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "destination": self.destination, "dialect": self.dialect, "mode": self.mode,
            "status": self.status, "seconds": round(self.seconds, 3), "schema_seconds": round(self.schema_seconds, 3),
            "schema_source": self.schema_source, "index_seconds": round(self.index_seconds, 3),
            "units": self.units, "rows": self.rows, "skipped_already_migrated": self.skipped_done,
            "experiment_id_map": self.experiment_id_map, "renamed_experiments": self.renamed_experiments,
            "problems": self.problems.to_dict(),
        }


class StrictRefused(errors.PreflightFailed):
    """``--strict`` found bad data; nothing was written. ``report`` lists it."""

    def __init__(self, message: str, report: MigrationReport) -> None:
        super().__init__(message)
        self.report = report
