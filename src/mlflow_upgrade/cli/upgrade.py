"""``mlflow-upgrade upgrade``: parse arguments, call :func:`mlflow_upgrade.api.upgrade`, render."""

from __future__ import annotations

import click

from mlflow_upgrade import api, errors
from mlflow_upgrade.cli.plan import render_plan
from mlflow_upgrade.cli.render import escape, exit_codes_help, print_warning, progress, show_report, stdout
from mlflow_upgrade.errors import ExitCode


@click.command("upgrade")
@exit_codes_help({ExitCode.OK: "upgraded and verified", ExitCode.TOO_NEW: "a newer database (refused, never downgraded)",
                 ExitCode.PREFLIGHT: "a preflight check refused", ExitCode.FAILED: "failed (the store was restored)",
                 ExitCode.REFUSED: "refused: --no-backup without --i-have-a-backup, or another upgrade of the "
                 "database is running",
                 ExitCode.READ_BACK_NOT_DONE: "upgraded, but the read-back through MLflow could not reach the "
                 "database (run `verify` later)",
                 ExitCode.INTERRUPTED: "interrupted (the message says what the store was restored to)"})
@click.argument("uri")
@click.option("--auth-uri", help="Also upgrade the basic-auth database at this URI (alembic_version_auth).")
@click.option("--auth", "auth", is_flag=True, help="URI itself is a basic-auth database, not a tracking store.")
@click.option("--backup-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Directory for the backup taken before migrating (default ./mlflow-upgrade-backups/).")
@click.option("--no-backup", is_flag=True,
              help="Skip the backup. Refused unless --i-have-a-backup is given too: a failure may then lose data.")
@click.option("--i-have-a-backup", "confirmed", is_flag=True, help="Confirm --no-backup (you made your own backup).")
@click.option("--no-verify", is_flag=True, help="Skip the fingerprint comparison of pre-existing data afterwards.")
@click.option("--allow-connections", is_flag=True,
              help="Proceed although other connections to the database are open (servers must tolerate it).")
@click.option("--allow-foreign-tables", is_flag=True,
              help="Proceed although another application's tables (Optuna, Airflow) share the database: both keep "
                   "their Alembic revision in alembic_version, so one of them breaks; separate them instead.")
@click.option("--keep-partial", is_flag=True,
              help="On a failure, keep the revisions that completed instead of restoring the backup (the store "
                   "is then at an intermediate revision no MLflow release has; run upgrade again to finish).")
@click.option("--dry-run", is_flag=True, help="Only plan and run the preflight; change nothing.")
@click.option("--no-progress", is_flag=True, help="No progress display (implied by --json).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def upgrade_command(uri: str, auth_uri: str | None, auth: bool, backup_dir: str | None, no_backup: bool,
                    confirmed: bool, no_verify: bool, allow_connections: bool, allow_foreign_tables: bool,
                    keep_partial: bool, dry_run: bool, no_progress: bool, as_json: bool) -> None:
    """Upgrade the MLflow database at URI to the installed MLflow, safely.

    Preflight (other connections, disk space, privileges, a foreign alembic_version, a half-applied revision,
    objects a pending revision creates that exist already, another application's tables, a database newer than
    the installed MLflow) for every database named, before any changes → backup → fingerprint → MLflow's own
    migrations one revision at a time → verify that pre-existing data is unchanged.

    One run per database at a time (a lock other runs see). Afterwards the database is at MLflow's head or
    exactly where it started: a failing revision, a lost connection, a restarted server, Ctrl-C or SIGTERM
    restore the backup (--keep-partial keeps the completed revisions instead). If the server stays away, the
    next run resumes or restores. Never downgrades. {exit_codes}
    """
    if no_backup and not confirmed:
        raise errors.Refused("--no-backup needs --i-have-a-backup: without a backup a failed migration on "
                             "SQLite/MySQL cannot be undone")
    if no_backup and not dry_run:
        print_warning("NO BACKUP will be taken (--no-backup): if a migration fails, the database may be left "
                      "half migrated with nothing to restore it from")
    with progress(not (no_progress or as_json)) as shown:
        report = api.upgrade(uri, backup_dir=backup_dir, no_backup=no_backup, auth_uri=auth_uri,
                             verify=not no_verify, progress=shown, allow_connections=allow_connections,
                             dry_run=dry_run, auth=auth, keep_partial=keep_partial,
                             allow_foreign_tables=allow_foreign_tables)
    show_report(report, as_json, render_report)
    for d in report.read_back_not_done:
        raise errors.ReadBackNotDone(f"{d.store} is upgraded to {d.to_revision}, but {d.read_back_not_done}")
    if dry_run:
        for d in report.databases:
            if d.preflight is not None:  # exit 5 for a too-new DB, 7 for other failures
                d.preflight.raise_for_failures(allow=frozenset(
                    name for name, on in (("connections", allow_connections),
                                          ("foreign_tables", allow_foreign_tables)) if on))


def render_report(report) -> None:
    for d in report.databases:
        if d.plan is not None:
            d.plan.preflight = d.preflight
            render_plan(d.plan)
            continue
        for w in d.warnings:
            print_warning(w)
        colour = "green" if d.status in ("upgraded", "up-to-date") else "red"
        stdout.print(f"[{colour}]{d.status}[/] {escape(d.message)}")
        if d.steps:
            slow = sorted(d.steps, key=lambda s: -s.seconds)[:3]
            stdout.print(f"  {len(d.steps)} revision(s) in {d.seconds:.1f} s; slowest: "
                         + ", ".join(f"{s.revision} {s.seconds:.1f} s" for s in slow))
        if d.verify and not d.verify.get("skipped"):
            stdout.print(f"  verify: {d.verify.get('rows', '?')} rows in {d.verify.get('tables', '?')} tables, "
                         f"{d.verify.get('difference_count', 0)} difference(s)")
