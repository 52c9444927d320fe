"""Command line: a thin click layer. Each verb lives in ``mlflow_upgrade.cli.<verb>``, parses its
arguments, calls the library function of the same name in :mod:`mlflow_upgrade.api` and renders the result.

Verbs are imported lazily so ``mlflow-upgrade --help`` and quick commands do not pay for importing MLflow.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
from typing import NoReturn

import click

from mlflow_upgrade import __version__, errors
from mlflow_upgrade.cli.render import MaskingFilter, print_error

# verb -> (module under mlflow_upgrade.cli, attribute, one-line help). The one place verbs are registered.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "inspect": ("inspect", "inspect_command", "Report a tracking store's schema, versions, counts (read-only)."),
    "plan": ("plan", "plan_command", "List the pending migrations with their facts, SQL and preflight."),
    "backup": ("backup", "backup_command", "Back up a tracking or auth database, with a checksummed manifest."),
    "restore": ("backup", "restore_command", "Restore a backup made by `mlflow-upgrade backup`."),
    "upgrade": ("upgrade", "upgrade_command", "Preflight, back up, migrate step by step, verify."),
    "verify": ("verify", "verify_command", "Prove pre-existing data survived an upgrade unchanged."),
    "guard": ("guard", "guard_command", "Least-privilege SQL that stops servers from migrating a DB silently."),
    "migrate-filestore": ("filestore", "migrate_filestore_command", "Copy a file store (./mlruns) into SQL."),
    "migrate-db": ("migrate_db", "migrate_db_command", "Copy a tracking store (and auth DB) to another database."),
    "codemod": ("codemod", "codemod_group", "Rewrite Python code and notebooks from MLflow 1.x/2.x to 3.x."),
    "compat": ("compat", "compat_command", "Verdicts for every client/server pair before and after the upgrade."),
    "models": ("models", "models_command", "Inventory of logged and registered models: will each load on the target?"),
    "diffcheck": ("diffcheck", "diffcheck_command", "Old and new MLflow servers side by side on a copy: differences."),
    "runbook": ("runbook", "runbook_command", "The ordered upgrade steps for this deployment, as commands."),
    "report": ("report", "report_command", "One self-contained HTML report (and JSON) of the whole upgrade."),
}


class LazyGroup(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except errors.MlflowUpgradeError as exc:
            _exit_for(exc)  # here, not only in main(): click's test runner sees the same exit

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if _module_exists(COMMANDS[name][0])]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS or not _module_exists(COMMANDS[cmd_name][0]):
            return None
        module_name, attribute, _ = COMMANDS[cmd_name]
        module = importlib.import_module(f"mlflow_upgrade.cli.{module_name}")
        return getattr(module, attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help from the table above: listing verbs must not import every command module.
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if not rows:
            return
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _module_exists(module_name: str) -> bool:
    return importlib.util.find_spec(f"mlflow_upgrade.cli.{module_name}") is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
             help=f"Safe upgrades for self-hosted MLflow.\n\nExit codes: {errors.exit_codes_help()}.")
@click.version_option(__version__, prog_name="mlflow-upgrade")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def cli(verbose: int) -> None:
    _configure_logging(verbose)


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(MaskingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # MLflow and Alembic log every step at INFO; keep them quiet unless asked.
    for noisy in ("alembic", "mlflow"):
        logging.getLogger(noisy).setLevel(level if verbose >= 2 else logging.WARNING)


def _exit_for(exc: errors.MlflowUpgradeError) -> NoReturn:
    """The one masked line (none for an empty Findings: the verb's output listed them) and the exit code.
    SystemExit passes click's main() unchanged, whether it runs standalone or not."""
    if exc.message:
        print_error(exc.message)
    sys.exit(exc.exit_code)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="mlflow-upgrade", standalone_mode=False)
    except errors.MlflowUpgradeError as exc:
        _exit_for(exc)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(errors.ExitCode.USAGE)
    except click.exceptions.Abort:
        print_error("aborted")
        sys.exit(errors.ExitCode.INTERRUPTED)
    except KeyboardInterrupt:
        print_error("interrupted")
        sys.exit(errors.ExitCode.INTERRUPTED)
    except Exception as exc:  # an unexpected failure still gets one masked line; traceback on request
        if os.environ.get("MLFLOW_UPGRADE_DEBUG"):
            raise
        first_line = (str(exc).strip().splitlines() or [""])[0]  # drivers append multi-line context
        print_error(f"unexpected error: {type(exc).__name__}: {first_line} (set MLFLOW_UPGRADE_DEBUG=1 for a "
                    "traceback)")
        sys.exit(errors.ExitCode.FAILED)
    sys.exit(errors.ExitCode.OK)


if __name__ == "__main__":
    main()
