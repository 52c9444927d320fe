"""``mlflow-upgrade codemod check|diff|fix``: parse arguments, call :mod:`mlflow_upgrade.codemod`, render."""

from __future__ import annotations

import os
import sys

import click

from mlflow_upgrade import errors
from mlflow_upgrade.cli.render import exit_codes_help
from mlflow_upgrade.codemod import engine, output
from mlflow_upgrade.errors import ExitCode

_COMMON = [
    click.argument("paths", nargs=-1, required=True, type=click.Path(exists=False)),
    click.option("--from", "from_major", type=click.Choice(["1", "2"]), default=None,
                 help="Narrow the rules to code already running on this MLflow major version: 2 skips the "
                 "MLU1xx rules (APIs removed in 2.0). Default: every rule runs."),
    click.option("--to", "to_major", type=click.Choice(["3"]), default="3", show_default=True,
                 help="Target major version."),
    click.option("--select", metavar="CODES", help="Only these rules (comma-separated codes or prefixes)."),
    click.option("--ignore", metavar="CODES", help="Skip these rules (comma-separated codes or prefixes)."),
    click.option("--json", "as_json", is_flag=True, help="Print one JSON object."),
    click.option("--sarif", "as_sarif", is_flag=True, help="Print SARIF 2.1.0 (code scanning)."),
]


def _common(func):
    for decorator in reversed(_COMMON):
        func = decorator(func)
    return func


def _codes(value: str | None) -> list[str] | None:
    return [c.strip().upper() for c in value.split(",") if c.strip()] if value else None


def _run(mode: str, paths, from_major, to_major, select, ignore, as_json, as_sarif) -> None:
    if as_json and as_sarif:
        raise errors.UsageError("choose one of --json and --sarif")
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise errors.UsageError(f"no such file or directory: {missing[0]}")
    result = engine.run(list(paths), mode, from_major=int(from_major) if from_major else None, select=_codes(select),
                        ignore=_codes(ignore))
    if as_json:
        output.render_json(result, sys.stdout)
    elif as_sarif:
        output.render_sarif(result, sys.stdout)
    else:
        output.render_text(result, sys.stdout, sys.stderr)
    sys.stdout.flush()
    if result.exit_code:
        raise errors.Findings("")  # the output above lists them


@click.group("codemod")
@exit_codes_help({
    ExitCode.OK: "nothing to do",
    ExitCode.FINDINGS: "findings (check), changes (diff) or findings left (fix)",
    ExitCode.USAGE: "usage",
}, lead="Exit codes (as ruff)")
def codemod_group() -> None:
    """Rewrite Python code, notebooks and config from MLflow 1.x/2.x to 3.x.

    {exit_codes}
    Rules: docs/codemod.md.
    """


@codemod_group.command("check")
@_common
def check_command(**kwargs) -> None:
    """Report findings; change nothing."""
    _run("check", **kwargs)


@codemod_group.command("diff")
@_common
def diff_command(**kwargs) -> None:
    """Show the unified diff `fix` would apply; change nothing."""
    _run("diff", **kwargs)


@codemod_group.command("fix")
@_common
def fix_command(**kwargs) -> None:
    """Apply the safe fixes in place and report what is left."""
    _run("fix", **kwargs)
