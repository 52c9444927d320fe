#!/usr/bin/env python
"""Build src/mlflow_upgrade/catalog/revisions.json from every MLflow release's wheel.

For each final MLflow release from 1.0.0 on, download its wheel once (mlflow-skinny where it exists,
from 1.14.0; the full mlflow wheel before), read only the Alembic migration scripts and env.py files
out of the zip, analyse them with `ast` (never importing them), and write one deterministic JSON file:
rerunning over the same wheels yields byte-identical output.

    python scripts/build_catalog.py --refresh      # a new MLflow release: re-read PyPI, rebuild, report changes
    python scripts/build_catalog.py                # download what is missing, rebuild the JSON
    python scripts/build_catalog.py --check        # exit 1 if the committed JSON is out of date
    python scripts/build_catalog.py --dates        # only release_dates.json (PyPI's release list, no wheels)

`--refresh` is the release checklist's one command (docs/catalog.md): it prints what changed against the
committed file — new releases and heads, new revisions with their class and rolling safety, revisions edited
after release, flavors added or removed, version tables. The catalog is the only table generated from
releases. The same run writes routes.json (scripts/catalog_routes.py): the REST routes each release from 1.30.1
serves and the calls its client makes, for `compat`'s verdicts.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "scripts"))

import catalog_routes  # noqa: E402

from mlflow_upgrade.catalog.analyze import (  # noqa: E402
    ANALYZER_VERSION,
    MODEL_FILES,
    analyze_source,
    model_tablenames,
    version_table,
)

SCRIPT_VERSION = 3  # 2: flavors per release; 3: a release without its mlflow-skinny wheel is named as such
OUTPUT = REPO / "src" / "mlflow_upgrade" / "catalog" / "revisions.json"
ROUTES_OUTPUT = OUTPUT.with_name("routes.json")
# When each release was published (its first file's upload to PyPI): dates a model whose MLmodel predates the
# mlflow_version field by its utc_time_created. Kept apart from revisions.json so it can be refreshed alone.
DATES_OUTPUT = REPO / "src" / "mlflow_upgrade" / "catalog" / "release_dates.json"
CACHE = Path(os.environ.get("MLFLOW_UPGRADE_WHEEL_CACHE", "/work/.cache/wheels"))
INDEX_URL = "https://pypi.org/pypi/{name}/json"
FIRST_RELEASE = Version("1.0.0")
SKINNY_FROM = Version("1.14.0")

# Alembic script directories per database, first match wins (MLflow 1.0.0 kept tracking's in mlflow/alembic).
DBS = {
    "tracking": ("mlflow/store/db_migrations", "mlflow/alembic"),
    "auth": ("mlflow/server/auth/db/migrations",),
}
SCRIPT_NAME = re.compile(r"^[^/]+\.py$")


@dataclass(frozen=True)
class Release:
    version: str
    package: str  # "mlflow-skinny" or "mlflow"
    yanked: bool


@dataclass
class WheelContents:
    wheel: Path
    sha256: str
    scripts: dict[str, dict[str, str]] = field(default_factory=dict)  # db -> file name -> source
    version_tables: dict[str, str | None] = field(default_factory=dict)  # db -> table (None: no db)
    dirs: dict[str, str | None] = field(default_factory=dict)  # db -> script directory in the wheel
    tablenames: dict[str, str] = field(default_factory=dict)  # ORM class -> table
    flavors: set[str] = field(default_factory=set)  # mlflow.<name> modules that define a log_model()


# -- release selection --------------------------------------------------------------------------
def load_index(name: str, refresh: bool) -> dict[str, Any]:
    """PyPI's JSON for a project, cached next to the wheels so reruns work offline."""
    path = CACHE / "_index" / f"{name}.json"
    if refresh or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(INDEX_URL.format(name=name), timeout=60) as response:
            path.write_bytes(response.read())
    return json.loads(path.read_text())["releases"]


def select_releases(mlflow: dict[str, Any], skinny: dict[str, Any]) -> tuple[list[Release], dict[str, str]]:
    """Final releases from 1.0.0 on, and the ones that cannot be read with the reason."""
    releases, skipped = [], {}
    for version in sorted(mlflow, key=Version):
        parsed = Version(version)
        if parsed < FIRST_RELEASE or parsed.is_prerelease or parsed.is_devrelease:
            continue
        files = skinny.get(version) if parsed >= SKINNY_FROM else mlflow[version]
        if parsed >= SKINNY_FROM and not files:
            # Only the wheel we read is missing: the release itself may well install from other indexes.
            skipped[version] = f"PyPI lists no mlflow-skinny=={version} wheel to read its scripts from"
            continue
        wheels = [f for f in files or [] if f["packagetype"] == "bdist_wheel"]
        if not wheels:
            skipped[version] = "no wheel on PyPI"
            continue
        package = "mlflow-skinny" if parsed >= SKINNY_FROM else "mlflow"
        # Yanked is a property of the `mlflow` release users install, not of its skinny twin.
        yanked = bool(mlflow[version]) and all(f.get("yanked") for f in mlflow[version])
        releases.append(Release(version, package, yanked))
    return releases, skipped


# -- downloads --------------------------------------------------------------------------------
def _pip() -> list[str]:
    """A pip to download with: this interpreter's, else the first `python3` on PATH that has one."""
    for python in (sys.executable, shutil.which("python3")):
        if python and subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode == 0:
            return [python, "-m", "pip"]
    raise SystemExit("pip is needed to download wheels (python3 -m pip)")


def cached_wheel(release: Release) -> Path | None:
    prefix = release.package.replace("-", "_") + "-" + release.version + "-"
    found = sorted((CACHE / release.version).glob(prefix + "*.whl"))
    return found[0] if found else None


def download(release: Release, pip: list[str]) -> Path:
    """The release's wheel, from the cache or `pip download --no-deps`."""
    if (wheel := cached_wheel(release)) is not None:
        return wheel
    target = CACHE / release.version
    target.mkdir(parents=True, exist_ok=True)
    base = [
        *pip,
        "download",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--ignore-requires-python",
        "-q",
        "-d",
        str(target),
        f"{release.package}=={release.version}",
    ]
    # MLflow 1.2-1.7 published their wheels tagged py2 only; the content is the same.
    for extra in ([], ["--python-version", "2.7"]):
        result = subprocess.run(base + extra, capture_output=True, text=True)
        if result.returncode == 0 and (wheel := cached_wheel(release)) is not None:
            return wheel
    raise RuntimeError(f"pip download {release.package}=={release.version} failed: {result.stderr[-400:]}")


FLAVOR_FILE = re.compile(r"mlflow/([a-z_0-9]+)(?:/.*)?\.py$")
LOG_MODEL_DEF = re.compile(rb"^def log_model\(", re.M)


def read_wheel(wheel: Path) -> WheelContents:
    """Only the migration scripts and env.py files, straight from the zip."""
    contents = WheelContents(wheel=wheel, sha256=hashlib.sha256(wheel.read_bytes()).hexdigest())
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        models = [archive.read(n).decode("utf-8") for n in sorted(names) if MODEL_FILES.match(n)]
        contents.tablenames = model_tablenames(models)
        contents.flavors = wheel_flavors(archive, names)
        for db, candidates in DBS.items():
            directory = next((d for d in candidates if f"{d}/env.py" in names), None)
            versions_dir = f"{directory}/versions/"
            scripts = {}
            for name in sorted(names):
                rest = name[len(versions_dir) :] if directory and name.startswith(versions_dir) else ""
                if SCRIPT_NAME.match(rest) and rest != "__init__.py":
                    scripts[rest] = archive.read(name).decode("utf-8")
            contents.scripts[db] = scripts
            contents.dirs[db] = directory
            contents.version_tables[db] = (
                version_table(archive.read(f"{directory}/env.py").decode("utf-8")) if directory else None
            )
    return contents


def wheel_flavors(archive: zipfile.ZipFile, names: set[str]) -> set[str]:
    """Model flavors a release ships: top-level `mlflow.<name>` modules with a module-level `def log_model(`."""
    flavors = set()
    for name in names:
        match = FLAVOR_FILE.match(name)
        if match and match.group(1) not in flavors and LOG_MODEL_DEF.search(archive.read(name)):
            flavors.add(match.group(1))
    return flavors


def flavor_ranges(releases: list[Release], contents: dict[str, WheelContents]) -> dict[str, dict[str, Any]]:
    """{flavor: first and last release shipping it, how many, and the releases in between that lack it}."""
    versions = [r.version for r in releases]
    out: dict[str, dict[str, Any]] = {}
    for flavor in sorted(set().union(*(contents[v].flavors for v in versions))):
        shipping = [v for v in versions if flavor in contents[v].flavors]
        first, last = versions.index(shipping[0]), versions.index(shipping[-1])
        out[flavor] = {
            "first": shipping[0],
            "last": shipping[-1],
            "releases": len(shipping),
            "missing_in": [v for v in versions[first : last + 1] if v not in shipping],
        }
    return out


# -- aggregation ------------------------------------------------------------------------------
def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _code_digest(source: str) -> str:
    """Digest of the code alone: formatting, comments and the module docstring do not count."""
    tree = ast.parse(source)
    if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant):
        tree.body = tree.body[1:]
    return _digest(ast.dump(tree))


def heads(revisions: dict[str, dict[str, Any]]) -> list[str]:
    parents: set[str] = set()
    for facts in revisions.values():
        parent = facts["parent"]
        parents.update(parent if isinstance(parent, list) else [parent] if parent else [])
    return sorted(set(revisions) - parents)


def version_range(versions: list[str]) -> str:
    return versions[0] if len(versions) == 1 else f"{versions[0]}–{versions[-1]}"


class DbBuilder:
    """Collects one database's revisions over all releases, oldest release first."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.latest: dict[str, dict[str, Any]] = {}  # rev -> facts from the newest shipping release
        self.shipping: dict[str, list[str]] = {}
        self.head_of: dict[str, list[str]] = {}
        self.revised_in: dict[str, list[str]] = {}  # code changed (formatting and comments ignored)
        self.ops_changed_in: dict[str, list[str]] = {}  # analysed operations changed
        self.digest: dict[str, str] = {}
        self.ops_digest: dict[str, str] = {}
        self.release_heads: dict[str, str | list[str] | None] = {}
        self.analyses: dict[str, dict[str, Any]] = {}  # source sha -> facts (same text, same facts)

    def add_release(self, version: str, scripts: dict[str, str], tablenames: dict[str, str]) -> None:
        revisions = {}
        names_digest = _digest(json.dumps(tablenames, sort_keys=True))
        for file_name, source in scripts.items():
            text_digest = _digest(source + names_digest)
            if text_digest not in self.analyses:
                self.analyses[text_digest] = analyze_source(source, file_name, tablenames)
                self.analyses[text_digest]["_code"] = _code_digest(source)
            facts = dict(self.analyses[text_digest])
            digest, ops_digest = facts.pop("_code"), _digest(json.dumps(facts["ops"], sort_keys=True))
            rev = facts["revision"]
            revisions[rev] = facts
            if rev in self.digest and self.digest[rev] != digest:
                self.revised_in.setdefault(rev, []).append(version)
            if rev in self.ops_digest and self.ops_digest[rev] != ops_digest:
                self.ops_changed_in.setdefault(rev, []).append(version)
            self.digest[rev], self.ops_digest[rev] = digest, ops_digest
            self.latest[rev] = facts
            self.shipping.setdefault(rev, []).append(version)
        found = heads(revisions)
        for rev in found:
            self.head_of.setdefault(rev, []).append(version)
        self.release_heads[version] = (found[0] if len(found) == 1 else found) if found else None

    def revisions(self, all_versions: list[str]) -> dict[str, dict[str, Any]]:
        result = {}
        for rev, facts in self.latest.items():
            shipped = self.shipping[rev]
            span = all_versions[all_versions.index(shipped[0]) : all_versions.index(shipped[-1]) + 1]
            entry = {k: v for k, v in facts.items() if k != "revision" and v is not None}
            entry.update(
                {
                    "introduced_in": shipped[0],
                    "shipped_in": {
                        "first": shipped[0],
                        "last": shipped[-1],
                        "releases": len(shipped),
                        "range": version_range(shipped),
                    },
                    "head_of": self.head_of.get(rev, []),
                }
            )
            if missing := [v for v in span if v not in shipped]:
                entry["shipped_in"]["missing_in"] = missing
            if rev in self.revised_in:
                entry["revised_in"] = self.revised_in[rev]
            if rev in self.ops_changed_in:
                entry["ops_changed_in"] = self.ops_changed_in[rev]
            result[rev] = entry
        return result


def table_ranges(per_release: dict[str, str | None]) -> dict[str, str]:
    """{version table: "first–last"} over the releases that have the database."""
    seen: dict[str, list[str]] = {}
    for version in sorted(per_release, key=Version):
        if (table := per_release[version]) is not None:
            seen.setdefault(table, []).append(version)
    return {table: version_range(versions) for table, versions in seen.items()}


def build(
    releases: list[Release], contents: dict[str, WheelContents], skipped: dict[str, str]
) -> dict[str, Any]:
    versions = [r.version for r in releases]
    builders = {db: DbBuilder(db) for db in DBS}
    for release in releases:
        for db, builder in builders.items():
            wheel = contents[release.version]
            builder.add_release(release.version, wheel.scripts[db], wheel.tablenames)
    catalog: dict[str, Any] = {"format": 1, "skipped": skipped, "releases": {}}
    for db, builder in builders.items():
        tables = {r.version: contents[r.version].version_tables[db] for r in releases}
        dirs = {r.version: contents[r.version].dirs[db] for r in releases}
        catalog[db] = {
            "revisions": builder.revisions(versions),
            "version_tables": table_ranges(tables),
            "script_dirs": table_ranges(dirs),
        }
    for release in releases:
        wheel = contents[release.version]
        catalog["releases"][release.version] = {
            "package": release.package,
            "yanked": release.yanked,
            "tracking_head": builders["tracking"].release_heads[release.version],
            "auth_head": builders["auth"].release_heads[release.version],
            "tracking_version_table": wheel.version_tables["tracking"],
            "auth_version_table": wheel.version_tables["auth"],
        }
    catalog["flavors"] = flavor_ranges(releases, contents)
    catalog["generated_from"] = {
        "script": "scripts/build_catalog.py",
        "script_version": SCRIPT_VERSION,
        "analyzer_version": ANALYZER_VERSION,
        "indexes": [INDEX_URL.format(name="mlflow"), INDEX_URL.format(name="mlflow-skinny")],
        "selection": f"final releases >= {FIRST_RELEASE} (pre-releases and dev builds excluded); "
        f"mlflow-skinny wheel from {SKINNY_FROM}, full mlflow wheel before",
        "wheels": {
            r.version: {"file": contents[r.version].wheel.name, "sha256": contents[r.version].sha256}
            for r in releases
        },
    }
    return catalog


def build_routes(releases: list[Release], contents: dict[str, WheelContents], jobs: int) -> dict[str, Any]:
    """routes.json: served routes and client calls of every release from catalog_routes.FIRST on."""
    covered = [r for r in releases if Version(r.version) >= catalog_routes.FIRST]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        per_release = dict(zip([r.version for r in covered],
                               pool.map(lambda r: catalog_routes.read_release(str(contents[r.version].wheel)),
                                        covered), strict=True))
    table = catalog_routes.build_table(per_release)
    table["generated_from"] = {
        "script": "scripts/build_catalog.py (scripts/catalog_routes.py)",
        "routes_version": catalog_routes.ROUTES_VERSION,
        "selection": f"the catalog's releases from {catalog_routes.FIRST} (wheels as in revisions.json)",
    }
    return table


def release_dates(mlflow: dict[str, Any]) -> dict[str, str]:
    """{version: first upload time (UTC, ISO 8601, seconds)} of every final release from 1.0.0 on."""
    dates = {}
    for version, files in mlflow.items():
        parsed = Version(version)
        times = [f["upload_time_iso_8601"] for f in files or [] if f.get("upload_time_iso_8601")]
        if parsed >= FIRST_RELEASE and not parsed.is_prerelease and not parsed.is_devrelease and times:
            dates[version] = min(times)[:19] + "Z"
    return dict(sorted(dates.items(), key=lambda item: Version(item[0])))


def render_dates(mlflow: dict[str, Any]) -> str:
    return json.dumps({"source": INDEX_URL.format(name="mlflow"), "generated_by": "scripts/build_catalog.py",
                       "released": release_dates(mlflow)}, indent=1) + "\n"


def render(catalog: dict[str, Any]) -> str:
    return json.dumps(catalog, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def fetch_all(releases: Iterable[Release], jobs: int) -> dict[str, WheelContents]:
    pending = [r for r in releases if cached_wheel(r) is None]
    pip = _pip() if pending else []

    def one(release: Release) -> tuple[str, WheelContents]:
        return release.version, read_wheel(download(release, pip))

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return dict(pool.map(one, releases))


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What a rebuild changed, one line each: what a maintainer reviews before committing it."""
    lines: list[str] = []
    added = sorted(set(new["releases"]) - set(old.get("releases", {})), key=Version)
    for version in added:
        info = new["releases"][version]
        lines.append(
            f"release {version}: tracking head {info['tracking_head']}, auth head {info['auth_head']}"
            + (" (yanked)" if info["yanked"] else "")
        )
    for version in sorted(set(old.get("releases", {})) - set(new["releases"]), key=Version):
        lines.append(f"release {version}: no longer read")
    for version, reason in sorted(new.get("skipped", {}).items()):
        if old.get("skipped", {}).get(version) != reason:
            lines.append(f"skipped {version}: {reason}")
    for version in sorted(set(old.get("skipped", {})) - set(new.get("skipped", {})), key=Version):
        lines.append(f"skipped {version}: no longer skipped")
    for db in DBS:
        lines += _revision_changes(db, old.get(db, {}).get("revisions", {}), new[db]["revisions"])
        if set(old.get(db, {}).get("version_tables", {})) != set(new[db]["version_tables"]):
            lines.append(f"{db} version tables: {new[db]['version_tables']}")
    old_newest = max(old.get("releases", {}), key=Version, default=None)
    newest = max(new["releases"], key=Version)
    lines += _flavor_changes(old.get("flavors", {}), new["flavors"], old_newest, newest)
    return lines


def _revision_changes(db: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    for rev in _chain_order(new, set(new) - set(old)):
        facts = new[rev]
        rolling = "rolling-safe" if facts["rolling_safe"] else f"not rolling-safe ({facts['rolling_note']})"
        data = ", runs statements on rows" if facts["data_migration"] else ""
        lines.append(
            f"new {db} revision {rev} ({facts['introduced_in']}, after {facts.get('parent')}): "
            f"{facts['classification']}{data}, {rolling} — {facts['message']}"
        )
    for rev in sorted(set(old) - set(new)):
        lines.append(f"{db} revision {rev}: gone from every release read")
    for rev in sorted(set(old) & set(new)):
        before, after = old[rev], new[rev]
        for key, what in (("revised_in", "code edited"), ("ops_changed_in", "operations changed")):
            if before.get(key) != after.get(key):
                lines.append(f"{db} revision {rev}: {what} in {', '.join(after.get(key) or ['-'])}")
        for key in ("classification", "rolling_safe", "data_migration"):
            if before.get(key) != after.get(key):
                lines.append(f"{db} revision {rev}: {key} {before.get(key)} -> {after.get(key)}")
    return lines


def _chain_order(revisions: dict[str, Any], wanted: set[str]) -> list[str]:
    """`wanted` in upgrade order: a revision after its parents (ties by id)."""
    depth: dict[str, int] = {}

    def level(rev: str) -> int:
        if rev not in depth:
            parent = revisions.get(rev, {}).get("parent")
            parents = parent if isinstance(parent, list) else [parent] if parent else []
            depth[rev] = 1 + max((level(p) for p in parents if p in revisions), default=0)
        return depth[rev]

    return sorted(wanted, key=lambda rev: (level(rev), rev))


def _flavor_changes(
    old: dict[str, Any], new: dict[str, Any], old_newest: str | None, newest: str
) -> list[str]:
    """Flavors the newest release ships that the previously newest did not, and the reverse."""
    was = {name for name, f in old.items() if f["last"] == old_newest}
    now = {name for name, f in new.items() if f["last"] == newest}
    lines = [f"flavor {name}: new in {new[name]['first']}" for name in sorted(now - was)]
    lines += [f"flavor {name}: removed, last shipped in {new[name]['last']}" for name in sorted(was - now)]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--jobs", type=int, default=6, help="parallel downloads")
    parser.add_argument("--refresh-index", action="store_true", help="re-fetch PyPI's release lists")
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="the release checklist's command: re-fetch PyPI's release lists, rebuild, print what changed",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if --output differs from a rebuild")
    parser.add_argument("--dates", action="store_true", help="only write release_dates.json (no wheels needed)")
    args = parser.parse_args(argv)

    refresh = args.refresh or args.refresh_index
    dates = render_dates(load_index("mlflow", refresh))
    if args.dates or not args.check:
        DATES_OUTPUT.write_text(dates)
    if args.dates:
        print(f"{len(json.loads(dates)['released'])} release dates -> {DATES_OUTPUT}")
        return 0
    releases, skipped = select_releases(load_index("mlflow", refresh), load_index("mlflow-skinny", refresh))
    contents = fetch_all(releases, args.jobs)
    text = render(build(releases, contents, skipped))
    routes_output = args.output.with_name(ROUTES_OUTPUT.name)
    routes_text = render(build_routes(releases, contents, args.jobs))
    current = args.output.read_text() if args.output.exists() else ""
    current_routes = routes_output.read_text() if routes_output.exists() else ""
    current_dates = DATES_OUTPUT.read_text() if DATES_OUTPUT.exists() else ""
    if args.check:
        stale = [str(p) for p, old, new in ((args.output, current, text), (routes_output, current_routes, routes_text),
                                            (DATES_OUTPUT, current_dates, dates))
                 if old != new]
        print(f"{', '.join(stale)} out of date" if stale else "up to date")
        return 1 if stale else 0
    args.output.write_text(text)
    routes_output.write_text(routes_text)
    routes = json.loads(routes_text)
    print(f"routes: {len(routes['releases'])} releases ({routes['releases'][0]}–{routes['releases'][-1]}), "
          f"{len(routes['server'])} served routes, {len(routes['client']['calls'])} client RPCs -> {routes_output}")
    catalog = json.loads(text)
    counts = {db: len(catalog[db]["revisions"]) for db in DBS}
    print(
        f"{len(releases)} releases read, {len(skipped)} skipped ({', '.join(skipped) or 'none'}); "
        f"revisions: tracking {counts['tracking']}, auth {counts['auth']} -> {args.output}"
    )
    found = changes(json.loads(current) if current else {}, catalog)
    print("\n".join(["changes:", *(f"  {line}" for line in found)]) if found else "no changes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
