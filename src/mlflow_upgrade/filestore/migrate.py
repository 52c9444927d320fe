"""The migration itself: read the file store in reader processes, write in order, commit each unit with its
checkpoint row, then the final step (staged points into place, deferred indexes back)."""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mlflow_upgrade import errors
from mlflow_upgrade.dialects import is_supported
from mlflow_upgrade.filestore import (
    checkpoint,
    extras,
    indexes,
    pipeline,
    reader,
    runs,
    staging,
    warm,
    writers,
)
from mlflow_upgrade.filestore import schema as dbschema
from mlflow_upgrade.filestore.destination import prepare_destination
from mlflow_upgrade.filestore.loader import BulkWriter
from mlflow_upgrade.filestore.problems import ProblemLog
from mlflow_upgrade.filestore.report import MigrationReport, StrictRefused
from mlflow_upgrade.progress import QUIET, Progress, ProgressTask
from mlflow_upgrade.store import filestore_layout as layout
from mlflow_upgrade.store.uri import parse_store_uri

__all__ = ["migrate_filestore"]
_log = logging.getLogger(__name__)

INT32_MAX = 2**31 - 1
_READ_AHEAD = 4  # chunks of runs read ahead of the writer
_CHUNK_RUNS = 4  # runs per task sent to the reader process


def migrate_filestore(
    src: str | Path,
    dest_uri: str,
    *,
    strict: bool = False,
    incremental: bool = False,
    progress: Progress = QUIET,
    commit_rows: int | None = None,
) -> MigrationReport:
    """Migrate the file store at ``src`` into ``dest_uri`` (SQLite, PostgreSQL, MariaDB/MySQL)."""
    started = time.monotonic()
    # Rows per transaction: big enough to amortise commits, small enough that a kill loses little work.
    commit_rows = commit_rows or pipeline.env_int("MLFLOW_UPGRADE_FS_COMMIT_ROWS", 200_000, minimum=1)
    src_path = parse_store_uri(src).path if str(src).startswith("file:") else Path(src)
    root = layout.resolve_root(Path(src_path).expanduser().resolve())
    ref = parse_store_uri(dest_uri)
    if not is_supported(ref.kind):
        raise errors.UsageError(
            f"destination {ref.masked} is not a database URI: give sqlite:///…, postgresql://… or mysql://…"
        )
    report = MigrationReport(source=str(root), destination=ref.masked, dialect=ref.kind, mode="new")
    _check_settings(ref.kind)
    if strict:
        _prescan(root, report, dbschema.declared_limits(ref.kind))
        if report.problems.errors:
            report.status = "refused"
            report.seconds = time.monotonic() - started
            raise StrictRefused(
                f"--strict: {report.problems.errors} problem(s) in {root} "
                f"({', '.join(f'{k}: {n}' for k, n in report.problems.counts.items())}); nothing was written",
                report,
            )
        report.problems = ProblemLog()  # the real pass records them again
    engine = prepare_destination(ref, root, report, incremental=incremental)
    try:
        _Migration(engine, root, report, progress=progress, commit_rows=commit_rows).run()
    except (sa.exc.DBAPIError, *_driver_errors()) as exc:
        first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
        raise errors.OperationFailed(
            f"writing to {ref.masked} failed: {type(exc).__name__}: {first}; what was committed is kept: "
            "fix the cause and run the same command again to resume"
        ) from exc
    finally:
        engine.dispose()
    report.seconds = time.monotonic() - started
    return report


def _check_settings(dialect: str) -> None:
    """Read the environment settings now, so that a bad value fails before anything is written."""
    pipeline.readers_wanted()
    writers.parallel_writers_wanted(dialect)


def _driver_errors() -> tuple[type[BaseException], ...]:
    """The DBAPI drivers' base error classes (raw connections raise them unwrapped)."""
    import sqlite3

    found: list[type[BaseException]] = [sqlite3.Error]
    for module, name in (("psycopg", "Error"), ("psycopg2", "Error"), ("pymysql", "Error")):
        try:
            found.append(getattr(__import__(module), name))
        except ImportError:
            continue
    return tuple(found)


def _prescan(root: Path, report: MigrationReport, limits: dict[str, int]) -> None:
    """Read everything without writing (``--strict``): the problems, nothing else."""
    problems = report.problems
    for src_id, path, in_trash in layout.list_experiments(root, problems):
        exp = reader.read_experiment(src_id, path, in_trash, problems)
        _, dataset_ids = reader.read_datasets(path, problems)
        for run_dir in layout.list_run_dirs(path):
            if exp is None:
                problems.add("orphan_run", run_dir, f"experiment {src_id} unreadable")
                continue
            reader.read_run(run_dir, src_id, problems, dataset_ids, limits)
        for trace_dir in layout.list_traces(path, problems):
            extras.read_trace(trace_dir, problems)
        for model_dir in layout.list_logged_models(path, problems):
            extras.read_logged_model(model_dir, problems)
    for model_dir in layout.list_registered_models(root, problems):
        extras.read_registered_model(model_dir, problems)


# -- the migration ------------------------------------------------------------------------------------------
class _Migration:
    def __init__(self, engine: sa.Engine, root: Path, report: MigrationReport, *, progress: Progress,
                 commit_rows: int) -> None:
        self.engine = engine
        self.root = root
        self.report = report
        self.problems = report.problems
        self.progress = progress
        self.commit_rows = commit_rows
        self.writer = BulkWriter(engine)
        # server databases: runs go to several connections in parallel (writers.py)
        n_writers = writers.parallel_writers_wanted(engine.dialect.name)
        self.run_writers = writers.ParallelWriters(engine, n_writers, commit_rows=commit_rows) if n_writers else None
        # SQLite, new migration (or its resume): readers stage metric points in files of their own (staging.py)
        self.stage_prefix = indexes.staging_prefix(engine)
        self.limits = dbschema.value_limits(engine)  # lengths a server enforces: longer values are recorded
        self.uncommitted = 0
        self.rows_total = 0
        self.task_exp: ProgressTask  # started by run()
        self.task_runs: ProgressTask
        # run ids already in the destination (resume/incremental) and written by this invocation
        self.seen_runs: set[str] = {v for v in checkpoint.done_keys(engine, "run").values() if v}
        self.warmer: warm.Warmer | None = None  # page-cache warming ahead of the readers, while they read

    def run(self) -> None:
        experiments = layout.list_experiments(self.root, self.problems)
        run_total = sum(len(layout.list_run_dirs(p)) for _, p, _ in experiments)
        loaded = ok = False
        try:
            with self.progress.task("experiments", total=len(experiments)) as self.task_exp, \
                    self.progress.task("runs", total=run_total, rate_unit="rows") as self.task_runs:
                t0 = time.monotonic()
                self._load(experiments)
                self._close_writers(committed=True)
                _log.debug("file store read and loaded in %.2f s", time.monotonic() - t0)
                loaded = True
                self._final_step()
            ok = True
        finally:
            staging.close_all()
            if not loaded:
                self._close_writers(committed=False)
            self.report.status = "complete" if ok else "interrupted"
            self.report.rows = {t: n for t, n in self.writer.written.items() if t != checkpoint.DONE}

    def _load(self, experiments: list[tuple[str, Path, bool]]) -> None:
        exp_map = self._experiments(experiments)
        try:
            for item, result in pipeline.ordered(self._work(experiments, exp_map), ahead=_READ_AHEAD):
                if isinstance(item, pipeline.Task):
                    item.then(result)
                else:
                    item()
        finally:
            if self.warmer is not None:
                self.warmer.close()
                self.warmer = None
        if self.run_writers is not None:
            self.run_writers.finish()  # every run committed before the registry points at them
        self._registry()
        self.writer.commit()
        self._finish_sequences()

    def _close_writers(self, *, committed: bool) -> None:
        """Close every connection (rolling back what is not committed when ``committed`` is False)."""
        if self.run_writers is not None:
            if not committed:
                self.run_writers.abort()
            self.run_writers.close()
            for table, n in self.run_writers.written.items():
                self.writer.written[table] = self.writer.written.get(table, 0) + n
            self.run_writers = None
        if not committed:
            self.writer.rollback()
        self.writer.close()

    def _final_step(self) -> None:
        """Staged points into place, deferred indexes and constraints back (one transaction), then the
        migration is marked complete."""
        with self.progress.task("indexes", total=None) as task:
            t0 = time.monotonic()
            moved = indexes.restore(self.engine, on_step=lambda what: task.update(description=what))
            if moved:
                self.writer.written["metrics"] = self.writer.written.get("metrics", 0) + moved
            self.report.index_seconds = time.monotonic() - t0
            task.update(description="indexes", total=1, completed=1)
        checkpoint.write_state(self.engine, status="complete", updated=checkpoint.now())

    # -- helpers
    def _count(self, unit: str, n: int = 1) -> None:
        self.report.units[unit] = self.report.units.get(unit, 0) + n

    def _skipped(self, unit: str, n: int = 1) -> None:
        if n:
            self.report.skipped_done[unit] = self.report.skipped_done.get(unit, 0) + n

    def _done(self, kind: str, src_key: str, parent: str | None = None, dest_key: str | None = None) -> None:
        self.writer.add(checkpoint.DONE, [(kind, src_key, parent, dest_key)])

    def _maybe_commit(self, rows: int) -> None:
        self.uncommitted += rows
        self.rows_total += rows
        if self.uncommitted >= self.commit_rows:
            self.writer.commit()
            self.uncommitted = 0

    def _add_unit(self, unit: extras.Unit, fill: dict[str, Any] | None = None) -> int:
        by_table: dict[str, list[dict[str, Any]]] = {}
        for table, row in unit:
            if fill and table in _EXPERIMENT_SCOPED:
                row = {**row, **fill}
            by_table.setdefault(table, []).append(row)
        for table, rows in by_table.items():
            self.writer.add_dicts(table, rows)
        return len(unit)

    # -- experiments
    def _experiments(self, experiments: list[tuple[str, Path, bool]]) -> dict[str, str]:
        """Insert the experiments not migrated yet; return {source id: destination id} for all readable ones."""
        done = checkpoint.done_keys(self.engine, "experiment")
        exp_map = {k: v for k, v in done.items() if v is not None}
        self._skipped("experiments", len(exp_map))
        for k, v in exp_map.items():
            if k != v:
                self.report.experiment_id_map[k] = v
        bits = dbschema.experiment_id_bits(self.engine)
        with self.engine.connect() as conn:
            names = {r[0] for r in conn.execute(sa.text("SELECT name FROM experiments"))}
            max_dest = conn.execute(sa.text("SELECT MAX(experiment_id) FROM experiments")).scalar()
        fitting = [int(i) for i, _, _ in experiments if bits == 64 or int(i) <= INT32_MAX]
        next_id = max([max_dest or 0, *fitting, 0]) + 1
        for src_id, path, in_trash in experiments:
            if src_id in done:
                continue
            exp = reader.read_experiment(src_id, path, in_trash, self.problems)
            if exp is None:
                continue
            dest_id = int(src_id)
            if bits == 32 and dest_id > INT32_MAX:
                dest_id, next_id = next_id, next_id + 1
                self.report.experiment_id_map[src_id] = str(dest_id)
                self.problems.add("experiment_id_mapped", path, f"{src_id} -> {dest_id}")
            name = exp.name
            if name in names:
                name = f"{exp.name} (migrated {src_id})"
                self.report.renamed_experiments[src_id] = name
                self.problems.add("name_collision", path, f"{exp.name!r} renamed {name!r}")
            names.add(name)
            self.writer.add("experiments", [(dest_id, name, exp.artifact_location, exp.lifecycle_stage,
                                             exp.creation_time, exp.last_update_time)])
            self.writer.add("experiment_tags", [(k, v, dest_id) for k, v in exp.tags])
            self._done("experiment", src_id, None, str(dest_id))
            exp_map[src_id] = str(dest_id)
            self._count("experiments")
            self._maybe_commit(1 + len(exp.tags))
        self.writer.commit()
        self.uncommitted = 0
        return exp_map

    def _work(self, experiments: list[tuple[str, Path, bool]], exp_map: dict[str, str]) -> Iterator[Any]:
        """What to do, in order: reader tasks (chunks of runs) and writer steps (callables) around them.

        Every experiment's datasets first (runs' inputs point at them), then the runs of all experiments in
        the order of their ids (folder names), then each experiment's traces and logged models (their rows
        point at runs). Runs in id order, each run's points by key then step, put ``metrics`` on disk in the
        order of its two run indexes, which PostgreSQL's sorts then find presorted: building them at the end
        takes about half the time it does from runs in experiment order (docs/migrate-filestore.md).

        This generator runs ahead of the writer (by the readers' look-ahead), so it only reads: every write
        happens in a writer step, in order."""
        todo: list[tuple[str, int]] = []  # (run folder's name, its experiment's place): names, not Paths (memory)
        places: list[tuple[str, int, Path, dict[str, str]]] = []  # (src_id, dest id, folder, dataset_ids)
        tails: list[tuple[str, Path, int]] = []
        for src_id, path, _ in experiments:
            run_dirs = layout.list_run_dirs(path)
            dest_id = exp_map.get(src_id)
            if dest_id is None:
                yield functools.partial(self._orphan_runs, src_id, run_dirs)
                continue
            dest = int(dest_id)
            dataset_rows, dataset_ids = reader.read_datasets(path, self.problems)
            yield functools.partial(self._datasets, src_id, dest, dataset_rows)
            done = checkpoint.done_keys(self.engine, "run", src_id)
            fresh = [d for d in run_dirs if d.name not in done]
            yield functools.partial(self._skipped_runs, len(run_dirs) - len(fresh))
            todo += [(d.name, len(places)) for d in fresh]
            places.append((src_id, dest, path, dataset_ids))
            tails.append((src_id, path, dest))
        # a run folder copied into two experiments: the copy in the first experiment is the one migrated
        todo.sort()
        # Started here, once the reader processes exist (this generator runs inside pipeline.ordered)
        self.warmer = warm.Warmer(lambda i: os.path.join(places[todo[i][1]][2], todo[i][0]), len(todo))
        for i in range(0, len(todo), _CHUNK_RUNS):
            self.warmer.reached(i)
            chunk = todo[i:i + _CHUNK_RUNS]
            yield pipeline.Task(runs.read_runs, [(places[p][2] / name, places[p][0]) for name, p in chunk],
                                {places[p][0]: places[p][3] for _, p in chunk}, self.writer.metric_format,
                                self.stage_prefix, self.limits,
                                then=functools.partial(self._write_runs, [places[p][:2] for _, p in chunk]))
        for tail in tails:
            yield functools.partial(self._experiment_tail, *tail)

    def _orphan_runs(self, src_id: str, run_dirs: list[Path]) -> None:
        for run_dir in run_dirs:
            self.problems.add("orphan_run", run_dir, f"experiment {src_id} missing or unreadable")
        self.task_runs.advance(len(run_dirs))
        self.task_exp.advance()

    def _datasets(self, src_id: str, dest: int, dataset_rows: list[tuple[str, dict[str, Any]]]) -> None:
        done = checkpoint.done_keys(self.engine, "dataset", src_id) if dataset_rows else {}
        for folder, row in dataset_rows:
            if f"{src_id}/{folder}" in done:
                self._skipped("datasets")
                continue
            self.writer.add_dicts("datasets", [{**row, "experiment_id": dest}])
            self._done("dataset", f"{src_id}/{folder}", src_id)
            self._count("datasets")
            self._maybe_commit(1)

    def _skipped_runs(self, n: int) -> None:
        self._skipped("runs", n)
        self.task_runs.advance(n)

    def _experiment_tail(self, src_id: str, path: Path, dest: int) -> None:
        traces, models = layout.list_traces(path, self.problems), layout.list_logged_models(path, self.problems)
        if self.run_writers is not None and (traces or models):
            self.run_writers.sync()  # logged models' metrics point at runs: those must be committed first
        self._experiment_units(src_id, dest, "trace", traces, extras.read_trace, "traces")
        self._experiment_units(src_id, dest, "logged_model", models, extras.read_logged_model, "logged_models")
        self.writer.commit()
        self.uncommitted = 0
        self.task_exp.advance()

    def _write_runs(self, owners: list[tuple[str, int]], results: list[tuple]) -> None:
        """One reader task's runs (``owners``: each one's experiment, source and destination id): each with
        its checkpoint row, in one transaction."""
        for (src_id, dest), (run_dir, rec, problems) in zip(owners, results, strict=True):
            self.problems.merge(problems)
            self.task_runs.advance()
            if rec is None:
                continue
            if rec.run_uuid in self.seen_runs:  # the same run folder copied into two experiments
                self.problems.add("duplicate_run", run_dir, f"run {rec.run_uuid} already migrated from elsewhere")
                continue
            self.seen_runs.add(rec.run_uuid)
            rec.row["experiment_id"] = dest
            job = functools.partial(runs.add_run, rec, src_id, run_dir.name, bool(self.stage_prefix))
            if self.run_writers is not None:
                self.run_writers.submit(job)
                self.rows_total += rec.row_count
            else:
                self._maybe_commit(job(self.writer))
            self._count("runs")
        self.task_runs.throughput(self.rows_total)

    def _experiment_units(self, src_id: str, dest: int, kind: str, dirs: list[Path], read: Any,
                          unit_name: str) -> None:
        if not dirs:
            return
        done = checkpoint.done_keys(self.engine, kind, src_id)
        for unit_dir in dirs:
            if unit_dir.name in done:
                self._skipped(unit_name)
                continue
            got = read(unit_dir, self.problems)
            if got is None:
                continue
            _, unit = got
            n = self._add_unit(unit, {"experiment_id": dest})
            self._done(kind, unit_dir.name, src_id)
            self._count(unit_name)
            self._maybe_commit(n)

    # -- registry
    def _registry(self) -> None:
        model_dirs = layout.list_registered_models(self.root, self.problems)
        if not model_dirs:
            return
        done = checkpoint.done_keys(self.engine, "registered_model")
        for model_dir in model_dirs:
            if model_dir.name in done:
                self._skipped("registered_models")
                continue
            got = extras.read_registered_model(model_dir, self.problems)
            if got is None:
                continue
            n = self._add_unit(got[1])
            self._done("registered_model", model_dir.name)
            self._count("registered_models")
            self._maybe_commit(n)
        self.writer.commit()

    def _finish_sequences(self) -> None:
        """PostgreSQL's SERIAL sequence does not see explicit ids: move it past them, or the next
        ``create_experiment`` collides. (MySQL's AUTO_INCREMENT and SQLite follow explicit ids themselves.)"""
        with self.engine.begin() as conn:
            self.writer.dialect.after_explicit_ids(conn, "experiments", "experiment_id")


_EXPERIMENT_SCOPED = {"trace_info", "assessments", "logged_models", "logged_model_params", "logged_model_tags",
                      "logged_model_metrics"}
