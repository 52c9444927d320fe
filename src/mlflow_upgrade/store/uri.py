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
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import sqlalchemy
from sqlalchemy.engine import URL, Engine, make_url

from mlflow_upgrade import dialects, errors
from mlflow_upgrade.dialects import Dialect
from mlflow_upgrade.store.masking import MASK as MASK  # re-exported
from mlflow_upgrade.store.masking import is_secret_key, mask_one_uri, mask_uri, remember_secret
from mlflow_upgrade.store.ref import StoreRef as StoreRef  # re-exported
from mlflow_upgrade.store.ref import translate_db_error as translate_db_error  # re-exported

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
MIGRATE_FILESTORE_HINT = "nothing to migrate in place; use `mlflow-upgrade migrate-filestore` to copy it into a database"


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
    dialect = dialects.for_scheme(scheme.split("+", 1)[0])
    if dialect is None:
        schemes = ", ".join(f"{name}://" for name in dialects.known())
        raise errors.UsageError(
            f"unsupported store URI scheme '{mask_uri(scheme)}' in {mask_one_uri(text)}: use {schemes} or a "
            "file-store path"
        )
    url = _parse_sql_uri(text)
    if dialect.is_file_database:
        return _sqlite_ref(text, url)
    return StoreRef(kind=dialect.name, uri=text, url=_with_driver(url, dialect))


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


def _with_driver(url: URL, dialect: Dialect) -> URL:
    """Pick an installed driver when the URI names none (``postgresql://`` → psycopg or psycopg2)."""
    if "+" in url.drivername:
        return url
    for driver, module in dialect.default_drivers:
        if importlib.util.find_spec(module) is not None:
            return url.set(drivername=f"{dialect.name}+{driver}")
    return url


def require_driver(ref: StoreRef) -> None:
    """Raise :class:`errors.DriverMissing` naming the package to install when the URI's driver is absent."""
    dialect = dialects.dialect_for(ref.kind)
    if ref.url is None or not dialect.needs_driver_package:
        return
    driver = ref.url.get_dialect().driver
    module = dict(dialect.default_drivers).get(driver, driver)
    if importlib.util.find_spec(module) is None:
        hint = dialect.driver_install_hints.get(driver, f"install the {driver} package")
        raise errors.DriverMissing(f"no {ref.kind} driver '{driver}' is installed for {ref.masked}: {hint}")


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
    dialect = dialects.dialect_for(ref.kind)
    if dialect.is_file_database:
        engine = _open_sqlite(ref, read_only=read_only)
    else:
        require_driver(ref)
        engine = sqlalchemy.create_engine(ref.url, poolclass=sqlalchemy.pool.NullPool,
                                          **_connect_args(ref, dialect))
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(dialect.open_probe_sql)
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


def _connect_args(ref: StoreRef, dialect: Dialect) -> dict:
    timeout = int(os.environ.get("MLFLOW_UPGRADE_CONNECT_TIMEOUT", "10"))
    args = dialect.connect_timeout_args(ref, timeout)
    return {"connect_args": args} if args else {}
