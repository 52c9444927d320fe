"""Parse, classify and mask tracking-store URIs.

A :class:`StoreRef` is the first object of every flow: it says which dialect a URI names, carries the URI with
its password masked for every message and log, and opens SQLAlchemy engines that translate driver failures
into one-line :mod:`mlflow_upgrade.errors`.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import sqlalchemy
from sqlalchemy.engine import URL, Engine, make_url

from mlflow_upgrade import errors
from mlflow_upgrade.store.masking import MASK as MASK  # re-exported
from mlflow_upgrade.store.masking import is_secret_key, mask_one_uri, mask_uri, remember_secret

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
SQL_DIALECTS = ("sqlite", "postgresql", "mysql", "mssql")
MIGRATE_FILESTORE_HINT = "nothing to migrate in place; use `mlflow-upgrade migrate-filestore` to copy it into a database"

# Driver modules SQLAlchemy needs per "dialect+driver"; the first importable one is chosen when the URI names
# no driver. pymysql comes first for MySQL because it is pure Python and is what our extras install.
_DEFAULT_DRIVERS = {
    "postgresql": (("psycopg", "psycopg"), ("psycopg2", "psycopg2")),
    "mysql": (("pymysql", "pymysql"), ("mysqldb", "MySQLdb")),
    "mssql": (("pyodbc", "pyodbc"), ("pymssql", "pymssql")),
}
# SQLAlchemy driver name -> what to install for it.
_INSTALL_HINT = {
    "psycopg": "pip install 'psycopg[binary]'",
    "psycopg2": "pip install psycopg2-binary (or use postgresql+psycopg://)",
    "pymysql": "pip install pymysql",
    "mysqldb": "pip install mysqlclient (or use mysql+pymysql://)",
    "pyodbc": "pip install 'mlflow-upgrade[mssql]' and Microsoft's ODBC driver for SQL Server",
    "pymssql": "pip install pymssql",
}


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
        return self.kind in SQL_DIALECTS

    @property
    def database_name(self) -> str | None:
        return self.url.database if self.url is not None else None

    @property
    def database_file(self) -> Path | None:
        """The database file of a SQLite store (None for a server database or a file store)."""
        return self.path if self.kind == "sqlite" else None

    @property
    def short_name(self) -> str:
        """A label for folder names: the SQLite file's stem, else the database name ("db" without one)."""
        return self.database_file.stem if self.database_file is not None else (self.database_name or "db")

    def __str__(self) -> str:  # never leak the password through formatting
        return self.masked

    def __repr__(self) -> str:
        return f"StoreRef(kind={self.kind!r}, uri={self.masked!r})"


def parse_store_uri(text: str) -> StoreRef:
    """Classify ``text`` as a SQL URI or a file-store path. Raises :class:`errors.UsageError` on nonsense."""
    text = text.strip()
    if not text:
        raise errors.UsageError("empty store URI: give a database URI (sqlite:///mlflow.db) or a ./mlruns path")
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if not _SCHEME.fullmatch(scheme):  # "./dir://x" is a path (urlsplit is not used: it raises on a lone '[')
        scheme = ""
    if scheme in ("", "file"):
        return _file_store_ref(text)
    base = scheme.split("+", 1)[0]
    if base == "mysql+mariadb" or base == "mariadb":
        base = "mysql"
    if base not in SQL_DIALECTS:
        raise errors.UsageError(
            f"unsupported store URI scheme '{mask_uri(scheme)}' in {mask_one_uri(text)}: use sqlite://, "
            "postgresql://, mysql://, mssql:// or a file-store path"
        )
    url = _parse_sql_uri(text)
    if base == "sqlite":
        return _sqlite_ref(text, url)
    return StoreRef(kind=base, uri=text, url=_with_driver(url, base))


def _parse_sql_uri(text: str) -> URL:
    """SQLAlchemy's URL for ``text``, its secrets remembered for masking; one masked line per malformed URI."""
    masked = mask_one_uri(text)
    problem = _authority_problem(text)
    if problem:
        raise errors.UsageError(f"malformed database URI {masked}: {problem}")
    try:
        url = make_url(text)
    except ValueError as exc:  # int(port) failed; the port text may hold half a password: never echo it
        reason = "the port is not a number" if "int()" in str(exc) else mask_uri(str(exc))
        raise errors.UsageError(f"malformed database URI {masked}: {reason}") from None
    except Exception:  # SQLAlchemy's ArgumentError quotes the whole URI unmasked
        raise errors.UsageError(
            f"malformed database URI {masked}: expected dialect+driver://user:password@host:port/database"
        ) from None
    remember_secret(url.password if isinstance(url.password, str) else None)
    for key, value in url.query.items():
        if is_secret_key(key):
            for item in [value] if isinstance(value, str) else value:
                remember_secret(item)
    return url


def _authority_problem(text: str) -> str | None:
    """What SQLAlchemy would misread in ``user:password@host:port`` (it splits a raw '@' in the password and
    takes the rest for the host), said without quoting any of it."""
    rest = text.split("://", 1)[1].split("?", 1)[0]
    at = rest.rfind("@")
    colon = rest.find(":", 0, max(at, 0))
    if at != -1 and colon != -1 and "/" not in rest[:colon] and "@" in rest[colon:at]:
        return "the password holds a raw '@': percent-encode it (@ as %40, : as %3A, / as %2F)"
    host = rest[at + 1:].split("/", 1)[0]
    if host.startswith("[") and "]" not in host:
        return "the host has a '[' without ']': write an IPv6 host as [::1]"
    if "[" in host.partition("]")[2] or ("]" in host and not host.startswith("[")):
        return "the host has a stray '[' or ']': only an IPv6 host is bracketed, as [::1]"
    return None


def _file_store_ref(text: str) -> StoreRef:
    try:
        path = Path(unquote(urlsplit(text).path)) if text.startswith("file:") else Path(text)
    except ValueError as exc:  # urlsplit: "Invalid IPv6 URL"
        raise errors.UsageError(f"malformed file-store URI {mask_one_uri(text)}: {exc}") from None
    path = path.expanduser().resolve()
    if _is_sqlite_file(path):  # `inspect mlflow.db`: a bare path to a SQLite database, not a file store
        uri = sqlite_url(path)
        return StoreRef(kind="sqlite", uri=uri, path=path, url=make_url(uri))
    return StoreRef(kind="file", uri=text, path=path)


def _is_sqlite_file(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _sqlite_ref(text: str, url: URL) -> StoreRef:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise errors.UsageError(
            f"{text}: give the SQLite database as a file path, e.g. sqlite:////abs/path/mlflow.db"
        )
    path = Path(database).expanduser()
    return StoreRef(kind="sqlite", uri=text, path=path.resolve(), url=url)


def _with_driver(url: URL, base: str) -> URL:
    """Pick an installed driver when the URI names none (``postgresql://`` → psycopg or psycopg2)."""
    if "+" in url.drivername:
        return url
    for driver, module in _DEFAULT_DRIVERS.get(base, ()):
        if importlib.util.find_spec(module) is not None:
            return url.set(drivername=f"{base}+{driver}")
    return url


def require_driver(ref: StoreRef) -> None:
    """Raise :class:`errors.DriverMissing` naming the package to install when the URI's driver is absent."""
    if ref.url is None or ref.kind == "sqlite":
        return
    driver = ref.url.get_dialect().driver
    modules = {d: m for d, m in _DEFAULT_DRIVERS.get(ref.kind, ())}
    module = modules.get(driver, driver)
    if importlib.util.find_spec(module) is None:
        raise errors.DriverMissing(
            f"no {ref.kind} driver '{driver}' is installed for {ref.masked}: {_INSTALL_HINT.get(driver, f'install the {driver} package')}"
        )


def sqlite_url(path: Path | str) -> str:
    """``sqlite:///path`` with the path percent-encoded where SQLAlchemy would misread it ('?', '#', '%')."""
    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def sqlite_readonly_uri(path: Path) -> str:
    """SQLite's URI filename opening ``path`` read-only; the path is percent-encoded, so a '?', '#' or '%' in a
    folder name cannot end the path early (SQLite would then open, or create, another file)."""
    return f"file:{quote(str(path))}?mode=ro"


def sqlite_readonly_engine(path: Path) -> Engine:
    """An engine that can never write ``path``: SQLite opens it with ``mode=ro`` (no journal, no WAL files)."""
    uri = sqlite_readonly_uri(path)
    return sqlalchemy.create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=sqlalchemy.pool.NullPool
    )


def require_database(ref: StoreRef, *, file_store_hint: str = "this command needs a database URI") -> None:
    """Refuse a file-store path (or a plain file) where a database is needed, saying what to do instead."""
    if ref.is_sql:
        return
    if ref.path is not None and ref.path.is_file():
        raise errors.UsageError(
            f"{ref.masked} is neither a database URI (sqlite:///{ref.path.name}, postgresql://…) nor a file store"
        )
    raise errors.UsageError(f"{ref.masked} is a file store: {file_store_hint}")


def open_engine(ref: StoreRef, *, read_only: bool = True) -> Engine:
    """Open ``ref`` and check that the server answers; translate every driver failure into one line."""
    require_database(ref)
    if ref.kind == "sqlite":
        engine = _open_sqlite(ref, read_only=read_only)
    else:
        require_driver(ref)
        engine = sqlalchemy.create_engine(ref.url, poolclass=sqlalchemy.pool.NullPool, **_connect_args(ref))
    # SQLite reads nothing of the file for "SELECT 1": reading its schema is what finds a file that is not one
    probe = "SELECT count(*) FROM sqlite_master" if ref.kind == "sqlite" else "SELECT 1"
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(probe)
    except Exception as exc:
        engine.dispose()
        raise translate_db_error(ref, exc) from None
    return engine


@contextmanager
def connected(ref: StoreRef, *, read_only: bool = True) -> Iterator[Engine]:
    """`open_engine`, then any driver failure inside the block becomes one masked line; always disposed."""
    engine = open_engine(ref, read_only=read_only)
    try:
        yield engine
    except errors.MlflowUpgradeError:
        raise
    except Exception as exc:
        raise translate_db_error(ref, exc) from None
    finally:
        engine.dispose()


def _open_sqlite(ref: StoreRef, *, read_only: bool) -> Engine:
    assert ref.path is not None
    if not ref.path.exists():
        raise errors.StoreNotFound(f"SQLite database {ref.path} does not exist: check the path in {ref.masked}")
    if ref.path.is_dir():
        raise errors.NotAnMlflowStore(f"{ref.path} is a directory, not a SQLite database")
    if read_only:
        return sqlite_readonly_engine(ref.path)
    return sqlalchemy.create_engine(sqlite_url(ref.path), poolclass=sqlalchemy.pool.NullPool)


def _connect_args(ref: StoreRef) -> dict:
    timeout = int(os.environ.get("MLFLOW_UPGRADE_CONNECT_TIMEOUT", "10"))
    if ref.kind == "postgresql":
        return {"connect_args": {"connect_timeout": timeout}}
    if ref.kind == "mysql" and ref.url is not None and ref.url.get_dialect().driver == "pymysql":
        return {"connect_args": {"connect_timeout": timeout}}
    return {}


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
