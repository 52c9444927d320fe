"""Benchmark: `mlflow-upgrade inspect` on a store with MLflow 1.30's schema and 2 M metric rows.

Goal (issue 3): under 1 s. The store is built once by MLflow's own code (initial tables + Alembic up to
1.30.1's head ``97727af70f4d``) and filled by SQL; then the installed command runs as a user runs it (a fresh
process, so interpreter start-up and imports count) and in-process (the library call alone).

    python bench/bench_inspect.py [--metrics 2000000] [--repeat 3]
    python bench/bench_inspect.py --store /work/bench/up20m/template.db    # an existing store (20 M rows)

Cold runs evict the store's file from the OS page cache first (``posix_fadvise(DONTNEED)`` on that file only,
so other jobs' caches stay), as on a machine that has not read the store since boot. Large tables are shown as
estimates (``~``, SQLite's rowid range); ``--exact`` counts them, timed alongside as the floor it replaces.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from filestore import evict_page_cache  # bench/filestore.py (this script's folder is on sys.path)

OLD_HEAD = "97727af70f4d"  # MLflow 1.30.1's tracking head (FACTS.md, tests/catalog/test_catalog.py)


def build_store(path: Path, metrics: int) -> None:
    """Schema by MLflow's own migrations in a child process (keeps MLflow's imports out of our timing)."""
    code = f"""
import sqlalchemy
from alembic import command
from mlflow.store.db.utils import _get_alembic_config
from mlflow.store.tracking.dbmodels.initial_models import Base
url = "sqlite:///{path}"
engine = sqlalchemy.create_engine(url)
Base.metadata.create_all(engine)
command.upgrade(_get_alembic_config(url), "{OLD_HEAD}")
"""
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    runs = max(1, metrics // 10_000)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage) "
            "VALUES (1, 'bench', '/tmp/a', 'active')"
        )
        conn.executemany(
            "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, "
            "start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) "
            "VALUES (?, ?, 'LOCAL', '', '', 'u', 'FINISHED', 0, 1, '', 'active', '/tmp/a', 1)",
            [(f"run{i:028d}", f"run {i}") for i in range(runs)],
        )
        per_run = metrics // runs
        rows = (
            ("loss", i * 0.5, 1_600_000_000_000 + step, f"run{r:028d}", step, 0)
            for r in range(runs)
            for i, step in enumerate(range(per_run))
        )
        conn.executemany(
            "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)", rows
        )


def evict(path: Path) -> None:
    """Drop ``path``'s pages from the OS page cache (this file only)."""
    os.sync()
    evict_page_cache(path)


def time_cli(path: Path, repeat: int, *extra: str, cold: bool = False) -> list[float]:
    times = []
    for _ in range(repeat):
        if cold:
            evict(path)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "mlflow_upgrade", "inspect", f"sqlite:///{path}", "--json", *extra],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - start)
    return times


def _disk_read_bytes() -> int:
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("read_bytes"))


def cold_library(path: Path, exact: bool) -> tuple[float, float]:
    """(seconds, MB read from disk) of one library call on an evicted file: what a cold start costs, whatever
    the machine's load (the bytes read do not depend on it)."""
    from mlflow_upgrade.api import inspect

    evict(path)
    before, start = _disk_read_bytes(), time.perf_counter()
    inspect(f"sqlite:///{path}", exact_counts=exact)
    return time.perf_counter() - start, (_disk_read_bytes() - before) / 1e6


def time_library(path: Path, repeat: int) -> list[float]:
    from mlflow_upgrade.api import inspect

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        inspect(f"sqlite:///{path}")
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--store", type=Path, help="time this existing SQLite store instead of building one (e.g. "
                        "bench/upgrade.py's 20 M-row template.db); read only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / "mlflow-1.30-2M.db"
        t0 = time.perf_counter()
        if args.store is None:
            build_store(path, args.metrics)
            print(f"built {args.metrics:,} metric rows in {time.perf_counter() - t0:.1f}s "
                  f"({os.path.getsize(path) / 1e6:.0f} MB)")
        else:
            with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
                rows = conn.execute("SELECT MAX(rowid) FROM metrics").fetchone()[0]
            print(f"store {path}: ~{rows:,} metric rows, {os.path.getsize(path) / 1e6:.0f} MB")
        cold = time_cli(path, args.repeat, cold=True)
        cold_exact = time_cli(path, args.repeat, "--exact", cold=True)
        cli = time_cli(path, args.repeat)
        lib = time_library(path, args.repeat)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        for name, runs in (("cold file cache", cold), ("cold, --exact (COUNT(*))", cold_exact),
                           ("warm file cache", cli)):
            print(f"inspect CLI, {name:<26} median {statistics.median(runs):.3f}s  (runs: "
                  + ", ".join(f"{t:.3f}" for t in runs) + ")")
        print(f"inspect library call, warm:           median {statistics.median(lib):.3f}s; peak RSS {peak:.0f} MB")
        for exact in (False, True):
            seconds, mb = cold_library(path, exact)
            print(f"library call, cold file{', --exact' if exact else ''}: {seconds:.3f}s, {mb:.1f} MB read from disk")
        print(f"cold: estimates take {statistics.median(cold) / statistics.median(cold_exact):.2f}x the time of "
              f"--exact; load average {os.getloadavg()[0]:.1f}")
        verdict = "PASS" if statistics.median(cold) < 1.0 else "OVER"
        print(f"goal < 1 s for the command on a cold file: {verdict}")


if __name__ == "__main__":
    main()
