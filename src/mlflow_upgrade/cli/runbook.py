"""``mlflow-upgrade runbook``: parse arguments, call :func:`mlflow_upgrade.api.runbook`, print it."""

from __future__ import annotations

import click

from mlflow_upgrade import api
from mlflow_upgrade.cli.render import print_json
from mlflow_upgrade.cli.result_files import INPUT_OPTIONS, load_inputs


@click.command("runbook")
@click.argument("uri")
@click.option("--server", "servers", multiple=True, metavar="URL",
              help="An MLflow server using this store (repeatable): its version is read from /version.")
@click.option("--clients", "clients", multiple=True, metavar="PATH",
              help="Client code (repeatable): its MLflow pins are judged by `compat` (unless --compat-json is "
                   "given) and the runbook tells to run `codemod check` on it.")
@click.option("--models", "run_models", is_flag=True,
              help="Run the model inventory (`models`) now instead of --models-json.")
@click.option("--auth-uri", help="The basic-auth database: backed up, upgraded and restored with the store.")
@click.option("--backup-dir", default="mlflow-upgrade-backups", show_default=True, metavar="DIR",
              help="Where the runbook's backup commands write.")
@INPUT_OPTIONS
@click.option("--json", "as_json", is_flag=True, help="Print the runbook as JSON instead of Markdown.")
def runbook_command(uri: str, servers: tuple[str, ...], clients: tuple[str, ...], auth_uri: str | None,
                    run_models: bool, backup_dir: str, compat_json: str | None, models_json: str | None,
                    diffcheck_json: str | None, as_json: bool) -> None:
    """The ordered upgrade steps for this deployment, as commands (Markdown).

    Rolling upgrade or stop-the-world (from the plan's rolling-safe facts), clients to upgrade first, backup and
    upgrade commands with this store's URIs (passwords masked), verify, the exact rollback (restore command and
    the release to pin back to), and the expected downtime from the plan's estimate. Results of `compat`,
    `models` and `diffcheck` (their --json output) are used when given, else shown as not run.
    """
    inputs = load_inputs(compat_json, models_json, diffcheck_json)
    if run_models:
        inputs["models"] = api.models(uri, server=servers[0] if servers else None)
    book = api.runbook(uri, servers=servers, clients=clients, auth_uri=auth_uri, backup_dir=backup_dir, **inputs)
    if as_json:
        print_json(book)
    else:
        click.echo(book.to_markdown(), nl=False)
