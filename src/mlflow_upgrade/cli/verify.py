"""``mlflow-upgrade verify``: parse arguments, call :func:`mlflow_upgrade.api.verify`, render."""

from __future__ import annotations

import click
from rich.table import Table

from mlflow_upgrade import api, errors
from mlflow_upgrade.cli.render import escape, exit_codes_help, print_warning, progress, show_report, stdout
from mlflow_upgrade.errors import ExitCode

SHOWN = 50  # differences listed in the terminal (all of them in --json)


@click.command("verify")
@exit_codes_help({ExitCode.OK: "identical", ExitCode.FINDINGS: "differences"})
@click.argument("uri")
@click.option("--against", "against", type=click.Path(dir_okay=False), metavar="FILE",
              help="Compare with a fingerprint saved earlier (--save, or the one `upgrade` writes).")
@click.option("--save", "save", type=click.Path(dir_okay=False), metavar="FILE",
              help="Save the store's current fingerprint to FILE (JSON, bucket digests only).")
@click.option("--no-read-back", is_flag=True, help="Skip reading every entity back through MLflow's own store.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify_command(uri: str, against: str | None, save: str | None, no_read_back: bool,
                   as_json: bool) -> None:
    """Prove that pre-existing data survived an upgrade unchanged (read-only).

    Fingerprints every row of every table inside the database. With --against, compares with an earlier
    fingerprint and lists every difference with table, key and column; with --save, writes the fingerprint for
    a later comparison. When the store is at the installed MLflow's head, also reads every experiment, run,
    metric history, model, version, alias, trace and logged model back through MLflow and compares with SQL.
    {exit_codes} Other codes as for every command.
    """
    if not against and not save and no_read_back:
        raise errors.UsageError("nothing to do: give --against FILE, --save FILE, or allow the read-back")
    with progress(not as_json) as shown:
        report = api.verify(uri, against=against, save=save, read_back=not no_read_back, progress=shown)
    show_report(report, as_json, render_report)
    if not report.ok:
        found = f"{len(report.differences)} difference(s)" if report.differences else "read-back mismatches"
        raise errors.Findings(f"verify found {found} in {report.store}")


def render_report(report) -> None:
    stdout.print(f"[bold]{escape(report.store)}[/]  revision {report.revision or '-'}")
    stdout.print(f"  fingerprint: {report.tables} tables, {report.rows_checked:,} rows in {report.seconds:.2f} s "
                 f"({report.rows_per_second:,.0f} rows/s)")
    if report.saved:
        stdout.print(f"  saved to {escape(report.saved)}")
    if report.outside_migration:
        print_warning(report.outside_migration)
    for change in report.expected_changes:
        stdout.print(f"  [dim]expected, not compared: {escape(change)}[/]")
    if report.against:
        if report.differences:
            _render_differences(report.differences)
        else:
            stdout.print(f"  [green]identical[/] to {escape(report.against)}")
    _render_read_back(report)
    stdout.print("[green]ok[/]" if report.ok else "[bold red]differences found[/]")


def _render_differences(diffs) -> None:
    table = Table(box=None, pad_edge=False, show_edge=False, title=f"{len(diffs)} difference(s)",
                  title_justify="left")
    for col in ("table", "key", "what", "column", "before", "after"):
        table.add_column(col)
    for d in diffs[:SHOWN]:
        key = " ".join(f"{k}={v!r}" for k, v in d.key.items())
        table.add_row(escape(d.table), escape(key), escape(d.kind + (f" ({d.detail})" if d.detail else "")),
                      escape(d.column or ""), escape("" if d.before is None else repr(d.before)),
                      escape("" if d.after is None else repr(d.after)))
    stdout.print(table)
    if len(diffs) > SHOWN:
        stdout.print(f"  … {len(diffs) - SHOWN} more (use --json for all)")


def _render_read_back(report) -> None:
    if report.read_back_skipped:
        stdout.print(f"  read-back skipped: {escape(report.read_back_skipped)}")
        return
    rb = report.read_back
    if rb is None:
        return
    counts = ", ".join(f"{n:,} {kind}" for kind, n in rb.read.items())
    stdout.print(f"  read back through MLflow in {rb.seconds:.1f} s: {counts}")
    for line in rb.mismatches:
        stdout.print(f"  [red]read-back mismatch:[/] {escape(line)}")
