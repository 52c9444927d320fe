"""One run's way through a migration: read (and its metrics encoded or staged) in a reader process by
:func:`read_runs`, then added with its checkpoint row to a writer by :func:`add_run`."""

from __future__ import annotations

from pathlib import Path

from mlflow_upgrade.filestore import checkpoint, encode, pipeline, reader, staging
from mlflow_upgrade.filestore.loader import BulkWriter
from mlflow_upgrade.filestore.problems import ProblemLog

RUN_COLS = (
    "run_uuid", "name", "source_type", "source_name", "entry_point_name", "user_id", "status", "start_time",
    "end_time", "deleted_time", "source_version", "lifecycle_stage", "artifact_uri", "experiment_id",
)


def add_run(rec: reader.RunRec, src_id: str, folder: str, staged: bool, w: BulkWriter) -> int:
    """Add one run's rows and its checkpoint row to ``w``; returns how many rows."""
    w.add("runs", [tuple(rec.row[c] for c in RUN_COLS)])
    w.add("params", [(k, v, rec.run_uuid) for k, v in rec.params])
    w.add("tags", [(k, v, rec.run_uuid) for k, v in rec.tags])
    if staged:  # the reader staged the points: record their tag and count, with the checkpoint
        w.add(checkpoint.STAGED_RUNS, [(rec.metrics, rec.metric_count)])
    else:
        w.add_encoded("metrics", rec.metrics, rec.metric_count)
    w.add("latest_metrics", rec.latest)
    if rec.inputs:
        w.add_dicts("inputs", rec.inputs)
        w.add("input_tags", rec.input_tags, ("input_uuid", "name", "value"))
    w.add(checkpoint.DONE, [("run", folder, src_id, rec.run_uuid)])
    return rec.row_count


def read_runs(run_dirs: list[tuple[Path, str]], dataset_ids: dict[str, dict[str, str]], fmt: str,
              stage_prefix: str | None, limits: dict[str, int]) -> list[tuple]:
    """(run_dir, RunRec | None, problems) for each (run folder, its experiment's source id): a reader's task
    (``dataset_ids``: each experiment's, by source id). The metrics are encoded in ``fmt`` for the writer or,
    with ``stage_prefix``, staged in this reader's file (then ``metrics`` is their tag)."""
    out = []
    for run_dir, src_id in run_dirs:
        problems = ProblemLog()
        if stage_prefix:  # each metric goes to this reader's staging file as it is parsed
            staged = staging.StagedRun(stage_prefix, pipeline.reader_index())
            rec = reader.read_run(run_dir, src_id, problems, dataset_ids[src_id], limits, on_metric=staged.add)
            if rec is not None:
                rec.metrics = staged.finish()  # the writer records this tag with the run
        elif fmt in encode.STREAMED:  # encoded as parsed; a large run's points spill to a temporary file
            points = encode.RunPoints(fmt)
            rec = reader.read_run(run_dir, src_id, problems, dataset_ids[src_id], limits, on_metric=points.add)
            if rec is not None:
                rec.metrics = points.finish()
            else:
                points.discard()
        else:
            rec = reader.read_run(run_dir, src_id, problems, dataset_ids[src_id], limits)
            if rec is not None:
                rec.metrics = encode.encode(fmt, rec.run_uuid, rec.metrics)
        out.append((run_dir, rec, problems))
    if stage_prefix:  # committed before the writer sees these runs: a recorded run has its points staged
        staging.commit(stage_prefix, pipeline.reader_index())
    return out
