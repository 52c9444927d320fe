"""``mlflow-upgrade migrate-db``: parse arguments, call :func:`mlflow_upgrade.api.migrate_db`, render."""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.table import Table

from mlflow_upgrade import api, errors
from mlflow_upgrade.cli import render
from mlflow_upgrade.cli.render import escape, exit_codes_help, print_warning, progress, stderr, stdout
from mlflow_upgrade.errors import ExitCode


@click.command("migrate-db")
@exit_codes_help({ExitCode.OK: "done", ExitCode.USAGE: "bad arguments (same database twice)",
                 ExitCode.NOT_FOUND: "a database is missing", ExitCode.NOT_MLFLOW: "source not an MLflow store",
                 ExitCode.TOO_NEW: "source newer than the installed MLflow",
                 ExitCode.CONNECTION: "cannot reach a database",
                 ExitCode.PREFLIGHT: "values the destination cannot hold / no privilege",
                 ExitCode.FAILED: "failed or the digests differ",
                 ExitCode.REFUSED: "destination not empty or source shared with another application's tables"})
@click.argument("src_uri")
@click.argument("dest_uri")
@click.option("--auth", nargs=2, metavar="SRC_AUTH DEST_AUTH", default=None,
              help="Also copy the basic-auth DB SRC_AUTH into DEST_AUTH (PostgreSQL or SQLite: MLflow's auth "
                   "migrations fail on MySQL/MariaDB).")
@click.option("--upgrade", "upgrade_after", is_flag=True,
              help="Then upgrade the copy to the installed MLflow through `upgrade` (the source stays as it was "
                   "and is the backup).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (no progress display).")
@click.option("--no-progress", is_flag=True, help="No progress display on stderr.")
def migrate_db_command(src_uri: str, dest_uri: str, auth: tuple[str, str] | None, upgrade_after: bool,
                       as_json: bool, no_progress: bool) -> None:
    """Copy the MLflow tracking store SRC_URI into the empty database DEST_URI, any pair of SQLite,
    PostgreSQL and MySQL/MariaDB.

    The destination's schema is made by the installed MLflow's own migrations at the source's revision; every
    row is copied with its ids, timestamps and values (NaN, ±inf, long texts, binary columns) in the
    destination's bulk path, from one read-only snapshot of the source. Values the destination cannot hold (an
    id over 2^31-1 for a 32-bit column, a text longer than a MySQL column, NaN/inf into MySQL) are listed and
    refused before anything is written (exit 7). Every table's rows are then compared by a digest computed the
    same way on both sides, and the copy is read back through MLflow's own store when it is at the installed
    head (with --upgrade, or when the source already is).

    \b
    DEST_URI must be empty, or hold an interrupted migrate-db of the same source: it resumes where the last
    commit left it (no duplicate, no missing row). {exit_codes}
    Environment: MLFLOW_UPGRADE_DB_BATCH_ROWS (rows per fetch and bulk write, default 10000),
    MLFLOW_UPGRADE_DB_COMMIT_ROWS (rows per destination transaction and checkpoint, default 200000),
    MLFLOW_UPGRADE_DB_DEFER_ROWS (a table with this many rows to copy loads without its indexes and keys, built
    once after its rows, default 100000).
    """
    show = not (as_json or no_progress) and stderr.is_terminal
    # A refused copy: the error line names the values; --json lists every one.
    with render.failed_report_shown(as_json, render_report, text_too=False), progress(show) as bar:
        report = api.migrate_db(src_uri, dest_uri, auth=auth, upgrade=upgrade_after, progress=bar)
    render.show_report(report, as_json, render_report)
    if not report.ok:
        raise errors.OperationFailed(_failure(report))


def _failure(report: Any) -> str:
    for copy in (report.tracking, report.auth):
        if copy is not None and copy.differences:
            return (f"the copy of {copy.source} in {copy.destination} differs from the source: "
                    f"{copy.differences[0]}")
    if report.read_back is not None and not report.read_back.get("ok"):
        return f"MLflow's store read back the copy with mismatches: {report.read_back.get('mismatches')}"
    return "the copy is not complete"


def render_report(report: Any) -> None:
    for copy in (report.tracking, report.auth):
        if copy is None:
            continue
        stdout.print(f"[bold]{copy.status}[/] {escape(copy.source)} → {escape(copy.destination)} "
                     f"({copy.db}, revision {copy.revision}, {copy.mode}, {copy.seconds:.1f} s: schema "
                     f"{copy.schema_seconds:.1f} s, rows {copy.copy_seconds:.1f} s, digests {copy.verify_seconds:.1f} s)")
        with_rows = [t for t in copy.tables if t.source_rows or t.copied]
        if with_rows:
            table = Table("table", "rows", "copied now", "identical", box=None)
            for t in with_rows:
                table.add_row(t.table, f"{t.copied:,}", f"{t.copied_now:,}", {True: "yes", False: "NO"}.get(t.same, "?"))
            stdout.print(table)
            empty = len(copy.tables) - len(with_rows)
            stdout.print(f" {copy.rows:,} rows in {len(copy.tables)} tables ({empty} empty), digests "
                         f"{'identical' if copy.status == 'complete' else 'checked'}")
        for remapped in copy.remapped:
            print_warning(f"stored otherwise: {escape(str(remapped))}")
        for unfit in copy.unfit:
            print_warning(f"cannot be stored: {escape(str(unfit))}")
    if report.read_back is not None:
        read = report.read_back.get("read", {})
        stdout.print(f"read back through MLflow: {'ok' if report.read_back.get('ok') else 'MISMATCHES'} "
                     f"({', '.join(f'{k} {v}' for k, v in read.items())})")
    elif report.read_back_note:
        stdout.print(report.read_back_note)
    if report.upgrade is not None:
        tracking = report.upgrade.get("tracking") or {}
        stdout.print(f"upgraded the copy: {tracking.get('from_revision')} → {tracking.get('to_revision')} "
                     f"({tracking.get('status', '')})")
    sys.stdout.flush()
