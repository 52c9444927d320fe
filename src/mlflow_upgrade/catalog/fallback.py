"""Run-time fallback: the catalog extended with the installed MLflow when the catalog predates it.

MLflow ships a release every few weeks; the tool must be right the day one appears, before anyone rebuilds
revisions.json. When the installed release is not catalogued, its scripts, env.py files and flavor modules
are read here exactly as `scripts/build_catalog.py` reads a wheel, and added to the catalog data as one more
release (named by the installed version). Every lookup — plan classes and rolling safety, release names and
ranges, shipping ranges, removed flavors — then answers for the installed release as for a catalogued one.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from packaging.version import InvalidVersion, Version

from mlflow_upgrade.catalog import installed


def release_key(version: str) -> Version:
    """Sort key of a release name (an unparseable local build sorts first, never crashes a lookup)."""
    try:
        return Version(version)
    except InvalidVersion:
        return Version("0")


def needs_fallback(data: Mapping[str, Any], version: str) -> bool:
    """True when the catalog does not describe the installed MLflow: its release or a revision is missing."""
    if version not in data["releases"]:
        return True
    return any(rev not in data[db]["revisions"] for db in installed.DBS for rev in installed.order(db))


def extend(data: Mapping[str, Any], version: str) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A copy of `data` with the installed MLflow added as release `version`, and {db: revisions derived}."""
    extended = copy.deepcopy(dict(data))
    releases = sorted([*extended["releases"], version], key=release_key)
    releases = list(dict.fromkeys(releases))
    derived: dict[str, list[str]] = {}
    for db in installed.DBS:
        derived[db] = _extend_db(extended[db]["revisions"], db, version, releases)
    extended["releases"][version] = {
        "package": "installed",
        "yanked": False,
        "installed": True,
        "tracking_head": installed.head("tracking"),
        "auth_head": installed.head("auth"),
        "tracking_version_table": installed.db_version_table("tracking"),
        "auth_version_table": installed.db_version_table("auth"),
    }
    return extended, derived


def _extend_db(revisions: dict[str, Any], db: str, version: str, releases: list[str]) -> list[str]:
    """Add the installed release to every revision it ships; analyse the ones the catalog lacks."""
    derived = []
    head = installed.head(db)
    for rev in installed.order(db):
        entry = revisions.get(rev)
        if entry is None:
            derived.append(rev)
            entry = {k: v for k, v in installed.analyzed(db, rev).items() if k != "revision" and v is not None}
            entry.update(
                introduced_in=version,
                shipped_in={"first": version, "last": version, "releases": 0, "range": version},
                head_of=[],
                source="installed",
            )
            revisions[rev] = entry
        _ship(entry["shipped_in"], version, releases)
        if rev == head and version not in entry["head_of"]:
            entry["head_of"] = sorted([*entry["head_of"], version], key=release_key)
    return derived


def _ship(shipped: dict[str, Any], version: str, releases: list[str]) -> None:
    """Record that `version` ships a revision (releases in between that did not are `missing_in`)."""
    if shipped["releases"] and release_key(version) > release_key(shipped["last"]):
        between = releases[releases.index(shipped["last"]) + 1 : releases.index(version)]
        if between:
            shipped["missing_in"] = [*shipped.get("missing_in", []), *between]
        shipped["last"] = version
    shipped["releases"] += 1
    first, last = shipped["first"], shipped["last"]
    shipped["range"] = first if first == last else f"{first}–{last}"


def extend_flavors(flavors: Mapping[str, Any], version: str) -> dict[str, Any]:
    """The flavor table with the installed release: a flavor is removed only when the installed MLflow
    lacks it; one it adds starts at `version`."""
    shipped = installed.flavors()
    extended = copy.deepcopy(dict(flavors))
    for name in sorted(shipped):
        facts = extended.setdefault(name, {"first": version, "last": version, "releases": 0, "missing_in": []})
        if release_key(version) > release_key(facts["last"]) or facts["releases"] == 0:
            facts["last"] = version
        facts["releases"] += 1
    return extended


def note(version: str, newest: str, derived: Mapping[str, list[str]]) -> str:
    """The one line the verbs print when the fallback was used."""
    counts = ", ".join(f"{len(revs)} {db}" for db, revs in derived.items() if revs)
    what = f"its {counts} revision(s) the catalog lacks were" if counts else "its revisions were"
    parsed = release_key(version)
    unreleased = " (not yet released)" if parsed.is_prerelease or parsed.local else ""
    return (
        f"the installed MLflow {version}{unreleased} is not in mlflow-upgrade's catalog (newest: {newest}): {what} "
        "analysed from the installed scripts (upgrade mlflow-upgrade for reviewed facts)"
    )
