"""Move an MLflow tracking store (and its basic-auth DB) from one database to another, any pair of SQLite,
PostgreSQL and MySQL/MariaDB:

    from mlflow_upgrade.api import migrate_db
    report = migrate_db("sqlite:///mlflow.db", "postgresql://mlflow@db/mlflow")

1. checks (:mod:`.checks`): both are databases, not the same one; the source is an MLflow store the installed
   MLflow knows, holding only MLflow's tables; the destination is empty or an interrupted copy of this source;
2. the destination's schema is created by MLflow's own migrations at the source's revision (:mod:`.schema`),
   or, for a tracking store at the installed head, from the shipped template of MLflow's migrated schema when
   it may be used there (:func:`mlflow_upgrade.filestore.template.apply_shipped`);
3. values the destination's columns cannot hold are listed and refused before any row is written;
4. rows are copied table by table (:mod:`.copy`) from one snapshot of the source, opened read-only, with
   checkpoints in the destination (:mod:`.checkpoint`): a killed copy resumes with the same command;
5. a digest of every table's rows, computed the same way on both dialects (:mod:`.digest`), must match; the
   destination is read back through MLflow's own store when it is at the installed MLflow's head;
6. with ``upgrade=True``, the destination is then upgraded through the safe upgrade path (``upgrade``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from mlflow_upgrade import errors
from mlflow_upgrade.catalog import installed_head
from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.filestore import pipeline, template
from mlflow_upgrade.filestore.migrate import _driver_errors
from mlflow_upgrade.migratedb import checkpoint, checks
from mlflow_upgrade.migratedb import schema as dbschema
from mlflow_upgrade.migratedb.copy import Copier, TableCopy, count_rows
from mlflow_upgrade.progress import QUIET, Progress
from mlflow_upgrade.store.schema import AUTH, TRACKING, read_revision
from mlflow_upgrade.store.uri import (
    StoreRef,
    mask_uri,
    open_engine,
    parse_store_uri,
    require_database,
    translate_db_error,
)
from mlflow_upgrade.upgrade.alembic_driver import pause_point
from mlflow_upgrade.upgrade.runner import upgrade
from mlflow_upgrade.upgrade.verify import read_back

__all__ = ["DatabaseCopy", "MigrateDbReport", "migrate_db"]

BATCH_ROWS = 10_000  # rows per fetch from the source and per bulk write
COMMIT_ROWS = 200_000  # rows per destination transaction (and checkpoint)
DEFER_ROWS = 100_000  # a table with this many rows to copy gets its indexes and keys built once, after its rows
TOOL = "mlflow-upgrade migrate-db"


@dataclass
class DatabaseCopy:
    db: str  # "tracking" or "auth"
    source: str  # masked
    destination: str  # masked
    source_dialect: str
    dest_dialect: str
    revision: str | None = None
    mode: str = "new"  # "new" or "resume"
    status: str = "running"  # "complete", "differences", "refused", "interrupted"
    tables: list[TableCopy] = field(default_factory=list)
    unfit: list[checks.Unfit] = field(default_factory=list)
    remapped: list[checks.Unfit] = field(default_factory=list)  # stored otherwise (-0.0 as 0.0), reported
    seconds: float = 0.0
    schema_seconds: float = 0.0
    schema_source: str = ""  # "template" (shipped) or "migrations"; "" when resumed past the schema
    copy_seconds: float = 0.0
    verify_seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.copied for t in self.tables)

    @property
    def differences(self) -> list[str]:
        return [f"{t.table}: {t.source_rows} row(s) in the source, {t.copied} in the destination"
                + ("" if t.copied != t.source_rows else ", values differ")
                for t in self.tables if t.same is False]

    def to_dict(self) -> dict[str, Any]:
        return {
            "db": self.db, "source": self.source, "destination": self.destination,
            "source_dialect": self.source_dialect, "dest_dialect": self.dest_dialect, "revision": self.revision,
            "mode": self.mode, "status": self.status, "rows": self.rows,
            "tables": {t.table: t.to_dict() for t in self.tables}, "differences": self.differences,
            "unfit": [u.to_dict() for u in self.unfit], "remapped": [u.to_dict() for u in self.remapped],
            "seconds": round(self.seconds, 3),
            "schema_seconds": round(self.schema_seconds, 3), "schema_source": self.schema_source,
            "copy_seconds": round(self.copy_seconds, 3),
            "verify_seconds": round(self.verify_seconds, 3),
        }


@dataclass
class MigrateDbReport:
    tracking: DatabaseCopy
    auth: DatabaseCopy | None = None
    read_back: dict[str, Any] | None = None  # MLflow's own store reading the destination back
    read_back_note: str = ""
    upgrade: dict[str, Any] | None = None  # the upgrade report (``upgrade=True``)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        copies = [c for c in (self.tracking, self.auth) if c is not None]
        read_back_ok = self.read_back is None or bool(self.read_back.get("ok"))
        return all(c.status == "complete" for c in copies) and read_back_ok

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "tracking": self.tracking.to_dict(),
                "auth": self.auth.to_dict() if self.auth else None, "read_back": self.read_back,
                "read_back_note": self.read_back_note, "upgrade": self.upgrade, "seconds": round(self.seconds, 3)}


class UnfitRefused(checks.UnfitValues):
    """Values the destination cannot hold; nothing was written. ``report`` lists them."""

    def __init__(self, message: str, unfit: list[checks.Unfit], report: MigrateDbReport) -> None:
        super().__init__(message, unfit)
        self.report = report


def migrate_db(
    src_uri: str,
    dest_uri: str,
    *,
    auth: tuple[str, str] | None = None,
    upgrade: bool = False,
    progress: Progress = QUIET,
    batch_rows: int | None = None,
    commit_rows: int | None = None,
) -> MigrateDbReport:
    """Copy the tracking store at ``src_uri`` into ``dest_uri`` (and the basic-auth DB ``auth[0]`` into
    ``auth[1]``); ``upgrade=True`` then upgrades the copy to the installed MLflow's head. ``progress`` gets one
    task per table (rows copied)."""
    started = time.monotonic()
    batch_rows = batch_rows or pipeline.env_int("MLFLOW_UPGRADE_DB_BATCH_ROWS", BATCH_ROWS, minimum=1)
    commit_rows = commit_rows or pipeline.env_int("MLFLOW_UPGRADE_DB_COMMIT_ROWS", COMMIT_ROWS, minimum=1)
    jobs = [_Job(TRACKING, src_uri, dest_uri, batch_rows, commit_rows, progress)]
    if auth is not None:
        jobs.append(_Job(AUTH, auth[0], auth[1], batch_rows, commit_rows, progress))
        _refuse_shared(jobs)
    for job in jobs:  # every check of both databases before anything is written
        job.check()
    report = MigrateDbReport(tracking=jobs[0].result, auth=jobs[1].result if auth is not None else None)
    try:
        for job in jobs:
            job.run(report)
    finally:
        for job in jobs:
            job.close()
    if report.ok and upgrade:
        report.upgrade = _upgrade(dest_uri, auth[1] if auth else None, progress)
    if report.ok and report.upgrade is None:
        report.read_back, report.read_back_note = _read_back(dest_uri)
    report.seconds = time.monotonic() - started
    return report


def _refuse_shared(jobs: list[_Job]) -> None:
    refs = [(job.src, job.dest) for job in jobs]
    checks.refuse_same_database(refs[0][1], refs[1][1])
    checks.refuse_same_database(refs[0][0], refs[1][1])
    checks.refuse_same_database(refs[1][0], refs[0][1])


class _Job:
    """One database's copy: tracking or auth."""

    def __init__(self, db: str, src_uri: str, dest_uri: str, batch_rows: int, commit_rows: int,
                 progress: Progress) -> None:
        self.db = db
        self.src, self.dest = parse_store_uri(src_uri), parse_store_uri(dest_uri)
        for ref in (self.src, self.dest):
            require_database(ref, file_store_hint="migrate-db copies databases; for a file store use "
                                                  "`mlflow-upgrade migrate-filestore`")
        checks.refuse_same_database(self.src, self.dest)
        self.src_dialect, self.dest_dialect = get_dialect(self.src), get_dialect(self.dest)
        if db == AUTH:
            checks.refuse_auth_on(self.dest_dialect, self.dest)
        self.batch_rows, self.commit_rows, self.progress = batch_rows, commit_rows, progress
        self.result = DatabaseCopy(db=db, source=self.src.masked, destination=self.dest.masked,
                                   source_dialect=self.src.kind, dest_dialect=self.dest.kind)
        self.src_engine: sa.Engine | None = None
        self.dest_engine: sa.Engine | None = None
        self.created_file = False
        self.tables: list[str] = []

    # -- checks (nothing written) ------------------------------------------------------------------------
    def check(self) -> None:
        self.src_engine = open_engine(self.src, read_only=True)
        state = checks.check_source(self.src, self.src_engine, self.db)
        self.result.revision = state.revision
        self.tables = checks.source_tables(state)
        self.dest_engine = self._open_destination()
        present = checks.destination_tables(self.dest_engine)
        if checkpoint.STATE in present:
            self._check_resume()
        elif present:
            raise errors.Refused(
                f"the destination {self.dest.masked} is not empty ({len(present)} tables, e.g. "
                f"{', '.join(present[:3])}): give an empty database (migrate-db never overwrites one)"
            )

    def _open_destination(self) -> sa.Engine:
        if self.dest_dialect.is_file_database:
            assert self.dest.path is not None
            checks.sqlite_parent_exists(self.dest.path)
            if not self.dest.path.exists():  # created at the first write, removed again if that fails
                self.created_file = True
                return sa.create_engine(f"sqlite:///{self.dest.path}", poolclass=sa.pool.NullPool)
        return open_engine(self.dest, read_only=False)

    def _check_resume(self) -> None:
        assert self.dest_engine is not None
        state = checkpoint.read_state(self.dest_engine)
        if state.get("source") != self._source_identity():
            raise errors.Refused(
                f"the destination {self.dest.masked} holds an interrupted copy of {state.get('source')}, not of "
                f"{self._source_identity()}: give another destination"
            )
        self.result.mode = "resume"

    def _source_identity(self) -> str:
        return f"{self.db} {self.src.masked} @ {self.result.revision}"

    # -- the copy --------------------------------------------------------------------------------------------
    def run(self, report: MigrateDbReport) -> None:
        assert self.src_engine is not None and self.dest_engine is not None
        started = time.monotonic()
        try:
            if self.result.mode == "new" or checkpoint.read_state(self.dest_engine).get("phase") == "schema":
                self._create_schema()
            with self.src_engine.connect() as src:
                self.src_dialect.begin_consistent_read(src)
                try:
                    self._copy(src, report)
                finally:
                    src.rollback()
            self._finish()
        except errors.MlflowUpgradeError:
            raise
        except (sa.exc.DBAPIError, *_driver_errors()) as exc:
            self.result.status = "interrupted"
            raise errors.OperationFailed(
                f"copying into {self.dest.masked} failed: {translate_db_error(self.dest, exc)}; what was committed "
                "is kept: fix the cause and run the same command again to resume"
            ) from None
        finally:
            self.result.seconds = time.monotonic() - started

    def _create_schema(self) -> None:
        """Our state table first (phase "schema"), then MLflow's schema (the shipped template or its migrations);
        a kill in between is redone whole."""
        assert self.dest_engine is not None and self.result.revision is not None
        started = time.monotonic()
        try:
            if self.result.mode == "resume":  # a kill during the migrations: start the schema again
                self.dest_dialect.drop_all_tables(self.dest_engine)
            try:
                checkpoint.create(self.dest_engine)
            except sa.exc.DBAPIError as exc:  # the first write: a destination we may not write is refused here
                raise _no_privilege(self.dest, exc) from None
            with self.dest_engine.begin() as conn:
                checkpoint.write_state(conn, source=self._source_identity(), phase="schema", tool=TOOL)
            # at the installed head, MLflow's tracking schema may come from the shipped template (seconds less)
            if self.db == TRACKING and self.result.revision == installed_head(TRACKING) and \
                    template.apply_shipped(self.dest_engine, ours=checkpoint.OURS):
                self.result.schema_source = "template"
            else:
                dbschema.create_at(self.dest_engine, self.db, self.result.revision)
                self.result.schema_source = "migrations"
        except BaseException:
            self._undo_new_destination()
            raise
        self.result.schema_seconds = time.monotonic() - started
        pause_point("migrate-db:schema")

    def _copy(self, src: sa.Connection, report: MigrateDbReport) -> None:
        assert self.dest_engine is not None
        src_meta = self.src_dialect.reflect(src, self.tables)
        ordered = [t.name for t in src_meta.sorted_tables]
        if self.result.mode == "new":  # values the new schema cannot hold: refused before any row is written
            self._refuse_unfit(src, src_meta, ordered, report)
        if checkpoint.read_state(self.dest_engine).get("phase") == "schema":
            self._clear_seeded_rows(ordered)
        counts = count_rows(src, self.src_dialect, ordered)
        copier = Copier(self.db, src, self.src_dialect, src_meta, self.dest_engine, self.dest_dialect,
                        self.batch_rows, self.commit_rows, self.progress,
                        pipeline.env_int("MLFLOW_UPGRADE_DB_DEFER_ROWS", DEFER_ROWS, minimum=1))
        started = time.monotonic()
        try:
            copier.copy_all(ordered, counts)
        finally:
            self.result.tables = list(copier.results.values())
        self.result.copy_seconds = time.monotonic() - started
        pause_point("migrate-db:verify")
        started = time.monotonic()
        copier.digest_destination()
        self.result.verify_seconds = time.monotonic() - started
        self.result.status = "complete" if all(t.same for t in self.result.tables) else "differences"

    def _clear_seeded_rows(self, tables: list[str]) -> None:
        """Rows some migrations seed (3.x: the default workspace) give way to the source's own, which are copied
        as they are; in the same transaction as the move to the copy phase."""
        assert self.dest_engine is not None
        dest_meta = sa.MetaData()
        dest_meta.reflect(self.dest_engine, only=tables)
        with self.dest_engine.begin() as conn:
            for table in reversed(dest_meta.sorted_tables):
                conn.execute(table.delete())
            checkpoint.write_state(conn, phase="copy")

    def _refuse_unfit(self, src: sa.Connection, src_meta: sa.MetaData, tables: list[str],
                      report: MigrateDbReport) -> None:
        assert self.dest_engine is not None
        dest_meta = sa.MetaData()
        dest_meta.reflect(self.dest_engine, only=tables)
        unfit = checks.find_unfit(src, self.src_dialect, dest_meta, self.dest_dialect, tables, src_meta)
        self.result.remapped = checks.find_negative_zeros(src, self.src_dialect, self.dest_dialect, tables, src_meta)
        if not unfit:
            return
        self.result.unfit = unfit
        self.result.status = "refused"
        self._undo_new_destination()
        shown = "; ".join(str(u) for u in unfit[:3]) + ("; …" if len(unfit) > 3 else "")
        raise UnfitRefused(
            f"{len(unfit)} column(s) of {self.src.masked} hold values {self.dest.masked} cannot store ({shown}); "
            "nothing was written: pick a destination dialect that holds them, or fix the values in the source",
            unfit, report,
        )

    def _undo_new_destination(self) -> None:
        """The destination was empty before this run: leave it empty again."""
        assert self.dest_engine is not None
        if self.created_file and self.dest.path is not None:
            self.dest_engine.dispose()
            self.dest.path.unlink(missing_ok=True)
        else:
            self.dest_dialect.drop_all_tables(self.dest_engine)

    def _finish(self) -> None:
        """A complete, identical copy no longer needs our checkpoint tables: the destination holds MLflow's only."""
        assert self.dest_engine is not None
        if self.result.status != "complete":
            return
        pause_point("migrate-db:cleanup")
        checkpoint.drop(self.dest_engine)

    def close(self) -> None:
        for engine in (self.src_engine, self.dest_engine):
            if engine is not None:
                engine.dispose()


def _no_privilege(ref: StoreRef, exc: BaseException) -> errors.MlflowUpgradeError:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    if any(word in first.lower() for word in ("permission denied", "command denied", "access denied", "readonly",
                                               "read-only")):
        return errors.PreflightFailed(
            f"no privilege to create tables in {ref.masked} ({mask_uri(first)}): grant CREATE on it (or use its "
            "owner) and run again; nothing was written"
        )
    return translate_db_error(ref, exc)


def _upgrade(dest_uri: str, dest_auth: str | None, progress: Progress) -> dict[str, Any]:
    """The copy is upgraded through the safe upgrade path; the untouched source is its backup."""
    result = upgrade(dest_uri, auth_uri=dest_auth, no_backup=True, progress=progress)
    return result.to_dict()


def _read_back(dest_uri: str) -> tuple[dict[str, Any] | None, str]:
    """MLflow's own store reads the destination back, in a child process (MLflow's imports stay there); only
    at the installed head, where MLflow's store does not migrate what it opens."""
    ref = parse_store_uri(dest_uri)
    engine = open_engine(ref, read_only=True)
    try:
        revision = read_revision(engine, TRACKING)
    finally:
        engine.dispose()
    head = installed_head(TRACKING)
    if revision != head:
        return None, (f"not read back through MLflow: the copy is at revision {revision}, the installed MLflow's "
                      f"head is {head} and its store would migrate it (pass --upgrade)")
    return pipeline.call_in_child(_read_back_here, dest_uri), ""


def _read_back_here(dest_uri: str) -> dict[str, Any]:
    return read_back(dest_uri).to_dict()
