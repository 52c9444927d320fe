"""``mlflow-upgrade diffcheck``: parse arguments, call :func:`mlflow_upgrade.api.diffcheck`, render."""

from __future__ import annotations

import click
from rich.table import Table

from mlflow_upgrade import api, errors
from mlflow_upgrade.cli.render import escape, exit_codes_help, print_json, progress, stdout
from mlflow_upgrade.errors import ExitCode

SHOWN = 40  # differences listed in the terminal (all of them in --json)


@click.command("diffcheck")
@exit_codes_help({ExitCode.OK: "no difference", ExitCode.FINDINGS: "differences"})
@click.argument("uri")
@click.option("--sample", default=5, show_default=True, type=click.IntRange(min=1),
              help="Runs compared per experiment (and per filtered search).")
@click.option("--timeout", default=120.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds a server may take to start, and one call to answer.")
@click.option("--scratch", metavar="URI",
              help="An empty database (same dialect) to restore the copy into, instead of creating one on the "
                   "store's server.")
@click.option("--release", "old_release", metavar="X.Y.Z",
              help="Run this MLflow release as the old server instead of the one the catalog says wrote the store.")
@click.option("--keep", is_flag=True, help="Keep the work folder (copy, server logs) and the scratch database.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def diffcheck_command(uri: str, sample: int, timeout: float, scratch: str | None, old_release: str | None,
                      keep: bool, as_json: bool) -> None:
    """Run the store's current MLflow and the target side by side on a copy and compare what they serve.

    The copy is the tool's backup restored into a scratch database (SQLite: a temporary file); the source is
    only read. The release that wrote the store runs from its own cached uv venv ($MLFLOW_UPGRADE_VENVS, default
    ~/.cache/mlflow-upgrade/venvs), then the copy is upgraded with `upgrade` and the installed MLflow serves it.
    The same REST reads go to both (experiments, runs, metric histories, artifacts, models, versions, aliases,
    traces); status codes, error codes, values and order are compared. Fields only the target returns are
    listed as additions. {exit_codes}
    """
    with progress(not as_json) as shown:
        report = api.diffcheck(uri, sample=sample, timeout=timeout, scratch=scratch, keep=keep,
                               old_release=old_release, progress=shown)
    if as_json:
        print_json(report)
    else:
        render_report(report)
    if not report.ok:
        raise errors.Findings(f"diffcheck found {len(report.differences)} difference(s) between MLflow "
                              f"{report.old_release} and {report.target_release} on {report.store}")


def render_report(report) -> None:
    stdout.print(f"[bold]{escape(report.store)}[/]  revision {report.revision or '-'}: MLflow "
                 f"{report.old_release} → {report.target_release}")
    t = report.timings
    stdout.print(f"  {len(report.calls)} calls compared in {t.get('total_s', 0):.1f} s (old server "
                 f"{t.get('old_server_s', 0):.1f} s, upgrade {t.get('upgrade_s', 0):.1f} s, target server "
                 f"{t.get('target_server_s', 0):.1f} s)")
    for note in report.notes + report.skipped:
        stdout.print(f"  [dim]{escape(note)}[/]")
    if report.additions:
        stdout.print(f"  {len(report.additions)} field(s) only the target returns (additions, not differences):")
        for addition in report.additions:
            stdout.print(f"    + {escape(addition)}")
    if report.differences:
        table = Table(box=None, pad_edge=False, show_edge=False, title=f"{len(report.differences)} difference(s)",
                      title_justify="left")
        for col in ("call", "field", "what", report.old_release, report.target_release):
            table.add_column(col)
        for d in report.differences[:SHOWN]:
            table.add_row(escape(d.call), escape(d.path or "-"), d.kind, escape(d.old), escape(d.new))
        stdout.print(table)
        if len(report.differences) > SHOWN:
            stdout.print(f"  … {len(report.differences) - SHOWN} more (use --json for all)")
    if report.kept:
        stdout.print(f"  kept: {escape(report.kept)}")
    stdout.print("[green]no differences[/]" if report.ok else "[bold red]differences found[/]")
