"""``mlflow-upgrade models``: parse arguments, call :func:`mlflow_upgrade.api.models`, render."""

from __future__ import annotations

import sys

import click

from mlflow_upgrade import api, errors
from mlflow_upgrade.cli.render import escape, exit_codes_help, print_json, progress, stdout
from mlflow_upgrade.errors import ExitCode

_STYLE = {"loads": "green", "loads with warnings": "yellow", "will not load": "bold red", "unreadable": "magenta"}


@click.command("models")
@exit_codes_help({ExitCode.OK: "all load", ExitCode.FINDINGS: "warnings or unreadable models",
                 ExitCode.BREAKING: "some will not load"})
@click.argument("uri")
@click.option("--server", "server_url", metavar="URL", help=(
    "The tracking server that serves `mlflow-artifacts:` locations of a SQL or file store (for an http(s) URI, "
    "the URI itself). Basic auth: MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN)."))
@click.option("--workers", type=click.IntRange(1, 64), default=8, show_default=True,
              help="MLmodel files read at once (remote artifact stores).")
@click.option("--json", "as_json", is_flag=True, help="Print the inventory as JSON.")
@click.option("--no-progress", is_flag=True, help="No progress bar on stderr.")
def models_command(uri: str, server_url: str | None, workers: int, as_json: bool, no_progress: bool) -> None:
    """Will every logged and registered model load on the installed MLflow?

    URI is a database URI, a file-store path or an http(s):// tracking server. Every registered model version,
    every model logged in a run and every MLflow 3 logged model is listed with its flavors, the MLflow that
    logged it, its Python and pinned requirements, and a verdict: loads, loads with warnings (what
    `mlflow.pyfunc.load_model` warns about here), or will not load (a removed flavor, code pickled on another
    Python, ...), each with the reason. A model whose MLmodel cannot be read is a row, not the end.
    Read-only. {exit_codes}
    """
    with progress(enabled=not as_json and not no_progress and sys.stderr.isatty()) as bars:
        inventory = api.models(uri, server=server_url, workers=workers, progress=bars)
    if as_json:
        print_json(inventory)
    else:
        render_inventory(inventory)
    if inventory.exit_code:
        raise errors.Findings("", exit_code=inventory.exit_code)  # the output above lists them


def render_inventory(inventory) -> None:
    stdout.print(f"[bold]{escape(inventory.store)}[/]: {len(inventory.rows)} models; target MLflow "
                 f"{inventory.target_mlflow}, Python {inventory.target_python}")
    for row in inventory.rows:
        style = _STYLE[row.status.value]
        flavors = ", ".join(row.flavors) or "-"
        by = f"logged by {row.logged_by}" if row.logged_by else "logger unknown"
        python = f"Python {row.python_version}" if row.python_version else "Python ?"
        stdout.print(f"[{style}]{row.status.value:<19}[/] [bold]{escape(row.label)}[/]  {escape(flavors)}; "
                     f"{escape(by)}; {escape(python)}")
        if row.location:
            stdout.print(f"    at {escape(row.location)}")
        for reason in row.reasons:
            stdout.print(f"    - {escape(reason)}")
        if row.requirements:
            stdout.print(f"    requires: {escape(', '.join(row.requirements))}")
        if row.runs_uri:
            stdout.print(f"    [yellow]{escape(row.runs_uri)}[/] does not resolve for MLflow 2.x clients (MLflow 3 "
                         "keeps the model outside the run's artifacts): use models:/<name>/<version>")
    counts = ", ".join(f"{n} {status}" for status, n in inventory.counts.items() if n)
    stdout.print(f"[bold]{counts or 'no models'}[/]")
