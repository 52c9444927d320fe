"""``guard``: least-privilege SQL so that MLflow servers cannot migrate a database by themselves.

MLflow ≥ 3 migrates an out-of-date database the moment a tracking server (or any client using the SQL store)
connects: ``SqlAlchemyStore.__init__`` finds tables missing and runs every pending migration, silently. A server
that logs in as a role with only SELECT/INSERT/UPDATE/DELETE on MLflow's tables, and no right to CREATE in the
schema or to ALTER tables it does not own, cannot do that: the first ``CREATE TABLE``/``ALTER TABLE`` of the
migration fails with "permission denied" / "must be owner" (PostgreSQL, rolled back as a whole) or "CREATE/ALTER
command denied" (MySQL/MariaDB, before anything changed), and the server refuses to start with that error instead.
The owner then migrates deliberately with ``mlflow-upgrade upgrade``.

:func:`guard_sql` only renders SQL; it never connects.
"""

from __future__ import annotations

import re

from mlflow_upgrade import errors
from mlflow_upgrade.store.schema import AUTH, TRACKING, VERSION_TABLE
from mlflow_upgrade.store.uri import parse_store_uri

DIALECTS = ("postgresql", "mysql")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$-]*$")


def guard_sql(
    uri_or_dialect: str,
    role: str,
    *,
    database: str | None = None,
    schema: str = "public",
    owner: str | None = None,
    host: str = "%",
    password: str | None = None,
    auth: bool = False,
) -> str:
    """SQL (for the database owner or an admin to run) creating ``role`` with DML rights only.

    ``uri_or_dialect``: a store URI (database and owner are taken from it; its password is never used) or
    "postgresql" / "mysql" (then give ``database``). ``password``: the role's password; default a placeholder
    to replace. ``owner``: the role that owns MLflow's tables and runs upgrades (PostgreSQL default privileges;
    default the URI's user). ``host``: MySQL account host. ``auth``: the basic-auth database (same rules).
    """
    dialect, database, owner = _resolve(uri_or_dialect, database, owner)
    _check_ident(role, "role")
    if database is None:
        raise errors.UsageError("give the database name (--database) or a store URI that names one")
    secret = password if password is not None else "CHANGE-ME"
    what = "basic-auth" if auth else "tracking"
    if dialect == "postgresql":
        return _postgres(role, database, schema, owner, secret, what)
    return _mysql(role, database, host, secret, what)


def _resolve(uri_or_dialect: str, database: str | None, owner: str | None) -> tuple[str, str | None, str | None]:
    text = uri_or_dialect.strip()
    aliases = {"postgres": "postgresql", "postgresql": "postgresql", "pg": "postgresql", "mysql": "mysql",
               "mariadb": "mysql"}
    if text.lower() in aliases:
        return aliases[text.lower()], database, owner
    ref = parse_store_uri(text)
    if ref.kind not in DIALECTS:
        raise errors.UsageError(
            f"guard SQL exists for PostgreSQL and MySQL/MariaDB, not {ref.kind}: a SQLite file is guarded by file "
            "permissions (make it read-only for the server's OS user only while you upgrade)"
        )
    assert ref.url is not None
    return ref.kind, database or ref.url.database, owner or ref.url.username


def _check_ident(name: str, what: str) -> None:
    if not _IDENT.match(name):
        raise errors.UsageError(f"{what} name {name!r} must be a plain identifier (letters, digits, _)")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _postgres(role: str, database: str, schema: str, owner: str | None, secret: str, what: str) -> str:
    q = lambda n: '"' + n.replace('"', '""') + '"'  # noqa: E731
    r, db, s = q(role), q(database), q(schema)
    lines = [
        f"-- Least-privilege role for MLflow servers on the {what} database {database} (PostgreSQL).",
        "-- Run as the owner of MLflow's tables (or a superuser). Servers log in as this role; only the owner",
        "-- migrates (mlflow-upgrade upgrade). A newer MLflow server then fails at startup with",
        "-- 'permission denied for schema' / 'must be owner of table' instead of migrating silently.",
        f"CREATE ROLE {r} LOGIN PASSWORD {_literal(secret)};",
        f"GRANT CONNECT ON DATABASE {db} TO {r};",
        "-- PostgreSQL < 15 lets every role CREATE in schema public: take that away.",
        f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC;",
        f"REVOKE CREATE, TEMPORARY ON DATABASE {db} FROM {r};",
        f"GRANT USAGE ON SCHEMA {s} TO {r};",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r};",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {s} TO {r};",
        "-- The schema revision is read, never written, by servers.",
        f"REVOKE INSERT, UPDATE, DELETE ON {s}.{q(VERSION_TABLE[TRACKING if what == 'tracking' else AUTH])}"
        f" FROM {r};",
    ]
    owner_clause = f"FOR ROLE {q(owner)} " if owner else ""
    lines += [
        "-- Tables and sequences that later upgrades create (run by the owner) get the same DML rights.",
        f"ALTER DEFAULT PRIVILEGES {owner_clause}IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r};",
        f"ALTER DEFAULT PRIVILEGES {owner_clause}IN SCHEMA {s} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {r};",
    ]
    return "\n".join(lines) + "\n"


def _mysql(role: str, database: str, host: str, secret: str, what: str) -> str:
    account = f"{_literal(role)}@{_literal(host)}"
    db = "`" + database.replace("`", "``") + "`"
    lines = [
        f"-- Least-privilege account for MLflow servers on the {what} database {database} (MySQL/MariaDB).",
        "-- Run as an admin. Servers log in as this account; only the owner migrates (mlflow-upgrade upgrade).",
        "-- No CREATE, ALTER, DROP, INDEX or REFERENCES: a newer MLflow server fails at startup with",
        "-- 'CREATE command denied' / 'ALTER command denied' before changing anything, instead of migrating.",
        f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY {_literal(secret)};",
        f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {account};",
        "-- Database-level DML rights also cover tables that later upgrades create.",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {db}.* TO {account};",
        "FLUSH PRIVILEGES;",
    ]
    return "\n".join(lines) + "\n"
