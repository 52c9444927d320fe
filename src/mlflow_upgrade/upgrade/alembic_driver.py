"""Drive MLflow's own Alembic migrations, one revision at a time.

Nothing here copies or re-implements a migration: the scripts, ``env.py`` and ``alembic.ini`` are the ones the
installed MLflow ships (``mlflow.store.db.utils._get_alembic_config`` for tracking,
``mlflow.server.auth.db.utils._get_alembic_config`` for basic auth). What this module adds:

* one ``alembic upgrade <rev>`` per revision (MLflow's ``mlflow db upgrade`` runs every pending revision inside a
  single ``begin_transaction``), with the :class:`~alembic.script.ScriptDirectory` loaded once, so 50 revisions
  do not re-import 68 scripts 50 times;
* (transactional DDL on SQLite is the SQLite dialect's ``migration_guard``, which the runner wraps around this);
* offline SQL (``--sql`` mode) per revision for a dialect, with failures caught per revision;
* a test-only pause hook (``MLFLOW_UPGRADE_TEST_PAUSE_AT``) for the crash tests.
"""

from __future__ import annotations

import functools
import io
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine

from mlflow_upgrade.catalog import revisions_after
from mlflow_upgrade.dialects import dialect_for
from mlflow_upgrade.store.schema import (
    AUTH,
    TRACKING_VERSION_TABLE,
    read_revision,
    read_version_rows,
)
from mlflow_upgrade.store.uri import StoreRef, mask_uri

PAUSE_ENV = "MLFLOW_UPGRADE_TEST_PAUSE_AT"  # test-only: see pause_point()


@dataclass(frozen=True)
class RevisionInfo:
    revision: str
    parent: str | None
    message: str


def alembic_config(db: str, url: str):
    """MLflow's own Alembic config for ``db`` pointing at ``url`` (a full URL: never log it)."""
    if db == AUTH:
        from mlflow.server.auth.db.utils import _get_alembic_config
    else:
        from mlflow.store.db.utils import _get_alembic_config
    return _get_alembic_config(url)


@functools.lru_cache(maxsize=2)
def script_directory(db: str):
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(db, "sqlite://"))


def chain(db: str) -> list[RevisionInfo]:
    """Every revision of the installed MLflow, oldest first (MLflow's history is linear)."""
    revs = list(script_directory(db).walk_revisions("base", "heads"))[::-1]
    return [
        RevisionInfo(r.revision, _single(r.down_revision), (r.doc or "").strip().splitlines()[0] if r.doc else "")
        for r in revs
    ]


def _single(down: object) -> str | None:
    if isinstance(down, (tuple, list)):
        return str(down[0]) if down else None
    return str(down) if down else None


def head(db: str) -> str:
    return chain(db)[-1].revision


def pending(db: str, current: str | None) -> list[RevisionInfo]:
    """The revisions an upgrade from ``current`` runs (the catalog computes the chain); [] when MLflow does not
    know ``current``."""
    by_id = {r.revision: r for r in chain(db)}
    return [by_id[rev] for rev in revisions_after(db, current) or ()]


def offline_url(ref: StoreRef) -> str:
    """A URL naming only the dialect and driver: offline mode needs no host, and then no password can leak."""
    return dialect_for(ref.kind).offline_url(ref)


def offline_sql(db: str, ref: StoreRef, from_rev: str | None, to_rev: str) -> str:
    """The SQL Alembic's offline mode renders for one step on ``ref``'s dialect (raises when it cannot)."""
    from alembic.runtime.environment import EnvironmentContext

    cfg = alembic_config(db, offline_url(ref))
    buf = io.StringIO()
    cfg.output_buffer = buf
    script = script_directory(db)
    start = from_rev or "base"

    def fn(rev, context):
        return script._upgrade_revs(to_rev, rev)

    with EnvironmentContext(cfg, script, fn=fn, as_sql=True, starting_rev=start, destination_rev=to_rev):
        script.run_env()
    return mask_uri(buf.getvalue())


# --- online: one revision at a time -------------------------------------------------------------------------


def upgrade_one(db: str, url: str, revision: str) -> None:
    """``alembic upgrade <revision>`` with MLflow's config and env.py (the script directory loaded once)."""
    from alembic.runtime.environment import EnvironmentContext

    cfg = alembic_config(db, url)
    script = script_directory(db)

    def fn(rev, context):
        return script._upgrade_revs(revision, rev)

    with _pause_hook(revision), EnvironmentContext(cfg, script, fn=fn, destination_rev=revision):
        script.run_env()


def stamp_legacy_auth(engine: Engine) -> str | None:
    """MLflow < 3.6 created the basic-auth tables without ``alembic_version_auth``; MLflow stamps such a database
    with its initial revision before upgrading (``mlflow.server.auth.db.utils.migrate``). Same here, except that
    a legacy ``alembic_version`` row naming a later auth revision is honoured. Returns the stamped revision."""
    from alembic import command
    from mlflow.server.auth.db.utils import INITIAL_REVISION, _is_legacy_database

    if not _is_legacy_database(engine):
        return None
    revision = INITIAL_REVISION
    known = {r.revision for r in chain(AUTH)}
    tables = sqlalchemy.inspect(engine).get_table_names()
    if TRACKING_VERSION_TABLE in tables:
        with engine.connect() as conn:
            rows = read_version_rows(conn, TRACKING_VERSION_TABLE)
        if len(rows) == 1 and rows[0] in known:
            revision = rows[0]
    cfg = alembic_config(AUTH, engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.stamp(cfg, revision)
    return revision


# --- test-only pause hook -----------------------------------------------------------------------------------


def pause_point(revision: str, statement: int | None = None) -> None:
    """Test-only. ``MLFLOW_UPGRADE_TEST_PAUSE_AT=<rev>`` stops the runner just before ``<rev>`` starts;
    ``<rev>@<n>`` stops inside ``<rev>`` right after its n-th SQL statement (its transaction still open);
    ``verify`` stops after the last revision, before the verification; ``backup`` before the backup.
    The process prints ``MLFLOW_UPGRADE_PAUSED <spec>`` on stderr and sleeps, so a test can SIGKILL it there, or
    do something (kill the database server, fill the disk) and send SIGUSR1 to let it go on.
    Never set it outside tests."""
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    want = revision if statement is None else f"{revision}@{statement}"
    if spec == want:
        seconds = float(os.environ.get("MLFLOW_UPGRADE_TEST_PAUSE_SECONDS", "600"))
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        try:
            sys.stderr.write(f"MLFLOW_UPGRADE_PAUSED {spec}\n")
            sys.stderr.flush()
            signal.sigtimedwait({signal.SIGUSR1}, seconds)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextmanager
def _pause_hook(revision: str) -> Iterator[None]:
    spec = os.environ.get(PAUSE_ENV, "")
    if not spec.startswith(f"{revision}@"):
        yield
        return
    count = 0

    def after(conn, cursor, statement, parameters, context, executemany) -> None:
        nonlocal count
        if TRACKING_VERSION_TABLE in statement or statement.lstrip().upper().startswith(("SELECT", "PRAGMA")):
            return
        count += 1
        pause_point(revision, count)

    event.listen(Engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        event.remove(Engine, "after_cursor_execute", after)


def current_revision(engine: Engine, db: str) -> str | None:
    return read_revision(engine, db)
