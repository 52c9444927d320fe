"""``mlflow-upgrade report``: parse arguments, call :func:`mlflow_upgrade.api.report`, say where it wrote."""

from __future__ import annotations

import click

from mlflow_upgrade import api
from mlflow_upgrade.cli.render import escape, print_json, progress, stdout
from mlflow_upgrade.cli.result_files import INPUT_OPTIONS, load_inputs


@click.command("report")
@click.argument("uri")
@click.option("-o", "--out", default="report.html", show_default=True, type=click.Path(dir_okay=False),
              help="The HTML file; the same data is written as JSON beside it (.json).")
@click.option("--auth-uri", help="Also cover the basic-auth database at this URI.")
@click.option("--server", "servers", multiple=True, metavar="URL", help="An MLflow server of this store (repeatable).")
@click.option("--code", "code_paths", multiple=True, metavar="PATH",
              help="Client code to scan with `codemod check` (repeatable).")
@INPUT_OPTIONS
@click.option("--clients", "client_paths", multiple=True, metavar="PATH",
              help="Judge the MLflow pins under PATH with `compat` now (repeatable) instead of --compat-json.")
@click.option("--models", "run_models", is_flag=True,
              help="Run the model inventory (`models`) now instead of --models-json.")
@click.option("--diffcheck", "run_diffcheck", is_flag=True,
              help="Run `diffcheck` now (old and new servers on a copy; minutes) instead of --diffcheck-json.")
@click.option("--json", "as_json", is_flag=True, help="Print where the files went as JSON.")
def report_command(uri: str, out: str, auth_uri: str | None, servers: tuple[str, ...], code_paths: tuple[str, ...],
                   compat_json: str | None, models_json: str | None, diffcheck_json: str | None,
                   client_paths: tuple[str, ...], run_models: bool, run_diffcheck: bool, as_json: bool) -> None:
    """One self-contained HTML report of the upgrade (and its data as JSON).

    The store, the plan with its risk classes, preflight, compat verdicts, model inventory, codemod findings
    for --code paths, diffcheck results and the runbook; results not given are shown as not run. The page
    works offline (inline CSS/JS, no network), sections collapse, tables sort, charts are inline SVG.
    """
    inputs = load_inputs(compat_json, models_json, diffcheck_json)
    if client_paths:
        inputs["compat"] = api.compat(client_paths, server=servers[0] if servers else None)
    if run_models:
        inputs["models"] = api.models(uri, server=servers[0] if servers else None)
    if run_diffcheck:
        with progress(not as_json) as shown:
            inputs["diffcheck"] = api.diffcheck(uri, progress=shown)
    files = api.report(uri, out, auth_uri=auth_uri, servers=servers, code_paths=code_paths, **inputs)
    if as_json:
        print_json(files)
        return
    stdout.print(f"wrote [bold]{escape(str(files.html))}[/] and {escape(str(files.json))}")
    if files.data["not_run"]:
        stdout.print(f"  not run: {', '.join(files.data['not_run'])}")
