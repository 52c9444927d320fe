"""``mlflow-upgrade inspect``: parse arguments, call :func:`mlflow_upgrade.api.inspect`, render."""

from __future__ import annotations

import click
from rich.table import Table

from mlflow_upgrade import api, errors
from mlflow_upgrade.cli.render import escape, print_json, stdout
from mlflow_upgrade.examples import EXAMPLE_DB
from mlflow_upgrade.inspect.server import DEFAULT_TIMEOUT


@click.command("inspect")
@click.argument("uri", required=False)
@click.option(
    "--auth-uri", help="Basic-auth database URI (mlflow server --app-name basic-auth) to inspect too."
)
@click.option("--server", "server_url", metavar="URL", help=(
    "Probe a live tracking server for its version. Basic auth: http://user:password@host, or MLflow's "
    "MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN); the password is masked."))
@click.option("--timeout", "server_timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIMEOUT,
              show_default=True, metavar="SECONDS", help="How long each --server request may take.")
@click.option("--exact-counts", "--exact", "exact_counts", is_flag=True,
              help="COUNT(*) every table even where a fast estimate (shown ~) exists.")
@click.option(
    "--example", is_flag=True, help="Inspect the small MLflow 1.30.1 store bundled with the package."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def inspect_command(
    uri: str | None,
    auth_uri: str | None,
    server_url: str | None,
    server_timeout: float,
    exact_counts: bool,
    example: bool,
    as_json: bool,
) -> None:
    """Report what a tracking store holds, strictly read-only.

    URI is a database URI (sqlite:///mlflow.db, postgresql://user:pw@host/db, mysql://..., mssql://...) or a
    file-store path (./mlruns, file:///srv/mlruns). Shows the schema revision, the MLflow releases that wrote
    it, the migrations the installed MLflow would apply, row counts (estimates on large server tables are
    marked ~), other applications' tables, and for a file store its experiments, runs and format hints.
    """
    if example:
        uri = f"sqlite:///{EXAMPLE_DB}"
    if not uri:
        raise errors.UsageError(
            "give a store URI or path (or --example): mlflow-upgrade inspect sqlite:///mlflow.db"
        )
    snapshot = api.inspect(uri, auth_uri=auth_uri, server=server_url, exact_counts=exact_counts,
                           server_timeout=server_timeout)
    if as_json:
        print_json(snapshot)
        return
    render_snapshot(snapshot)


def render_snapshot(snapshot) -> None:
    stdout.print(f"[bold]{escape(snapshot.store)}[/]  ({snapshot.kind})")
    if snapshot.tracking:
        _render_database(snapshot.tracking, "Tracking database")
    if snapshot.filestore:
        _render_filestore(snapshot.filestore)
    if snapshot.auth:
        _render_database(snapshot.auth, "Basic-auth database")
    if snapshot.server:
        _render_server(snapshot.server)


def _render_database(report, title: str) -> None:
    table = Table(title=title, show_header=False, title_justify="left", box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("dialect", report.dialect)
    table.add_row("revision", f"{report.revision or '-'}  ({report.version_table or 'no version table'})")
    table.add_row(
        "written by",
        f"MLflow {report.written_by}"
        if report.written_by
        else (
            f"an interrupted upgrade (revision shipped in {report.shipped_by})"
            if report.shipped_by
            else "unknown"
        ),
    )
    table.add_row("installed", f"MLflow {report.installed_mlflow} (head {report.installed_head})")
    if report.up_to_date:
        table.add_row("status", "[green]up to date[/]: the installed MLflow will not migrate it")
    else:
        table.add_row(
            "status",
            f"[yellow]{len(report.pending)} pending migrations[/]: the installed MLflow "
            "migrates it on first connect (run `mlflow-upgrade plan` / `upgrade` first)",
        )
    stdout.print(table)
    if report.pending:
        pending = Table(title="Pending migrations", title_justify="left")
        for col in ("#", "revision", "since", "kind", "what"):
            pending.add_column(col)
        for i, rev in enumerate(report.pending, 1):
            pending.add_row(
                str(i), rev.revision, rev.introduced_in or "?", rev.classification or "?", escape(rev.message)
            )
        stdout.print(pending)
    _render_counts(report.counts)
    for note in report.notes:
        stdout.print(f"[yellow]note:[/] {escape(note)}")


def _render_counts(counts) -> None:
    if not counts:
        return
    table = Table(title="Rows", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in counts.items():
        table.add_row(name, f"{'' if count.exact else '~'}{count.rows:,}")
    stdout.print(table)


def _render_filestore(fs) -> None:
    table = Table(title="File store", show_header=False, title_justify="left", box=None)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("path", escape(fs.path))
    table.add_row("experiments", f"{fs.experiments_active} active, {fs.experiments_deleted} deleted (.trash)")
    table.add_row("runs", f"{fs.runs:,}")
    table.add_row("metric files", f"{fs.metric_files:,} ({fs.metric_bytes / 1e6:.1f} MB)")
    table.add_row("registered models", str(fs.registered_models))
    table.add_row("traces", str(fs.traces))
    table.add_row("logged models", str(fs.logged_models))
    stdout.print(table)
    for hint in fs.hints:
        stdout.print(f"[cyan]hint:[/] {escape(hint)}")
    for problem in fs.problems:
        stdout.print(f"[yellow]problem:[/] {escape(problem)}")


def _render_server(server) -> None:
    health = "[green]healthy[/]" if server.healthy else "[red]not healthy[/]"
    stdout.print(
        f"[bold]Server[/] {escape(server.url)}: {health}, MLflow {server.version or 'unknown version'}"
    )
