"""``mlflow-upgrade guard``: parse arguments, call :func:`mlflow_upgrade.api.guard_sql`, print the SQL."""

from __future__ import annotations

import click

from mlflow_upgrade import api, errors
from mlflow_upgrade.cli.render import print_json
from mlflow_upgrade.upgrade.guard import DIALECTS


@click.command("guard")
@click.argument("uri", required=False)
@click.option("--role", required=True, help="Name of the role/account MLflow servers should log in as.")
@click.option("--dialect", type=click.Choice(DIALECTS),
              help="Render for this dialect instead of a URI's (then give --database).")
@click.option("--database", help="Database name (default: the URI's).")
@click.option("--schema", default="public", show_default=True, help="PostgreSQL schema holding MLflow's tables.")
@click.option("--owner", help="PostgreSQL role owning the tables and running upgrades (default: the URI's user).")
@click.option("--host", default="%", show_default=True, help="MySQL/MariaDB account host for the role.")
@click.option("--password", help="Password for the new role (default: the placeholder CHANGE-ME).")
@click.option("--auth", "auth", is_flag=True, help="The database is the basic-auth DB (alembic_version_auth).")
@click.option("--json", "as_json", is_flag=True, help="Print {dialect, role, sql} as JSON.")
def guard_command(uri: str | None, role: str, dialect: str | None, database: str | None, schema: str,
                  owner: str | None, host: str, password: str | None, auth: bool, as_json: bool) -> None:
    """Print least-privilege SQL so MLflow servers cannot migrate the database silently.

    The role gets SELECT/INSERT/UPDATE/DELETE on MLflow's tables and no DDL rights. MLflow >= 3 migrates an
    old database as soon as a server connects; with this role the first CREATE/ALTER fails and the server stops
    with that error, until the owner runs `mlflow-upgrade upgrade`. Nothing is executed: review the SQL and run
    it as the owner (psql -f / mysql <).
    """
    if not uri and not dialect:
        raise errors.UsageError("give a store URI or --dialect (with --database)")
    sql = api.guard_sql(uri or dialect, role, database=database, schema=schema, owner=owner, host=host,
                        password=password, auth=auth)
    if as_json:
        print_json({"dialect": dialect or uri.split(":", 1)[0], "role": role, "sql": sql})
    else:
        click.echo(sql, nl=False)
