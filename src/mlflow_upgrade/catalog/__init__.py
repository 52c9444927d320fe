"""Facts about MLflow's Alembic revisions: the generated catalog plus the installed MLflow's scripts.

`revisions.json` (built by `scripts/build_catalog.py` from every release's wheel) says which release
shipped which revision, which revision was each release's head, and what each migration does. The
installed MLflow (the upgrade target) is the authority on the chain that will actually run; the
catalog supplies the facts, and a revision it does not know is analysed from the installed script.

    from mlflow_upgrade import catalog
    for facts in catalog.pending_revisions("tracking", "97727af70f4d"):
        print(facts.revision, facts.classification, facts.rolling_safe)
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from mlflow_upgrade.catalog import fallback, installed
from mlflow_upgrade.errors import StoreTooNew

__all__ = [
    "DBS",
    "Catalog",
    "RevisionFacts",
    "installed_head",
    "installed_revisions",
    "installed_script_dir",
    "installed_version",
    "is_known",
    "load_catalog",
    "needed_mlflow",
    "newer_than_installed",
    "newest_release_published_by",
    "pending_revisions",
    "revisions_after",
    "store_too_new",
    "too_new_message",
]

DBS = installed.DBS
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RevisionFacts:
    """What one migration does, from the catalog or (source="installed") from the installed script."""

    db: str
    revision: str
    parent: str | tuple[str, ...] | None  # a tuple for merge revisions
    message: str
    file: str
    create_date: str | None
    classification: str  # additive | rewrite | data | destructive (most severe of `kinds`)
    kinds: tuple[str, ...]
    data_migration: bool  # runs op.execute / session / bind statements: offline SQL may be incomplete
    uses_connection: bool  # needs a live connection (dialect checks, inspection, data statements)
    inspects_schema: bool
    rolling_safe: bool  # servers of the previous release keep working against the migrated schema
    rolling_note: str
    sqlite_recreates: tuple[str, ...]  # tables Alembic's batch mode recreates on SQLite
    ops: tuple[Mapping[str, Any], ...]
    introduced_in: str | None = None  # None: not in any catalogued release
    shipped_first: str | None = None
    shipped_last: str | None = None
    head_of: tuple[str, ...] = ()
    source: str = "catalog"

    @property
    def parents(self) -> tuple[str, ...]:
        if self.parent is None:
            return ()
        return self.parent if isinstance(self.parent, tuple) else (self.parent,)

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    def _tables(self, *names: str) -> tuple[str, ...]:
        found = (t for op in self.ops if op.get("op") in names for t in str(op.get("table", "")).split("|"))
        return tuple(dict.fromkeys(t for t in found if t))

    @property
    def tables_created(self) -> tuple[str, ...]:
        """Tables this revision creates (a store that already has one fails part way on most backends)."""
        return self._tables("create_table")

    @property
    def tables_dropped(self) -> tuple[str, ...]:
        return self._tables("drop_table")

    @classmethod
    def from_json(
        cls, db: str, revision: str, data: Mapping[str, Any], source: str = "catalog"
    ) -> RevisionFacts:
        parent = data.get("parent")
        shipped = data.get("shipped_in") or {}
        return cls(
            db=db,
            revision=revision,
            parent=tuple(parent) if isinstance(parent, list) else parent,
            message=data.get("message", ""),
            file=data.get("file", ""),
            create_date=data.get("create_date"),
            classification=data["classification"],
            kinds=tuple(data.get("kinds", ())),
            data_migration=bool(data.get("data_migration")),
            uses_connection=bool(data.get("uses_connection")),
            inspects_schema=bool(data.get("inspects_schema")),
            rolling_safe=bool(data.get("rolling_safe")),
            rolling_note=data.get("rolling_note", ""),
            sqlite_recreates=tuple(data.get("sqlite_recreates", ())),
            ops=tuple(data.get("ops", ())),
            introduced_in=data.get("introduced_in"),
            shipped_first=shipped.get("first"),
            shipped_last=shipped.get("last"),
            head_of=tuple(data.get("head_of", ())),
            source=source,
        )


_check_db = installed.check_db


def _runs(versions: list[str], ordered: list[str]) -> str | None:
    """ "1.30.0–1.30.1", or contiguous runs joined by ", " when some releases in between are missing."""
    if not versions:
        return None
    index = {v: i for i, v in enumerate(ordered)}
    runs: list[list[str]] = []
    for version in versions:
        if runs and index[version] == index[runs[-1][-1]] + 1:
            runs[-1].append(version)
        else:
            runs.append([version])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs)


class Catalog:
    """Typed lookups over revisions.json (plus the installed release, when the fallback added it)."""

    def __init__(
        self,
        data: Mapping[str, Any],
        derived_release: str | None = None,
        derived: Mapping[str, list[str]] | None = None,
    ) -> None:
        self.data = data
        # The installed release the run-time fallback added (None: every fact comes from revisions.json),
        # and {db: revisions whose facts were analysed from its scripts}.
        self.derived_release = derived_release
        self.derived: Mapping[str, list[str]] = derived or {}

    @cached_property
    def releases(self) -> list[str]:
        """Every catalogued release, oldest first."""
        return sorted(self.data["releases"], key=fallback.release_key)

    @property
    def newest_catalogued(self) -> str:
        """The newest release revisions.json itself describes (the fallback's installed release excluded)."""
        return [v for v in self.releases if v != self.derived_release][-1]

    @property
    def skipped(self) -> dict[str, str]:
        return dict(self.data.get("skipped", {}))

    def release(self, version: str) -> Mapping[str, Any] | None:
        return self.data["releases"].get(version)

    def head_of_release(self, db: str, version: str) -> str | None:
        _check_db(db)
        info = self.release(version)
        head = info.get(f"{db}_head") if info else None
        return head if isinstance(head, str) or head is None else ",".join(head)

    def version_table(self, db: str, version: str) -> str | None:
        _check_db(db)
        info = self.release(version)
        return info.get(f"{db}_version_table") if info else None

    def revision_ids(self, db: str) -> list[str]:
        _check_db(db)
        return sorted(self.data[db]["revisions"])

    def revision(self, db: str, rev: str) -> RevisionFacts | None:
        _check_db(db)
        data = self.data[db]["revisions"].get(rev)
        return RevisionFacts.from_json(db, rev, data) if data is not None else None

    def is_known(self, db: str, rev: str) -> bool:
        _check_db(db)
        return rev in self.data[db]["revisions"]

    def releases_with_head(self, db: str, rev: str) -> list[str]:
        """Releases whose newest revision is `rev`, oldest first."""
        _check_db(db)
        data = self.data[db]["revisions"].get(rev)
        return sorted(data.get("head_of", []), key=fallback.release_key) if data else []

    def release_range(self, db: str, rev: str) -> str | None:
        """Releases whose head is `rev`, as text: "2.9.0–2.9.2" (None if no release ends there)."""
        return _runs(self.releases_with_head(db, rev), self.releases)

    def releases_shipping(self, db: str, rev: str) -> list[str]:
        """Releases whose wheel contains `rev`'s script, oldest first."""
        _check_db(db)
        data = self.data[db]["revisions"].get(rev)
        if data is None:
            return []
        shipped = data["shipped_in"]
        first, last = self.releases.index(shipped["first"]), self.releases.index(shipped["last"])
        missing = set(shipped.get("missing_in", ()))
        return [v for v in self.releases[first : last + 1] if v not in missing]

    def shipping_range(self, db: str, rev: str) -> str | None:
        return _runs(self.releases_shipping(db, rev), self.releases)

    @cached_property
    def flavors(self) -> Mapping[str, Mapping[str, Any]]:
        """{flavor: {first, last, releases, missing_in}}: model flavors (`mlflow.<name>` modules defining
        `log_model`) by the releases that ship them (the installed release's read from its files)."""
        flavors = self.data.get("flavors", {})
        if self.derived_release is None:
            return flavors
        return fallback.extend_flavors(flavors, self.derived_release)

    def flavors_removed_before(self, version: str) -> dict[str, str]:
        """{flavor: last release shipping it} for every flavor no longer shipped by `version`."""
        target = fallback.release_key(version)
        return {
            name: f["last"] for name, f in self.flavors.items() if fallback.release_key(f["last"]) < target
        }


# Another revisions.json to use instead of the packaged one (a catalog build under review; tests that
# simulate a catalog older than the installed MLflow).
CATALOG_ENV = "MLFLOW_UPGRADE_CATALOG"


@cache
def packaged_data() -> Mapping[str, Any]:
    """The packaged revisions.json as generated (or $MLFLOW_UPGRADE_CATALOG's), parsed once per process."""
    if override := os.environ.get(CATALOG_ENV):
        return json.loads(Path(override).read_text(encoding="utf-8"))
    text = resources.files(__name__).joinpath("revisions.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def load_catalog() -> Catalog:
    """The catalog, extended at run time with the installed MLflow when revisions.json predates it.

    Built once per process; when the fallback is used, one warning says so (the CLI shows warnings).
    """
    try:
        version = installed.installed_version()
    except ModuleNotFoundError:  # no MLflow to upgrade to (the codemod alone): the catalog as generated
        return Catalog(packaged_data())
    return catalog_for(packaged_data(), version)


def catalog_for(data: Mapping[str, Any], version: str) -> Catalog:
    """The catalog over `data` as seen with MLflow `version` installed (its files read by `installed`)."""
    if not fallback.needs_fallback(data, version):
        return Catalog(data)
    extended, derived = fallback.extend(data, version)
    result = Catalog(extended, derived_release=version, derived=derived)
    log.warning(fallback.note(version, result.newest_catalogued, derived))
    return result


def reset() -> None:
    """Forget the loaded catalog and everything read from the installed MLflow (tests swap them)."""
    load_catalog.cache_clear()
    packaged_data.cache_clear()
    installed.clear_caches()


@cache
def release_dates() -> dict[str, str]:
    """{release: when it was published on PyPI (UTC, ISO 8601)}, generated by scripts/build_catalog.py."""
    text = resources.files(__name__).joinpath("release_dates.json").read_text(encoding="utf-8")
    return dict(json.loads(text)["released"])


def newest_release_published_by(when: str) -> str | None:
    """The newest release (by version) published on or before ``when`` ("YYYY-MM-DD HH:MM:SS…", UTC), e.g. for
    the MLflow that wrote an MLmodel's utc_time_created; None if no catalogued release is that old."""
    moment = when.strip().replace(" ", "T")[:19]
    published = [v for v, date in release_dates().items() if date[:19] <= moment]
    return max(published, key=fallback.release_key) if published else None


# -- the installed MLflow -------------------------------------------------------------------------
def installed_script_dir(db: str) -> Path:
    """The installed MLflow's Alembic script directory for `db` (found without importing mlflow)."""
    return installed.script_dir(db)


def installed_head(db: str) -> str:
    """Head revision of the installed MLflow's chain for `db`."""
    return installed.head(db)


def installed_revisions(db: str) -> list[str]:
    """Every revision the installed MLflow ships for `db`, in upgrade order (base first)."""
    return list(installed.order(db))


def installed_version() -> str:
    """The installed MLflow's version (the upgrade target)."""
    return installed.installed_version()


def _installed_facts(db: str, rev: str) -> RevisionFacts:
    """Facts for an installed script, from the same AST analyzer the catalog build runs."""
    return RevisionFacts.from_json(db, rev, installed.analyzed(db, rev), source="installed")


def facts_for(db: str, rev: str) -> RevisionFacts:
    """Catalog facts for `rev`, or facts analysed from the installed script when it is new."""
    return load_catalog().revision(db, rev) or _installed_facts(db, rev)


def is_known(db: str, rev: str) -> bool:
    """True if the catalog or the installed MLflow knows `rev`."""
    return load_catalog().is_known(db, rev) or rev in installed.order(db)


def newer_than_installed(db: str, rev: str) -> bool:
    """True if the installed MLflow cannot upgrade from `rev`: a later release's revision, or unknown.

    The caller names the MLflow needed with `needed_mlflow` (from `Catalog.releases_shipping`).
    """
    _check_db(db)
    return rev not in installed.order(db)


def needed_mlflow(db: str, rev: str) -> str | None:
    """Which MLflow releases ship `rev`, as text ("3.0.1, 3.1.1–3.17.2"), or None if no catalogued one does."""
    return load_catalog().shipping_range(db, rev)


def revisions_after(db: str, from_rev: str | None) -> list[str] | None:
    """The revisions an upgrade from `from_rev` (None: empty schema) to the installed head runs, in order.

    The one computation of the pending chain (plan, upgrade, verify and inspect all ask here). None when the
    installed MLflow does not know `from_rev` (a newer release's revision, or not MLflow's)."""
    order = installed.order(db)
    if from_rev is None:
        return list(order)
    if from_rev not in order:
        return None
    return list(order[order.index(from_rev) + 1 :])
_DB_LABELS = {"tracking": "tracking schema", "auth": "basic-auth schema"}


def too_new_message(db: str, rev: str) -> str:
    """The one line every verb gives for a database written by a newer MLflow than the installed one:
    which release wrote it (when the catalog knows), and the exact command that fixes it."""
    _check_db(db)
    catalog = load_catalog()
    shipping = catalog.releases_shipping(db, rev)
    current = installed_version()
    where = f"the {_DB_LABELS[db]} is at revision {rev}"
    if shipping:
        need = shipping[0]
        return (
            f"{where}, written by MLflow {need} or later, newer than the installed MLflow {current}: "
            f"run `pip install 'mlflow>={need}'` first (mlflow-upgrade never downgrades)"
        )
    return (
        f"{where}, written by an MLflow newer than the installed {current} and than mlflow-upgrade's "
        f"catalog (newest: {catalog.newest_catalogued}): run `pip install -U mlflow mlflow-upgrade` first "
        "(mlflow-upgrade never downgrades)"
    )


def store_too_new(store: str, db: str, rev: str) -> StoreTooNew:
    """`too_new_message` for the store at `store` (masked) as the error every verb raises (exit 5)."""
    return StoreTooNew(f"{store}: {too_new_message(db, rev)}")


def pending_revisions(db: str, from_rev: str | None) -> list[RevisionFacts]:
    """Revisions an upgrade from `from_rev` (None: empty schema) to the installed head runs, in order."""
    pending = revisions_after(db, from_rev)
    if pending is None:
        assert from_rev is not None
        raise StoreTooNew(too_new_message(db, from_rev))
    return [facts_for(db, rev) for rev in pending]
