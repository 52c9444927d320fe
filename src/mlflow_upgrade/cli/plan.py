"""``mlflow-upgrade plan``: parse arguments, call :func:`mlflow_upgrade.api.plan`, render."""

from __future__ import annotations

import click
from rich.table import Table
from rich.text import Text

from mlflow_upgrade import api, errors
from mlflow_upgrade.cli.render import escape, print_json, stdout
from mlflow_upgrade.upgrade.estimate import human

_STATUS_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red"}


@click.command("plan")
@click.argument("uri")
@click.option("--auth", "auth", is_flag=True, help="URI is a basic-auth database (alembic_version_auth), not tracking.")
@click.option("--auth-uri", help="Also plan the basic-auth database at this URI.")
@click.option("--check", is_flag=True, help="Also run the preflight checks (read-only); exit 7 if one fails.")
@click.option("--sql/--no-sql", "with_sql", default=True, show_default=True,
              help="Render each revision's SQL with Alembic's offline mode for the store's dialect.")
@click.option("--show-sql", is_flag=True, help="Print the rendered SQL of every revision (long).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (SQL included unless --no-sql).")
def plan_command(uri: str, auth: bool, auth_uri: str | None, check: bool, with_sql: bool, show_sql: bool,
                 as_json: bool) -> None:
    """List the migrations `upgrade` would run on URI, without changing anything.

    For each pending revision: the MLflow release that introduced it, what it does, its class (additive,
    rewrite, data backfill, destructive), whether it runs in one transaction on this dialect, whether servers
    of the old release keep working after it (rolling-safe), an estimated time from the store's row counts,
    and its SQL where Alembic's offline mode can render it (else why not). With --check, also the preflight.
    """
    result = api.plan(uri, auth=auth, check=check, with_sql=with_sql or show_sql, auth_uri=auth_uri)
    if as_json:
        print_json(result)
    else:
        for p in (result, result.auth):
            if p is not None:
                render_plan(p, show_sql=show_sql)
    failed = [p.preflight for p in (result, result.auth) if p is not None and p.preflight is not None
              and not p.preflight.ok]
    if failed:
        raise errors.PreflightFailed(
            f"preflight failed for {failed[0].store}: " + "; ".join(c.name for c in failed[0].failures)
        )


def render_plan(p, *, show_sql: bool = False) -> None:
    what = "basic-auth database" if p.db == "auth" else "tracking store"
    stdout.print(f"[bold]{escape(p.store)}[/]  {what} ({p.dialect})")
    stdout.print(f"  revision {p.current_revision or '-'}"
                 + (f" (MLflow {p.written_by})" if p.written_by else "")
                 + f" → {p.target_revision} (installed MLflow {p.installed_mlflow})")
    if p.up_to_date:
        stdout.print("  [green]up to date:[/] nothing to migrate")
    else:
        rows = [
            (
                str(r.index), r.revision, r.introduced_in or "?", r.classification or "?",
                "yes" if r.transactional else "[yellow]no[/]",
                "yes" if r.rolling_safe else ("[red]no[/]" if r.rolling_safe is False else "?"),
                human(r.estimate_seconds),
                "yes" if r.sql else ("-" if r.sql_error is None else "[yellow]n/a[/]"),
                escape(r.message[:60]),
            )
            for r in p.revisions
        ]
        table = Table(box=None, pad_edge=False, show_edge=False)
        # Facts columns never shrink (a truncated revision id is useless); only the description gives way.
        for i, col in enumerate(("#", "revision", "release", "class", "1 txn", "rolling", "est.", "SQL")):
            width = max(len(col), *(len(Text.from_markup(row[i]).plain) for row in rows))
            table.add_column(col, no_wrap=True, min_width=width)
        table.add_column("what it does", no_wrap=True, overflow="ellipsis", max_width=60)
        for row in rows:
            table.add_row(*row)
        stdout.print(table)
        stdout.print(f"  {len(p.revisions)} revision(s), estimated {human(p.estimate_seconds)} in total; "
                     + ("rolling-safe: old servers keep working" if p.rolling_safe else
                        "[red]not rolling-safe:[/] stop all servers of the old release first"))
        for r in p.revisions:
            if r.sql_error:
                stdout.print(f"  [dim]{r.revision}: no offline SQL: {escape(r.sql_error)}[/]")
            if show_sql and r.sql:
                stdout.print(f"[bold]-- {r.index}. {r.revision} {escape(r.message)}[/]")
                stdout.print(escape(r.sql.strip()))
    for note in p.notes:
        stdout.print(f"  [yellow]note:[/] {escape(note)}")
    if p.preflight is not None:
        render_preflight(p.preflight)


def render_preflight(report) -> None:
    stdout.print("  [bold]preflight[/]")
    for c in report.checks:
        style = _STATUS_STYLE.get(c.status, "")
        stdout.print(f"    [{style}]{c.status:4}[/] {c.name:16} {escape(c.message)}")
