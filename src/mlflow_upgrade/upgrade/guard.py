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
from mlflow_upgrade.dialects import Dialect, by_name, get_dialect, supported
from mlflow_upgrade.store.schema import AUTH, TRACKING, VERSION_TABLE
from mlflow_upgrade.store.uri import parse_store_uri

# The dialects that render guard SQL (a SQLite file is guarded by file permissions).
DIALECTS = tuple(n for n in supported() if type(get_dialect(n)).guard_sql is not Dialect.guard_sql)
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
    sql = get_dialect(dialect).guard_sql(
        role, database, schema=schema, owner=owner, host=host, secret=secret,
        what="basic-auth" if auth else "tracking", version_table=VERSION_TABLE[AUTH if auth else TRACKING],
    )
    assert sql is not None  # _resolve accepts only DIALECTS
    return sql


def _resolve(uri_or_dialect: str, database: str | None, owner: str | None) -> tuple[str, str | None, str | None]:
    text = uri_or_dialect.strip()
    named = by_name(text)
    if named is not None and named.name in DIALECTS:
        return named.name, database, owner
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
