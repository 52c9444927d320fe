"""Benchmark: fingerprint a SQLite store with 2 M metric rows at MLflow 1.30's schema.

    .venv/bin/python bench/verify.py [--rows 2000000] [--db /tmp/mlu-bench-verify.db] [--keep]

Builds the store once (executemany, about 20 s), then times ``take_fingerprint`` (goal: >= 1 M rows/s) and,
for comparison, a Python row-by-row hash of the metrics table (what FACTS.md measured at 7-12 s).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import sys
import time
import uuid
from pathlib import Path

# bench/ holds inspect.py (another benchmark), which would shadow the standard library's inspect module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import sqlalchemy  # noqa: E402

REV_1_30 = "97727af70f4d"


def build_store(path: Path, metric_rows: int, *, runs: int = 400, keys: int = 10) -> None:
    """An MLflow 1.30-schema SQLite store with ``metric_rows`` metric points spread over runs and keys."""
    from alembic import command
    from mlflow.store.db.utils import _get_alembic_config
    from mlflow.store.tracking.dbmodels.initial_models import Base

    url = f"sqlite:///{path}"
    engine = sqlalchemy.create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    command.upgrade(_get_alembic_config(url), REV_1_30)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute(
        "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time,"
        " last_update_time) VALUES (1, 'bench', '/tmp/a', 'active', 1700000000000, 1700000000000)"
    )
    run_ids = [uuid.UUID(int=i + 1).hex for i in range(runs)]
    conn.executemany(
        "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status,"
        " start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES"
        " (?, ?, 'LOCAL', 'bench.py', '', 'bench', 'FINISHED', 1700000000000, 1700000100000, '', 'active',"
        " '/tmp/a', 1)",
        [(r, f"run-{i}") for i, r in enumerate(run_ids)],
    )
    conn.executemany(
        "INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)",
        [(f"p{k}", str(k * 0.1), r) for r in run_ids for k in range(5)],
    )
    conn.executemany(
        "INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)",
        [("mlflow.user", "bench", r) for r in run_ids],
    )
    steps = max(1, metric_rows // (runs * keys))

    def points():
        for r in run_ids:
            for k in range(keys):
                for s in range(steps):
                    yield (f"metric_{k}", (s * 0.7310585786300049 + k) / 3.0, 1700000000000 + s, r, s, 0)

    conn.executemany(
        "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)", points()
    )
    conn.executemany(
        "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, 0, ?)",
        [(f"metric_{k}", (steps - 1) * 0.7310585786300049 / 3.0 + k / 3.0, 1700000000000 + steps - 1,
          steps - 1, r) for r in run_ids for k in range(keys)],
    )
    conn.commit()
    conn.close()


def python_hash_seconds(path: Path) -> float:
    """The baseline: hash every metric row in Python."""
    start = time.perf_counter()
    conn = sqlite3.connect(path)
    digest = hashlib.blake2b()
    for row in conn.execute("SELECT key, value, timestamp, run_uuid, step, is_nan FROM metrics"):
        digest.update(repr(row).encode())
    conn.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/mlu-bench-verify.db"))
    parser.add_argument("--keep", action="store_true", help="reuse --db if it exists")
    parser.add_argument("--baseline", action="store_true", help="also time a Python row-by-row hash")
    args = parser.parse_args()

    from mlflow_upgrade.store.uri import sqlite_readonly_engine
    from mlflow_upgrade.upgrade.verify.fingerprint import take_fingerprint

    if not (args.keep and args.db.exists()):
        args.db.unlink(missing_ok=True)
        start = time.perf_counter()
        build_store(args.db, args.rows)
        print(f"built {args.db} in {time.perf_counter() - start:.1f} s")
    engine = sqlite_readonly_engine(args.db)
    start, cpu = time.perf_counter(), time.process_time()
    fp = take_fingerprint(engine)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    rows = sum(t.rows for t in fp.tables.values())
    metrics = fp.tables["metrics"].rows
    print(f"take_fingerprint: {rows:,} rows ({metrics:,} metric rows) in {seconds:.2f} s = "
          f"{rows / seconds:,.0f} rows/s (goal >= 1,000,000); CPU {cpu:.2f} s = {rows / cpu:,.0f} rows/s of CPU")
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, table in sorted(fp.tables.items(), key=lambda kv: -kv[1].seconds):
        print(f"  {name:<22} {table.rows:>10,} rows  {len(table.buckets):>6} buckets  {table.seconds:6.2f} s")
    if args.baseline:
        base = python_hash_seconds(args.db)
        print(f"python row-by-row hash of metrics: {base:.2f} s = {metrics / base:,.0f} rows/s "
              f"(fingerprint is {base / seconds:.1f}x faster)")


if __name__ == "__main__":
    main()
