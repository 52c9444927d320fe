"""The store a user named: :class:`StoreRef`, and the one-line errors its driver failures become.

Below :mod:`mlflow_upgrade.store.uri` (which parses URIs, asking the dialects) and the dialects (which take a
StoreRef), so both can use it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from mlflow_upgrade import errors
from mlflow_upgrade.store.masking import mask_one_uri, mask_uri


@dataclass(frozen=True)
class StoreRef:
    """A tracking store named by the user: a SQL database or a file-store directory."""

    kind: str  # "sqlite", "postgresql", "mysql", "mssql" or "file"
    uri: str  # as given (may hold a password: never print it)
    path: Path | None = None  # sqlite database file or file-store root
    url: URL | None = None  # SQLAlchemy URL with the driver resolved (SQL stores only)

    @property
    def masked(self) -> str:
        return mask_one_uri(self.uri)

    @property
    def password(self) -> str | None:
        """The password the driver will use: the URI's userinfo, else a ``password``/``passwd`` parameter."""
        if self.url is None:
            return None
        if self.url.password:
            return str(self.url.password)
        for key in ("password", "passwd"):
            value = self.url.query.get(key)
            if value:
                return value if isinstance(value, str) else value[-1]
        return None

    @property
    def is_sql(self) -> bool:
        return self.url is not None  # the parser gives every SQL store a URL, a file store none

    @property
    def database_name(self) -> str | None:
        return self.url.database if self.url is not None else None

    @property
    def database_file(self) -> Path | None:
        """The database file of a SQLite store (None for a server database or a file store)."""
        return self.path if self.is_sql else None  # a server database has no path

    @property
    def short_name(self) -> str:
        """A label for folder names: the SQLite file's stem, else the database name ("db" without one)."""
        return self.database_file.stem if self.database_file is not None else (self.database_name or "db")

    def __str__(self) -> str:  # never leak the password through formatting
        return self.masked

    def __repr__(self) -> str:
        return f"StoreRef(kind={self.kind!r}, uri={self.masked!r})"


def translate_db_error(ref: StoreRef, exc: BaseException) -> errors.MlflowUpgradeError:
    """Map a driver exception to a one-line error with the right exit code (password masked)."""
    text = mask_uri(str(getattr(exc, "orig", None) or exc)).strip().splitlines()[0] if str(exc) else repr(exc)
    low = text.lower()
    where = ref.masked
    if isinstance(exc, sqlite3.DatabaseError) or "file is not a database" in low:
        return errors.NotAnMlflowStore(f"{ref.path} is not a SQLite database ({text})")
    if "access denied for user" in low and "to database" in low:  # MySQL 1044: a database this user cannot see
        user = ref.url.username if ref.url is not None else None
        return errors.StoreNotFound(
            f"database '{ref.database_name}' does not exist on the server of {where}, or user '{user}' may not "
            "see it: check the name, or GRANT the user access to it"
        )
    if "password authentication failed" in low or "access denied" in low:
        return errors.ConnectionFailed(f"authentication failed for {where}: check the user name and password")
    if ("does not exist" in low and "database" in low) or "unknown database" in low:
        return errors.StoreNotFound(f"database '{ref.database_name}' does not exist on the server of {where}")
    if any(s in low for s in ("could not connect", "connection refused", "can't connect", "timeout",
                              "name or service not known", "could not translate host", "timed out",
                              "no route to host")):
        return errors.ConnectionFailed(f"cannot reach the database server of {where}: {text}")
    return errors.ConnectionFailed(f"cannot open {where}: {text}")
