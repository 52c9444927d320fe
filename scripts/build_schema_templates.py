#!/usr/bin/env python
"""Build src/mlflow_upgrade/filestore/schemas/sqlite-mlflow-<release>.json: MLflow's migrated empty SQLite schema.

For the MLflow that imports here (or, with ``--mlflow-path DIR``, a release installed with ``pip install --target
DIR``, e.g. the 3.18.0 overlay in .cache/mlflow-next), run MLflow's own ``_initialize_tables`` on an empty file in
a child process and dump the result with ``filestore.template.dump``, keyed by ``template.installed_key()``
(release, SHA-256 of the schema's source files, SQLAlchemy and Alembic minor versions).

    .venv/bin/python scripts/build_schema_templates.py                              # the installed release
    .venv/bin/python scripts/build_schema_templates.py --mlflow-path .cache/mlflow-next
    .venv/bin/python scripts/build_schema_templates.py --check                      # exit 1 if out of date

`migrate-filestore` uses a template only when its key equals the installed one; otherwise it runs the migrations.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from mlflow_upgrade.filestore.template import template_path  # noqa: E402 (from the checkout, after sys.path)

_CHILD = """
import json, sys, logging
from pathlib import Path
import sqlalchemy as sa
from mlflow.store.db.utils import _initialize_tables
from mlflow_upgrade.filestore import template
logging.disable(logging.INFO)
path = Path(sys.argv[1])
engine = sa.create_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool)
_initialize_tables(engine)
engine.dispose()
print(json.dumps({"format": template.FORMAT, "key": template.installed_key(), **template.dump(path)}, indent=1))
"""


def build(mlflow_path: Path | None) -> tuple[Path, str]:
    env = dict(os.environ)
    paths = [str(REPO / "src")] + ([str(mlflow_path.resolve())] if mlflow_path else [])
    # MLflow's migrations write the constraint clauses of `runs` in set order: a fixed hash seed makes the
    # dump reproducible (--check), and is one of the orders MLflow itself produces
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONPATH"] = os.pathsep.join([*reversed(paths), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, "-c", _CHILD, str(Path(tmp) / "schema.db")], env=env, check=True,
                             capture_output=True, text=True).stdout
    return template_path(json.loads(out)["key"]["mlflow"]), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mlflow-path", type=Path, help="a `pip install --target` directory holding the release")
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed file differs")
    args = parser.parse_args()
    path, text = build(args.mlflow_path)
    if args.check:
        same = path.is_file() and path.read_text(encoding="utf-8") == text
        print(f"{path.relative_to(REPO)}: {'up to date' if same else 'OUT OF DATE'}")
        raise SystemExit(0 if same else 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    data = json.loads(text)
    print(f"wrote {path.relative_to(REPO)}: {len(data['schema'])} statements, {len(data['rows'])} rows, "
          f"key {data['key']}")


if __name__ == "__main__":
    main()
