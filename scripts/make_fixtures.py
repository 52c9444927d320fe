"""Build the test fixtures with REAL old MLflow releases, each in its own uv venv.

Usage (from the repository root, with the dev venv or any Python >= 3.10; needs ``uv`` on PATH):

    python scripts/make_fixtures.py                    # every release in RELEASES
    python scripts/make_fixtures.py --release 2.16.2   # one release (repeatable)
    python scripts/make_fixtures.py --jobs 3           # releases built in parallel (default 3)
    python scripts/make_fixtures.py --models           # only the model fixtures (MODEL_RELEASES), see below

For each release it

1. creates (or reuses) ``$MLFLOW_UPGRADE_VENVS/mlflow-<release>`` (default ``~/.cache/mlflow-upgrade/venvs``, shared with ``diffcheck``) with the
   Python and pins from docs FACTS (``RELEASES`` below), via ``uv venv`` + ``uv pip install``;
2. runs ``scripts/fixture_writer.py`` in that venv twice, in the fixed build directory
   ``/tmp/mlflow-upgrade-fixtures/<release>`` (fixed, so the absolute artifact paths MLflow stores in the
   databases and meta.yaml files are the same on every rebuild): ``--kind sql`` writes ``mlflow.db`` (tracking +
   registry), ``artifacts/`` and, for >= 2.5, ``basic_auth.db``; ``--kind file`` writes ``mlruns/`` (with the
   registry for >= 2.0);
3. replaces ``tests/fixtures/<release>/`` with those files plus ``manifest.json`` (release, Python, pins,
   tracking/auth revisions checked against FACTS, row counts of every table, file-store counts, the empty
   directories of the file store (git drops them; ``tests/support/fixture_stores.py`` recreates them on copy),
   what was written, what was skipped and why);
4. for 1.30.1, copies ``mlflow.db`` to ``src/mlflow_upgrade/examples/mlflow-1.30.1.db``.

    python scripts/make_fixtures.py --check-faithfulness 1.30.1 2.16.2   # with the dev venv's python

``--check-faithfulness`` builds nothing: for each release it lets the release itself (its venv, psycopg2 /
pymysql) create a tracking store and an auth DB on PostgreSQL and MariaDB, builds the same stores with
``tests.support.fixture_stores.load_fixture_into`` (installed MLflow's migrations + row copy), and prints the
schema differences (tables, columns and types, PKs, indexes, unique constraints, FKs).

``--models`` builds, for each release in ``MODEL_RELEASES``, ``tests/fixtures/<release>/models/``: a SQLite store
(``mlflow.db``) and its ``artifacts/`` in which ``scripts/model_fixture_writer.py`` (run in the release's venv with
scikit-learn and diviner added) logged and registered a sklearn, a custom pyfunc and a diviner model. The build
directory is ``/tmp/mlflow-upgrade-model-fixtures/<release>``: the artifact URIs in the database point there, and
the tests copy the fixture back to that path (``tests/support/model_fixtures.py``) before loading the models.

It fails if a release's tracking head differs from FACTS or the fixture tree grows past 10 MB.
Run ids, experiment creation times and password hashes differ between rebuilds; metric/run timestamps do not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # the library's venv creation, also without an installed package
from mlflow_upgrade.catalog import venvs  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLE_DB = ROOT / "src" / "mlflow_upgrade" / "examples" / "mlflow-1.30.1.db"
WRITER = Path(__file__).resolve().parent / "fixture_writer.py"
MODEL_WRITER = Path(__file__).resolve().parent / "model_fixture_writer.py"
BUILD = Path("/tmp/mlflow-upgrade-fixtures")
MODEL_BUILD = Path("/tmp/mlflow-upgrade-model-fixtures")  # tests/support/model_fixtures.py copies back here
VENVS = venvs.cache_dir()  # $MLFLOW_UPGRADE_VENVS, else ~/.cache/mlflow-upgrade/venvs: shared with `diffcheck`
MAX_TREE_BYTES = 10 * 1024 * 1024
# The venvs get psycopg2/pymysql too (install_pins.json "drivers"): not needed to write SQLite/file stores, they
# let the same venvs create reference PostgreSQL/MariaDB stores for the schema-faithfulness check
# (tests/support/fixture_stores.py) and serve server stores in `diffcheck`.

# Python, extra and pins per release: the library's one copy (src/mlflow_upgrade/catalog/install_pins.json),
# also used by `diffcheck`; the tracking heads here are FACTS the build checks.
HEADS: dict[str, str | None] = {"1.30.1": "97727af70f4d", "2.9.2": "acf3f17fdcc7", "2.16.2": "4465047574b1",
                                # Not in FACTS: with OpenTelemetry 1.45, 2.22.5 left traces without spans.
                                "2.22.5": None, "3.0.1": "bda7b8c39065", "3.17.2": "dc11669786a5"}
RELEASES: dict[str, dict] = {
    release: {"python": spec.python, "pins": list(spec.pins), "extra": spec.extra, "head": HEADS.get(release)}
    for release, spec in ((r, venvs.install_spec(r)) for r in venvs.listed_releases())
}


# Releases whose model fixtures are built (`--models`), and what their venvs need next to MLflow to log them.
# diviner (its flavor was removed in 3.7.0) installs with both releases; fastai/mleap/gluon need torch, a JVM
# or an mxnet wheel for these Pythons.
MODEL_RELEASES = ("1.30.1", "2.22.5")
MODEL_PACKAGES = ["scikit-learn", "diviner"]


def venv_python(release: str, extra_packages: tuple[str, ...] = ()) -> Path:
    """Create the release's venv if missing; (re)apply the pins every time (a no-op for uv when satisfied)."""
    return venvs.venv_python(release, VENVS, extra_packages=extra_packages)


def run_writer(python: Path, build: Path, kind: str) -> dict:
    env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true", MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true",
               PYTHONWARNINGS="ignore")
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):  # the writer picks its own store URIs
        env.pop(name, None)
    # The writer runs from the build directory, outside any git checkout, so MLflow's run-context providers
    # record no repository commit; its log is kept next to the build for debugging.
    script = build.parent / "fixture_writer.py"
    shutil.copy2(WRITER, script)
    with open(build / f"writer-{kind}.log", "w") as out:
        subprocess.run([str(python), str(script), "--kind", kind, "--out", str(build)], cwd=build, env=env,
                       stdout=out, stderr=subprocess.STDOUT, check=True)
    return json.loads((build / f"writer-{kind}.json").read_text())


def empty_dirs(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir() and not any(p.iterdir()))


def build_release(release: str) -> dict:
    spec = RELEASES[release]
    python = venv_python(release)
    build = BUILD / release
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    sql = run_writer(python, build, "sql")
    files = run_writer(python, build, "file")
    auth_rev = sql.get("auth_revision") or {}
    manifest = {
        "release": release,
        "python": sql["python"],
        "install": [f"mlflow{spec['extra']}=={release}", *spec["pins"]],
        "pins": spec["pins"],
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "build_dir": str(build),
        "tracking_revision": sql["tracking_revision"],
        "tracking_head_of_release": sql["code_head"],
        "tracking_head_in_facts": spec["head"],
        "auth_revision": next(iter(auth_rev.values()), None),
        "auth_version_table": next(iter(auth_rev), None),
        "table_counts": sql["table_counts"],
        "auth_table_counts": sql.get("auth_table_counts"),
        "file_store_counts": files["file_store_counts"],
        "file_store_registry": int(release.split(".")[0]) >= 2,
        "file_store_empty_dirs": empty_dirs(build / "mlruns"),
        "duplicate_points_stored": {"sql": sql["duplicate_points_stored"], "file": files["duplicate_points_stored"]},
        "written": {"sql": sql["written"], "file": files["written"]},
        "skipped": {"sql": sql["skipped"], "file": files["skipped"]},
        "notes": sorted(set(sql["notes"] + files["notes"])),
        "ids": {"sql": sql["ids"], "file": files["ids"]},
    }
    head_ok = spec["head"] is None or spec["head"] == sql["tracking_revision"] == sql["code_head"]
    if not head_ok:
        raise SystemExit(f"{release}: tracking revision {sql['tracking_revision']} != FACTS head {spec['head']}")
    install(release, build, manifest)
    return manifest


def install(release: str, build: Path, manifest: dict) -> None:
    dest = FIXTURES / release
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for name in ("mlflow.db", "basic_auth.db"):
        if (build / name).exists():
            shutil.copy2(build / name, dest / name)
    for name in ("mlruns", "artifacts"):
        if (build / name).exists():
            shutil.copytree(build / name, dest / name, symlinks=True)
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    if release == "1.30.1":
        EXAMPLE_DB.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(build / "mlflow.db", EXAMPLE_DB)


def build_models(release: str) -> dict:
    """tests/fixtures/<release>/models/: models logged and registered by the release itself (see the docstring)."""
    python = venv_python(release, tuple(MODEL_PACKAGES))
    build = MODEL_BUILD / release
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    script = MODEL_BUILD / "model_fixture_writer.py"
    shutil.copy2(MODEL_WRITER, script)
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true", PYTHONWARNINGS="ignore")
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
        env.pop(name, None)
    with open(MODEL_BUILD / f"writer-models-{release}.log", "w") as out:
        subprocess.run([str(python), str(script), "--out", str(build)], cwd=build, env=env, stdout=out,
                       stderr=subprocess.STDOUT, check=True)
    written = json.loads((build / "writer-models.json").read_text())
    manifest = {"release": release, "python": written["python"], "build_dir": str(build),
                "install": [f"mlflow{RELEASES[release]['extra']}=={release}", *RELEASES[release]["pins"],
                            *MODEL_PACKAGES],
                "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "logged": written["logged"]}
    dest = FIXTURES / release / "models"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    shutil.copy2(build / "mlflow.db", dest / "mlflow.db")
    shutil.copytree(build / "artifacts", dest / "artifacts")
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


REFERENCE_STORE = """
import sys
kind, uri = sys.argv[1], sys.argv[2]
if kind == "tracking":
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    SqlAlchemyStore(uri, "/tmp/mlflow-upgrade-faithfulness-artifacts")
else:
    from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore
    SqlAlchemyStore().init_db(uri)
"""


def _new_database(admin_url: str) -> str:
    import uuid

    import sqlalchemy as sa

    admin = sa.make_url(admin_url)
    name = f"mlu_faithful_{uuid.uuid4().hex[:8]}"
    quote = '"' if admin.get_backend_name() == "postgresql" else "`"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {quote}{name}{quote}")
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    import sqlalchemy as sa

    target = sa.make_url(url)
    engine = sa.create_engine(target.set(database="test"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if target.get_backend_name() == "postgresql":
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        else:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{target.database}`")
    engine.dispose()


def _schema_diff(ref: dict, loaded: dict) -> list[str]:
    out = [f"table only in the release's own store: {t}" for t in sorted(set(ref) - set(loaded))]
    out += [f"table only in the loaded store: {t}" for t in sorted(set(loaded) - set(ref))]
    for table in sorted(set(ref) & set(loaded)):
        for part in ("columns", "pk", "indexes", "unique", "fks", "checks"):
            a, b = ref[table][part], loaded[table][part]
            if a != b:
                if part == "columns":
                    a = {k: v for k, v in a.items() if b.get(k) != v}
                    b = {k: v for k, v in b.items() if ref[table][part].get(k) != v}
                out.append(f"{table}.{part}: release {a} != loaded {b}")
    return out


def check_faithfulness(releases: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from tests.conftest import MYSQL_ADMIN, PG_ADMIN
    from tests.support import fixture_stores as fs

    old_driver = {"postgresql": "postgresql+psycopg2", "mysql": "mysql+pymysql"}
    problems = 0
    for release in releases:
        python = venv_python(release)
        kinds = ["tracking"] + (["auth"] if fs.manifest(release).get("auth_revision") else [])
        for admin in (PG_ADMIN, MYSQL_ADMIN):
            for kind in kinds:
                ref, loaded = _new_database(admin), _new_database(admin)
                try:
                    dialect = ref.split("+")[0].split(":")[0]
                    old_url = old_driver[dialect] + ref[ref.index(":"):]
                    made = subprocess.run([str(python), "-c", REFERENCE_STORE, kind, old_url],
                                          capture_output=True, text=True)
                    if made.returncode:
                        errors = [ln for ln in made.stderr.splitlines() if "Error" in ln and ":" in ln]
                        last = (errors or made.stderr.strip().splitlines())[-1][:200]
                        print(f"{release} {dialect} {kind}: the release itself fails: {last}")
                        continue
                    load = fs.load_fixture_into if kind == "tracking" else fs.load_auth_fixture_into
                    load(release, loaded)
                    diff = _schema_diff(fs.schema_snapshot(ref), fs.schema_snapshot(loaded))
                    problems += len(diff)
                    print(f"{release} {dialect} {kind}: {'identical' if not diff else 'DIFFERENT'}")
                    for line in diff:
                        print("   ", line)
                finally:
                    _drop_database(ref)
                    _drop_database(loaded)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", action="append", choices=sorted(RELEASES), help="default: all")
    parser.add_argument("--jobs", type=int, default=3)
    parser.add_argument("--check-faithfulness", nargs="*", metavar="RELEASE",
                        help="compare loaded server stores with ones the release creates (default 1.30.1 2.16.2)")
    parser.add_argument("--models", action="store_true", help="only the model fixtures of MODEL_RELEASES")
    args = parser.parse_args(argv)
    if args.models:
        for release in args.release or MODEL_RELEASES:
            manifest = build_models(release)
            print(f"{release}: models {', '.join(manifest['logged'])}")
        return 0
    if args.check_faithfulness is not None:
        return check_faithfulness(args.check_faithfulness or ["1.30.1", "2.16.2"])
    releases = args.release or list(RELEASES)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for manifest in pool.map(build_release, releases):
            print(f"{manifest['release']}: tracking {manifest['tracking_revision']}, auth "
                  f"{manifest['auth_revision']}, skipped {sum(len(v) for v in manifest['skipped'].values())}")
    size = tree_bytes(FIXTURES)
    print(f"tests/fixtures: {size / 1e6:.2f} MB")
    if size > MAX_TREE_BYTES:
        print("fixture tree exceeds 10 MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
