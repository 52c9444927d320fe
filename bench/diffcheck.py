"""Benchmark: wall time of ``diffcheck`` by store size, on the MLflow 1.30.1 fixture grown to N metric rows
(``bench/upgrade.py``'s store), SQLite. Prints each phase (venv, copy, old server, upgrade, target server).

    .venv/bin/python bench/diffcheck.py [--rows 0 200000 2000000] [--sample 5]

The old release's venv is created first if missing (its time is the ``venv`` column; later runs reuse it).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from upgrade import FIXTURE, build_store

from mlflow_upgrade.diffcheck import diffcheck


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[0, 200_000, 2_000_000])
    parser.add_argument("--sample", type=int, default=5)
    args = parser.parse_args()
    print(f"{'metric rows':>12} {'MB':>6} {'calls':>6} {'diffs':>6} {'venv':>6} {'copy':>6} {'old':>6} "
          f"{'upgrade':>8} {'target':>7} {'total s':>8}")
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "mlflow.db"
            if rows:
                build_store(path, rows)
            else:
                path.write_bytes(FIXTURE.read_bytes())
            started = time.perf_counter()
            report = diffcheck(f"sqlite:///{path}", sample=args.sample, timeout=600)
            wall = time.perf_counter() - started
            t = report.timings
            print(f"{rows:>12,} {path.stat().st_size / 1e6:>6.1f} {len(report.calls):>6} "
                  f"{len(report.differences):>6} {t['venv_s']:>6.1f} {t['copy_s']:>6.1f} {t['old_server_s']:>6.1f} "
                  f"{t['upgrade_s']:>8.1f} {t['target_server_s']:>7.1f} {wall:>8.1f}", flush=True)
            for d in report.differences:
                print(f"{'':>12} difference: {d.call} | {d.path} | {d.kind}: {d.old} -> {d.new}", flush=True)


if __name__ == "__main__":
    main()
