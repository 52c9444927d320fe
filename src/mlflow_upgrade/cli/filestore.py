"""``mlflow-upgrade migrate-filestore``: parse arguments, call :func:`mlflow_upgrade.api.migrate_filestore`,
render."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from mlflow_upgrade import api, errors
from mlflow_upgrade.cli import render
from mlflow_upgrade.cli.render import escape, exit_codes_help, print_warning, progress, stderr, stdout
from mlflow_upgrade.errors import ExitCode
from mlflow_upgrade.filestore.problems import KINDS


@click.command("migrate-filestore")
@exit_codes_help({
    ExitCode.OK: "done, nothing skipped or guessed",
    ExitCode.INCOMPLETE: "done, but something was skipped, repaired or guessed (listed in the report)",
    ExitCode.PREFLIGHT: "--strict found bad data, nothing written",
    ExitCode.FAILED: "failed (e.g. staged points lost, no disk room for the final step: resumable)",
    ExitCode.REFUSED: "destination holds other data",
})
@click.argument("src", type=click.Path(file_okay=True, dir_okay=True, path_type=str))
@click.argument("dest_uri")
@click.option("--strict", is_flag=True, help="Fail, writing nothing, if the file store holds any bad data.")
@click.option("--incremental", is_flag=True,
              help="The destination holds a complete migration of SRC: bring over what was added since.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (no progress display).")
@click.option("--no-progress", is_flag=True, help="No progress display on stderr.")
def migrate_filestore_command(src: str, dest_uri: str, strict: bool, incremental: bool, as_json: bool,
                              no_progress: bool) -> None:
    """Copy the file store SRC (./mlruns written by MLflow 1.x, 2.x or 3.x) into DEST_URI.

    DEST_URI: sqlite:///mlflow.db, postgresql://user:pw@host/db or mysql://user:pw@host/db (MariaDB too); an
    empty database, or one holding an interrupted migration of SRC, which is resumed. The schema is created by
    the installed MLflow's migrations. Bad data (corrupt meta.yaml, malformed or duplicate metric lines, runs of
    missing experiments, symlinks, numbers out of range) is counted and listed with its path; a run or experiment
    whose meta.yaml is unreadable is rebuilt from its folder and tagged mlflow_upgrade.recovered; --strict
    refuses bad data before writing. {exit_codes}

    \b
    A new SQLite destination gets staging files next to it while loading (DEST.mlflow-upgrade-stage/, owner
    only, removed at the end; ~30 bytes per metric point, the database ~250). Runs over 4 MB of points into
    PostgreSQL/MariaDB are spooled to owner-only $TMPDIR/mlflow-upgrade-spool-* files, removed once written.
    Environment: MLFLOW_UPGRADE_FS_READERS (reader processes, default 2),
    MLFLOW_UPGRADE_FS_WRITERS (parallel connections: default 1 to PostgreSQL, 2 to MariaDB),
    MLFLOW_UPGRADE_FS_READER=inline (read in one process), MLFLOW_UPGRADE_FS_COMMIT_ROWS (rows per transaction).
    """
    with render.failed_report_shown(as_json, render_report), \
            progress(not (as_json or no_progress) and stderr.is_terminal) as shown:
        report = api.migrate_filestore(src, dest_uri, strict=strict, incremental=incremental, progress=shown)
    render.show_report(report, as_json, render_report)
    if report.problems.errors:  # written, but not all of it as it was: scripts must notice (exit 10)
        raise errors.Incomplete(
            f"migrated with {report.problems.errors:,} problem(s) where data was skipped, repaired or guessed "
            f"({', '.join(f'{k}: {n:,}' for k, n in report.problems.error_counts().items())}): see the report")


def render_report(report) -> None:
    title = {"complete": "Migrated", "refused": "Refused (--strict)"}.get(report.status, report.status)
    stdout.print(f"[bold]{title}[/] {escape(report.source)} → {escape(report.destination)} "
                 f"({report.mode}, {report.seconds:.1f} s, schema {report.schema_seconds:.1f} s)")
    if report.units or report.rows:
        table = Table("table", "rows written", box=None)
        for name, count in report.rows.items():
            table.add_row(name, f"{count:,}")
        stdout.print(table)
    if report.skipped_done:
        done = ", ".join(f"{k}: {v:,}" for k, v in report.skipped_done.items())
        stdout.print(f"already migrated earlier (skipped): {done}")
    for src_id, dest_id in report.experiment_id_map.items():
        stdout.print(f"experiment id {src_id} → {dest_id} (too large for the destination's INTEGER column)")
    problems = report.problems
    if problems.counts:
        table = Table("problem", "count", "what was done", box=None)
        for kind, count in problems.counts.items():
            table.add_row(kind, f"{count:,}", KINDS[kind][1])
        stdout.print(table)
        for item in problems.items[:20]:
            stdout.print(f"  {item.kind}: {escape(item.path)} {escape(item.detail)}")
        if len(problems.items) > 20:
            print_warning(f"{len(problems.items) - 20} more listed in --json output")
    sys.stdout.flush()
