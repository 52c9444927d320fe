#!/usr/bin/env python
"""Build src/mlflow_upgrade/filestore/schemas/<dialect>-mlflow-<release>.json: MLflow's migrated empty schema.

For the MLflow that imports here (or, with ``--mlflow-path DIR``, a release installed with ``pip install --target
DIR``, e.g. the 3.18.0 overlay in .cache/mlflow-next), and for each dialect (SQLite, PostgreSQL, MySQL/MariaDB),
run MLflow's own ``_initialize_tables`` in a child process on an empty SQLite file / a fresh database created on
the local server, and dump the result with ``filestore.template.build`` (each dialect's ``dump_template``: the
server's catalog, no client tools), keyed by ``template.installed_key()`` (release, SHA-256 of the schema's
source files, SQLAlchemy and Alembic minor versions) and, on a server, its ``template_server`` (version; on
MySQL/MariaDB the database's default charset, collation and engine). The child then applies the dump to a
second empty database and dumps that: a template that does not give back exactly its own dump is not written.

    .venv/bin/python scripts/build_schema_templates.py                              # the installed release
    .venv/bin/python scripts/build_schema_templates.py --mlflow-path .cache/mlflow-next
    .venv/bin/python scripts/build_schema_templates.py --check                      # exit 1 if out of date
    .venv/bin/python scripts/build_schema_templates.py --dialect sqlite             # no server needed

The servers are ``--postgresql`` / ``--mysql`` (an account that may CREATE and DROP DATABASE; defaults: the
test servers, 127.0.0.1 as postgres / root). A server that cannot be reached is reported and its template is
neither written nor checked: the exit status is then 2 (unless another template is out of date: 1).
A template built on another server version is "OUT OF DATE" for ``--check`` (its server record differs).

`migrate-filestore` and `migrate-db` use a template only when its key (and server record) equals the installed
MLflow's (and the destination's); otherwise they run the migrations.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from mlflow_upgrade.dialects import get_dialect  # noqa: E402 (from the checkout, after sys.path)
from mlflow_upgrade.filestore.template import DIALECTS, TEMPLATE_DIR, template_path  # noqa: E402
from mlflow_upgrade.store.uri import mask_uri, parse_store_uri  # noqa: E402

SERVERS = {"postgresql": os.environ.get("MLFLOW_UPGRADE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
           "mysql": os.environ.get("MLFLOW_UPGRADE_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")}

# argv: the URI of the empty database MLflow's migrations fill, the URI of a second one the dump is replayed into
_CHILD = """
import json, sys, logging
import sqlalchemy as sa
from mlflow.store.db.utils import _initialize_tables
logging.disable(logging.INFO)
made, replayed = (sa.create_engine(uri, poolclass=sa.pool.NullPool) for uri in sys.argv[1:3])
_initialize_tables(made)
# imported after the migrations, as always: what runs before them decides the order of set members they write
from mlflow_upgrade.filestore import template
from mlflow_upgrade.dialects import get_dialect
with made.begin() as conn:
    data = template.build(conn)
get_dialect(replayed.dialect.name).apply_template(replayed, data)
with replayed.begin() as conn:
    again = template.build(conn)
if again != data:
    sys.exit("the dump does not recreate itself: " + json.dumps([s for s in again.get("statements", again.get("schema"))
             if s not in data.get("statements", data.get("schema"))][:3]))
print(json.dumps(data, indent=1))
"""


class Unreachable(Exception):
    """The server of a dialect cannot be reached (or refuses a scratch database)."""


def build(dialect: str, mlflow_path: Path | None, server: str | None) -> tuple[Path, str]:
    env = dict(os.environ)
    paths = [str(REPO / "src")] + ([str(mlflow_path.resolve())] if mlflow_path else [])
    # MLflow's migrations write the constraint clauses of `runs` in set order: a fixed hash seed makes the
    # dump reproducible (--check), and is one of the orders MLflow itself produces
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONPATH"] = os.pathsep.join([*reversed(paths), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    with tempfile.TemporaryDirectory() as tmp, _databases(dialect, server, Path(tmp)) as uris:
        child = subprocess.run([sys.executable, "-c", _CHILD, *uris], env=env, capture_output=True, text=True)
    if child.returncode != 0:
        raise SystemExit(f"{dialect}: building the template failed: {mask_uri(child.stderr.strip()[-2000:])}")
    return template_path(json.loads(child.stdout)["key"]["mlflow"], dialect), child.stdout


class _databases:
    """Two empty databases: SQLite files in ``tmp``, or scratch databases on ``server`` (dropped afterwards)."""

    def __init__(self, dialect: str, server: str | None, tmp: Path) -> None:
        self.dialect, self.tmp = dialect, tmp
        self.ref = parse_store_uri(server) if server else None
        self.names = [f"mlu_template_{uuid.uuid4().hex[:12]}" for _ in range(2)]

    def __enter__(self) -> list[str]:
        if self.ref is None:
            return [f"sqlite:///{self.tmp / name}.db" for name in self.names]
        uris = []
        for name in self.names:
            try:
                uris.append(get_dialect(self.ref).create_database(self.ref, name))
            except Exception as exc:  # any driver's connection failure: reported, not raised
                self.__exit__()
                raise Unreachable(f"{self.ref.masked}: {mask_uri(str(exc)).strip().splitlines()[0]}") from None
        return uris

    def __exit__(self, *exc: object) -> None:
        if self.ref is not None:
            for name in self.names:
                with contextlib.suppress(Exception):  # never created, or the server went away
                    get_dialect(self.ref).drop_database(self.ref, name)


def _shown(path: Path) -> Path:
    return path.relative_to(REPO) if path.is_relative_to(REPO) else path


def _same(dialect: str, committed: str, built: str) -> bool:
    """The committed template is what was just built, up to the order MLflow's own migrations vary from run to
    run (a SQLite table's constraint clauses, a MariaDB table's indexes): either order is one MLflow makes."""
    if committed == built:
        return True
    canonical = get_dialect(dialect).canonical_template
    return canonical(json.loads(committed)) == canonical(json.loads(built))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mlflow-path", type=Path, help="a `pip install --target` directory holding the release")
    parser.add_argument("--dialect", action="append", choices=DIALECTS, help="only these (default: all three)")
    parser.add_argument("--postgresql", default=SERVERS["postgresql"], help="admin URI of the PostgreSQL server")
    parser.add_argument("--mysql", default=SERVERS["mysql"], help="admin URI of the MySQL/MariaDB server")
    parser.add_argument("--check", action="store_true", help="exit 1 when a committed file differs")
    parser.add_argument("--out", type=Path, default=TEMPLATE_DIR, help="the folder of the templates (default: "
                        "the package's, src/mlflow_upgrade/filestore/schemas)")
    args = parser.parse_args()
    stale = unreachable = False
    for dialect in args.dialect or DIALECTS:
        try:
            path, text = build(dialect, args.mlflow_path, getattr(args, dialect, None))
            path = args.out / path.name
        except Unreachable as exc:
            print(f"{dialect}: server unreachable, template {'not checked' if args.check else 'not built'}: {exc}")
            unreachable = True
            continue
        if args.check:
            same = path.is_file() and _same(dialect, path.read_text(encoding="utf-8"), text)
            print(f"{_shown(path)}: {'up to date' if same else 'OUT OF DATE'}")
            stale = stale or not same
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        data = json.loads(text)
        size = (f"{len(data['statements'])} statements" if "statements" in data else
                f"{len(data['schema'])} statements, {len(data['rows'])} rows")
        print(f"wrote {_shown(path)}: {size}, key {data['key']}, server {data.get('server', '-')}")
    raise SystemExit(1 if stale else 2 if unreachable else 0)


if __name__ == "__main__":
    main()
