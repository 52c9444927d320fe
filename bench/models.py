"""Benchmark: `models` over a 10 000-version registry (and as many models logged in runs).

    .venv/bin/python bench/models.py [--versions 10000] [--dir /tmp/mlu-bench-models] [--workers 8]

Builds the store once from the 2.22.5 model fixture (a real 2.22.5 schema): SQL inserts add ``--versions``
registered versions (100 registered models) and as many runs carrying the ``mlflow.log-model.history`` tag, each
pointing at its own model directory holding a copy of one of the fixture's three models' MLmodel and
requirements.txt. Then times ``api.models`` and prints its peak memory: Python allocations (tracemalloc) and the
process's peak RSS growth, at a tenth of the size too, to show how memory grows with the store.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from mlflow_upgrade import api  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "2.22.5" / "models"


def build(directory: Path, versions: int) -> str:
    shutil.rmtree(directory, ignore_errors=True)
    (directory / "art").mkdir(parents=True)
    db = directory / "mlflow.db"
    shutil.copy2(FIXTURE / "mlflow.db", db)
    templates = sorted(p.parent for p in FIXTURE.rglob("MLmodel"))
    conn = sqlite3.connect(db)
    run_cols = [r[1] for r in conn.execute("PRAGMA table_info(runs)")]
    template_run = conn.execute("SELECT run_uuid FROM runs LIMIT 1").fetchone()[0]
    mv_cols = [r[1] for r in conn.execute("PRAGMA table_info(model_versions)")]
    for m in range(100):
        conn.execute("INSERT INTO registered_models (name, creation_time, last_updated_time) VALUES (?, 0, 0)",
                     (f"bench-{m:03d}",))
    select = ", ".join({"run_uuid": "?", "artifact_uri": "?", "name": "?"}.get(c, c) for c in run_cols)
    for i in range(versions):
        model_dir = directory / "art" / f"{i:05d}" / "artifacts" / "model"
        model_dir.mkdir(parents=True)
        template = templates[i % len(templates)]
        for name in ("MLmodel", "requirements.txt"):
            shutil.copyfile(template / name, model_dir / name)
        run_id = uuid.uuid4().hex
        artifact_uri = (directory / "art" / f"{i:05d}" / "artifacts").as_uri()
        conn.execute(f"INSERT INTO runs ({', '.join(run_cols)}) SELECT {select} FROM runs WHERE run_uuid = ?",
                     [{"run_uuid": run_id, "artifact_uri": artifact_uri, "name": f"bench-{i}"}[c]
                      for c in run_cols if c in ("run_uuid", "artifact_uri", "name")] + [template_run])
        conn.execute("INSERT INTO tags (key, value, run_uuid) VALUES ('mlflow.log-model.history', ?, ?)",
                     (f'[{{"run_id": "{run_id}", "artifact_path": "model"}}]', run_id))
        values = {"name": f"bench-{i % 100:03d}", "version": i // 100 + 1, "creation_time": 0,
                  "last_updated_time": 0, "current_stage": "None", "source": f"runs:/{run_id}/model",
                  "run_id": run_id, "status": "READY", "storage_location": None}
        cols = [c for c in mv_cols if c in values]
        conn.execute(f"INSERT INTO model_versions ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                     [values[c] for c in cols])
    conn.commit()
    conn.close()
    return f"sqlite:///{db}"


def measure(uri: str, workers: int) -> tuple[float, int, float, dict]:
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    start = time.perf_counter()
    inventory = api.models(uri, workers=workers)
    seconds = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    return seconds, peak, rss_growth, {"rows": len(inventory.rows), **inventory.counts}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/mlu-bench-models"))
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    api.models(f"sqlite:///{FIXTURE / 'mlflow.db'}")  # imports and catalog loads outside the measurement
    for versions in (args.versions // 10, args.versions):
        start = time.perf_counter()
        uri = build(args.dir / str(versions), versions)
        built = time.perf_counter() - start
        seconds, peak, rss, counts = measure(uri, args.workers)
        print(f"{versions} versions + {versions} run-logged models (built in {built:.1f} s): {seconds:.1f} s, "
              f"{counts['rows'] / seconds:.0f} models/s, peak Python allocations {peak / 2**20:.1f} MB, "
              f"peak RSS growth {rss:.1f} MB; {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
