"""Preflight: data a pending migration refuses because it compares text case-sensitively from then on.

MLflow 3.18.0's `f4a9b2c7d1e6` rebuilds the MCP server version keys with a case-sensitive collation on
MySQL/MariaDB (`utf8mb4_bin`) and SQL Server. Before changing anything it looks for a reference (a version tag,
an alias, an access endpoint) that matched its server version only because the old collation ignores case,
and raises. By then the revisions before it in the same upgrade have run, and MySQL commits DDL at once: the
store is left half-way between releases. This check runs the same query before anything runs.
On SQLite and PostgreSQL the revision does nothing (their comparisons are already case-sensitive).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlflow_upgrade import catalog
from mlflow_upgrade.dialects import dialect_for
from mlflow_upgrade.upgrade.preflight.base import FAIL, OK, Check, Context, register

NAME = "case_only_versions"


@dataclass(frozen=True)
class CaseRule:
    revision: str
    parent: tuple[str, str]  # (table, version column) referenced
    references: tuple[tuple[str, str, str], ...]  # (table, server-name column, version column)
    fix: str


RULES = (
    CaseRule(
        revision="f4a9b2c7d1e6",
        parent=("mcp_server_versions", "version"),
        references=(
            ("mcp_server_version_tags", "name", "version"),
            ("mcp_server_aliases", "name", "version"),
            ("mcp_access_endpoints", "server_name", "server_version"),
        ),
        fix="change each reference to the exact stored version text",
    ),
)


@dataclass(frozen=True)
class Conflict:
    rule: CaseRule
    table: str
    column: str
    count: int
    example: tuple[str, str, str, str]  # workspace, server, referenced text, stored version

    @property
    def message(self) -> str:
        workspace, server, reference, stored = self.example
        release = catalog.load_catalog().revision("tracking", self.rule.revision)
        shipped = f" (MLflow {release.introduced_in})" if release and release.introduced_in else ""
        more = f" and {self.count - 1} more row(s)" if self.count > 1 else ""
        return (
            f"pending revision {self.rule.revision}{shipped} compares MCP server versions case-sensitively and "
            f"refuses this store: {self.table}.{self.column} holds {reference!r} for server {server!r} in workspace "
            f"{workspace!r} where the stored version is {stored!r}{more}; {self.rule.fix}, then upgrade again "
            "(nothing has been changed)"
        )


def pending_rules(db: str, current: str | None) -> list[CaseRule]:
    """The rules whose revision the installed MLflow will run from `current`."""
    if db != "tracking":
        return []
    pending = catalog.revisions_after(db, current)
    if pending is None:  # a revision the installed MLflow does not know: judge every rule
        pending = catalog.installed_revisions(db)
    return [rule for rule in RULES if rule.revision in pending]


def find_conflicts(conn: Connection, dialect: str, db: str, current: str | None) -> list[Conflict]:
    """Every reference the pending case-sensitive rebuilds would refuse, one `Conflict` per column."""
    found = []
    tables = set(sa.inspect(conn).get_table_names())
    for rule in pending_rules(db, current):
        collation = dialect_for(dialect).case_sensitive_collation  # what the revision compares with
        if collation is None or rule.parent[0] not in tables:
            continue  # a no-op on this dialect, or the tables come with the upgrade (empty)
        for table, name_column, version_column in rule.references:
            if table in tables:
                conflict = _conflict(conn, rule, collation, table, name_column, version_column)
                if conflict is not None:
                    found.append(conflict)
    return found


def _conflict(conn: Connection, rule: CaseRule, collation: str, table: str, name_column: str,
              version_column: str) -> Conflict | None:
    """MLflow's own query: join with the current collation, compare with the new one."""
    parent, parent_column = rule.parent
    versions = sa.table(parent, sa.column("workspace"), sa.column("name"), sa.column(parent_column))
    refs = sa.table(table, sa.column("workspace"), sa.column(name_column), sa.column(version_column))
    join = refs.join(
        versions,
        sa.and_(
            refs.c.workspace == versions.c.workspace,
            refs.c[name_column] == versions.c.name,
            refs.c[version_column] == versions.c[parent_column],
        ),
    )
    differs = refs.c[version_column].collate(collation) != versions.c[parent_column].collate(collation)
    columns = (refs.c.workspace, refs.c[name_column], refs.c[version_column], versions.c[parent_column])
    first = conn.execute(sa.select(*columns).select_from(join).where(differs).limit(1)).first()
    if first is None:
        return None
    count = conn.execute(sa.select(sa.func.count()).select_from(join).where(differs)).scalar_one()
    return Conflict(rule, table, version_column, int(count), tuple(str(v) for v in first))


@register(NAME,
          how="a pending revision that starts comparing text case-sensitively would refuse the data part way "
              "(MLflow 3.18.0's `f4a9b2c7d1e6` on MySQL/MariaDB: an MCP version tag, alias or access endpoint whose "
              "version differs from the stored version only in case); MLflow's own query, run before anything "
              "changes. A no-op on SQLite and PostgreSQL")
def check_case_only_versions(ctx: Context) -> Check:
    """Fails when a pending revision would refuse the data part way through the upgrade."""
    conflicts = find_conflicts(ctx.conn, ctx.ref.kind, ctx.db, ctx.current)
    if conflicts:
        return Check(NAME, FAIL, conflicts[0].message, details={
            "conflicts": [{"table": c.table, "column": c.column, "rows": c.count, "revision": c.rule.revision}
                          for c in conflicts]})
    rules = pending_rules(ctx.db, ctx.current)
    if not rules:
        return Check(NAME, OK, "no pending revision starts comparing text case-sensitively")
    revisions = ", ".join(r.revision for r in rules)
    return Check(NAME, OK, f"pending {revisions}: no reference differs from its version only in case")
