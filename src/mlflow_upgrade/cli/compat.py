"""``mlflow-upgrade compat``: verdicts for every client/server pair before and after the upgrade."""

from __future__ import annotations

import json
import sys

import click
from rich.table import Table

from mlflow_upgrade import __version__, api, errors
from mlflow_upgrade.cli.render import escape, exit_codes_help, print_json, progress, stdout
from mlflow_upgrade.errors import ExitCode

COLOR = {"SAFE": "green", "CAUTION": "yellow", "BREAKING": "red"}


@click.command("compat")
@exit_codes_help({ExitCode.OK: "all SAFE", ExitCode.FINDINGS: "CAUTION or a pin that blocks the target",
                 ExitCode.BREAKING: "BREAKING after the upgrade"})
@click.argument("paths", nargs=-1, type=click.Path(exists=False))
@click.option("--server-version", metavar="VERSION", help="The tracking server's MLflow release now.")
@click.option("--server", "server_url", metavar="URL", help=(
    "Probe the tracking server for its release (/version; route probes for < 2.1.0). Basic auth: "
    "MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD."))
@click.option("--target", metavar="VERSION", help="The release the server is upgraded to (default: the installed "
              "MLflow).")
@click.option("--client", "clients", metavar="VERSION", multiple=True, help="A client release to judge "
              "(repeatable); PATHS are also scanned for pins in requirements, pyproject, lock and conda files.")
@click.option("--fix", is_flag=True, help="Rewrite the pins that block the target in place (only the specifier).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--sarif", "as_sarif", is_flag=True, help="Print SARIF 2.1.0 (code scanning).")
def compat_command(paths, server_version, server_url, target, clients, fix, as_json, as_sarif) -> None:
    """Will every client still work with the server, now and after the upgrade?

    For each client (--client, or pins found under PATHS) against the server now and the target: SAFE, CAUTION or
    BREAKING with the feature that breaks, from the route table generated from MLflow's wheels (docs/compat.md).

    {exit_codes}
    """
    if as_json and as_sarif:
        raise errors.UsageError("choose one of --json and --sarif")
    with progress(enabled=not (as_json or as_sarif) and sys.stderr.isatty()) as bar:
        report = api.compat(paths, server_version=server_version, server=server_url, target=target,
                            clients=clients, fix=fix, progress=bar)
    if as_json:
        print_json(report)
    elif as_sarif:
        sys.stdout.write(json.dumps(sarif(report), indent=2) + "\n")
    else:
        _render(report)
    if report.exit_code:
        raise errors.MlflowUpgradeError("", exit_code=report.exit_code)


def _cell(verdict) -> str:
    if verdict is None:
        return "-"
    return f"[{COLOR[verdict.level.name]}]{verdict.level.name}[/]"


def _render(report) -> None:
    now = f"server {report.server} ({report.server_source})" if report.server else "server now: not given"
    stdout.print(f"[bold]compat[/] {escape(now)} -> target {report.target}")
    table = Table(show_edge=False)
    for column in ("client", "spec", "judged", "now", "after"):
        table.add_column(column, overflow="fold")
    for client in report.clients:
        table.add_row(escape(client.source), escape(f"{client.package}{client.spec}"), ", ".join(client.releases),
                      _cell(client.before), _cell(client.after))
    stdout.print(table)
    for client in report.clients:
        # after the upgrade: every reason; now: only what fails today (not fallbacks or the version rule's warning)
        for when, verdict, all_reasons in (("now", client.before, False), ("after", client.after, True)):
            reasons = [r for r in verdict.reasons if all_reasons or not r.works] if verdict else []
            if not reasons:
                continue
            stdout.print(f"{escape(client.source)} {when} ({verdict.client} -> {verdict.server}):")
            for reason in reasons:
                stdout.print(f"  [{COLOR[reason.level.name]}]{reason.level.name}[/] {escape(reason.message)}")
    for pin in report.pins:
        if not pin.blocks_target:
            continue
        if pin.path in report.fixed_files:
            stdout.print(f"fixed {escape(pin.location)}: `{escape(pin.package)}` now `{escape(pin.fix or '')}`")
        elif pin.fix:
            stdout.print(f"{escape(pin.location)}: `{escape(pin.package + pin.spec)}` blocks MLflow {report.target}: "
                         f"change it to `{escape(pin.package + pin.fix)}` (or run with --fix)")
        else:
            how = "regenerate the lock after raising the pin" if pin.locked else "edit it by hand"
            stdout.print(f"{escape(pin.location)}: `{escape(pin.package + pin.spec)}` blocks MLflow {report.target}: "
                         f"{how}")
    for note in report.notes:
        stdout.print(f"note: {escape(note)}")
    stdout.print(f"verdict: [{COLOR[report.level.name]}]{report.level.name}[/]")


RULES = [
    ("MLC001", "breaking", "A client's feature fails against the upgraded server"),
    ("MLC002", "caution", "A client's feature is unavailable or degraded against the upgraded server"),
    ("MLC003", "pin-blocks-target", "A requirement pin excludes the target MLflow release"),
]


def sarif(report) -> dict:
    results = []
    for client in report.clients:
        if client.after.level.name == "SAFE":
            continue
        rule = 0 if client.after.level.name == "BREAKING" else 1
        results.append(_result(rule, "error" if rule == 0 else "warning",
                               f"{client.source}: {client.package}{client.spec} -> {report.target}: "
                               f"{client.after.level.name}: {client.after.summary()}", client.pin))
    for pin in report.blocking_pins:
        fix = f"; change it to `{pin.package}{pin.fix}`" if pin.fix else ""
        results.append(_result(2, "warning", f"`{pin.package}{pin.spec}` excludes MLflow {report.target}{fix}", pin))
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "mlflow-upgrade compat", "version": __version__,
                                "informationUri": "docs/compat.md",
                                "rules": [{"id": code, "name": name, "shortDescription": {"text": text}}
                                          for code, name, text in RULES]}},
            "results": results,
        }],
    }


def _result(rule: int, level: str, text: str, pin) -> dict:
    result = {"ruleId": RULES[rule][0], "ruleIndex": rule, "level": level, "message": {"text": text}}
    if pin is not None:
        result["locations"] = [{"physicalLocation": {
            "artifactLocation": {"uri": pin.path.replace("\\", "/")},
            "region": {"startLine": pin.line, "startColumn": pin.col}}}]
    return result
