"""Bad data found in a file store: counted, listed, never dropped silently.

Every problem has a kind (a stable string used in the ``--json`` report), the path it was found at and a
one-line detail. *Error* kinds mean something of the source was skipped, repaired or guessed: ``--strict``
refuses to write anything when one is found, and a migration that records one ends with
:attr:`~mlflow_upgrade.errors.ExitCode.INCOMPLETE` so scripts notice. *Notice* kinds describe normal MLflow states
that change what is written (an experiment in ``.trash`` becomes DELETED; a point logged twice is kept once,
as MLflow's SQL store keeps it).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# kind -> (severity, what we do about it)
KINDS: dict[str, tuple[str, str]] = {
    "missing_meta": ("error", "entity skipped: its directory has no meta.yaml (and, for a run or an experiment, "
                              "nothing else to rebuild it from)"),
    "corrupt_meta": ("error", "entity skipped: meta.yaml is not valid YAML, lacks required fields or holds a "
                              "value of the wrong type"),
    "salvaged": ("error", "meta.yaml unreadable: the run or experiment was rebuilt from what its folder proves "
                          "and tagged mlflow_upgrade.recovered with the fields that were guessed"),
    "repaired_meta": ("error", "a meta.yaml field of the wrong type or out of range: replaced by what the folder "
                               "proves (or left empty); the entity is tagged mlflow_upgrade.recovered"),
    "unreadable_file": ("error", "value skipped: the file could not be read as UTF-8 text"),
    "malformed_metric_line": ("error", "line skipped: not 'timestamp value [step [dataset digest]]'"),
    "out_of_range": ("error", "line skipped: a timestamp or step outside 64-bit integers (no database holds it)"),
    "symlink": ("error", "not followed: a symlink inside the store (MLflow never writes one; it may point outside "
                         "the store or at itself)"),
    "duplicate_metric_point": ("notice", "exact duplicate metric point: one kept, as MLflow's SQL store keeps it"),
    "orphan_run": ("error", "run skipped: its experiment is missing or unreadable"),
    "id_mismatch": ("error", "id in meta.yaml differs from its directory name: the directory name is used"),
    "name_collision": ("error", "experiment renamed: another experiment already has its name"),
    "duplicate_run": ("error", "run skipped: a run with the same id was already migrated from another folder"),
    "value_too_long": ("error", "value skipped: longer than the destination's column allows (PostgreSQL and "
                                "MySQL refuse it; SQLite would keep it)"),
    "dangling_reference": ("error", "row skipped: it points at an entity that does not exist in the source"),
    "trash_lifecycle_mismatch": ("notice", "experiment in .trash with lifecycle_stage active (MLflow 1.x left it "
                                           "so): migrated DELETED"),
    "trashed_experiment": ("notice", "experiment in .trash: migrated with lifecycle_stage deleted"),
    "experiment_id_mapped": ("notice", "experiment id too large for the destination column: mapped to a new id"),
}

# Keep the listed entries bounded (memory stays flat on a store full of bad lines); counts stay exact.
MAX_LISTED_PER_KIND = 1000


@dataclass
class Problem:
    kind: str
    path: str
    detail: str = ""
    count: int = 1  # e.g. the number of duplicate lines in one metric file

    @property
    def severity(self) -> str:
        return KINDS[self.kind][0]


@dataclass
class ProblemLog:
    """Counts per kind (exact) and the first :data:`MAX_LISTED_PER_KIND` entries of each kind."""

    counts: Counter = field(default_factory=Counter)
    items: list[Problem] = field(default_factory=list)
    _listed: Counter = field(default_factory=Counter, repr=False)

    def add(self, kind: str, path: Path | str, detail: str = "", count: int = 1) -> None:
        assert kind in KINDS, kind
        self.counts[kind] += count
        if self._listed[kind] < MAX_LISTED_PER_KIND:
            self._listed[kind] += 1
            self.items.append(Problem(kind, str(path), detail, count))

    def merge(self, other: ProblemLog) -> None:
        """Add another log's exact counts and (up to the cap) its listed entries."""
        self.counts.update(other.counts)
        for item in other.items:
            if self._listed[item.kind] < MAX_LISTED_PER_KIND:
                self._listed[item.kind] += 1
                self.items.append(item)

    @property
    def errors(self) -> int:
        return sum(self.error_counts().values())

    def error_counts(self) -> dict[str, int]:
        """Counts of the error kinds only (what made the data differ from the source)."""
        return {kind: n for kind, n in self.counts.items() if KINDS[kind][0] == "error"}

    def to_dict(self) -> dict:
        return {
            "counts": dict(self.counts),
            "actions": {kind: KINDS[kind][1] for kind in self.counts},
            "listed": [
                {"kind": p.kind, "severity": p.severity, "path": p.path, "detail": p.detail, "count": p.count}
                for p in self.items
            ],
            # True when some kind had more entries than MAX_LISTED_PER_KIND (its count stays exact)
            "truncated": any(n >= MAX_LISTED_PER_KIND for n in self._listed.values()),
        }
