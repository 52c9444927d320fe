"""Benchmark: ``mlflow-upgrade upgrade`` (preflight + backup + fingerprints + per-revision migrations + verify)
against bare ``mlflow db upgrade`` on identical copies of a MLflow 1.30.1 store grown to 2 M metric rows.

    .venv/bin/python bench/upgrade.py [--rows 2000000] [--workdir DIR] [--repeat 1]

Both commands run as subprocesses, one after the other, on their own copy; wall time and peak RSS (os.wait4)
are printed side by side with the ratio. Goal: ratio <= 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "1.30.1" / "mlflow.db"
BIN = Path(sys.executable).parent


def build_store(path: Path, rows: int) -> None:
    """The 1.30.1 fixture (schema at 97727af70f4d, written by MLflow 1.30.1) plus ``rows`` metric rows."""
    shutil.copyfile(FIXTURE, path)
    conn = sqlite3.connect(path)
    runs = [r[0] for r in conn.execute("SELECT run_uuid FROM runs ORDER BY run_uuid")]
    have = conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0]
    per_run = max(1, (rows - have) // len(runs))
    with conn:
        for i, run in enumerate(runs):
            n = per_run if i < len(runs) - 1 else rows - have - per_run * (len(runs) - 1)
            conn.execute(
                "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ?) "
                "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) "
                "SELECT 'bench_' || (i % 8), (i % 1000) * 0.25, 1700000000000 + i, ?, i / 8, 0 FROM seq",
                (n - 1, run),
            )
            conn.execute(
                "INSERT OR REPLACE INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) "
                "SELECT key, value, MAX(timestamp), MAX(step), 0, run_uuid FROM metrics "
                "WHERE run_uuid = ? AND key LIKE 'bench_%' GROUP BY key",
                (run,),
            )
    conn.execute("VACUUM")
    conn.close()


def run_measured(cmd: list[str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    def drain(stream, sink):
        for chunk in iter(lambda: stream.read(65536), b""):
            sink.append(chunk)

    threads = [threading.Thread(target=drain, args=(proc.stdout, out_chunks)),
               threading.Thread(target=drain, args=(proc.stderr, err_chunks))]
    for t in threads:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code:
        sys.stderr.write(b"".join(err_chunks).decode(errors="replace")[-3000:])
        raise SystemExit(f"{' '.join(cmd[:3])} failed with exit code {code}")
    return seconds, usage.ru_maxrss // 1024, b"".join(out_chunks).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="mlu-bench-upgrade-"))
    work.mkdir(parents=True, exist_ok=True)
    template = work / "template.db"
    t0 = time.perf_counter()
    if not template.exists() or args.workdir is None:  # a kept --workdir reuses its store
        build_store(template, args.rows)
    print(f"store: 1.30.1 fixture + {args.rows:,} metric rows, {template.stat().st_size / 1e6:.0f} MB "
          f"(built in {time.perf_counter() - t0:.1f} s) in {work}")
    ours_t, base_t = [], []
    for i in range(args.repeat):
        a, b = work / f"ours-{i}.db", work / f"official-{i}.db"
        shutil.copyfile(template, a)
        shutil.copyfile(template, b)
        base = run_measured([str(BIN / "mlflow"), "db", "upgrade", f"sqlite:///{b}"])
        ours = run_measured([sys.executable, "-m", "mlflow_upgrade", "upgrade", f"sqlite:///{a}", "--backup-dir",
                             str(work / f"backups-{i}"), "--no-progress", "--json"])
        report = json.loads(ours[2])["tracking"]
        assert report["status"] == "upgraded", report
        base_t.append(base)
        ours_t.append(ours)
        steps = sorted(report["steps"], key=lambda s: -s["seconds"])[:4]
        print(f"run {i + 1}: mlflow db upgrade {base[0]:.1f} s, {base[1]} MB peak RSS | mlflow-upgrade upgrade "
              f"{ours[0]:.1f} s, {ours[1]} MB peak RSS (migrations {sum(s['seconds'] for s in report['steps']):.1f} s, "
              f"verify {report['verify'].get('seconds', 0):.1f} s; slowest: "
              + ", ".join(f"{s['revision']} {s['seconds']:.1f} s" for s in steps) + ")")
        print("  phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in report["timings"].items()))
        for p in (a, b):
            p.unlink()
        shutil.rmtree(work / f"backups-{i}", ignore_errors=True)
    best_ours = min(t for t, _, _ in ours_t)
    best_base = min(t for t, _, _ in base_t)
    ratio = best_ours / best_base
    print(f"mlflow db upgrade: {best_base:.1f} s, {max(r for _, r, _ in base_t)} MB | mlflow-upgrade upgrade "
          f"(backup + verify): {best_ours:.1f} s, {max(r for _, r, _ in ours_t)} MB")
    print(f"ratio: {ratio:.2f}x (goal <= 1.5x) -> {'OK' if ratio <= 1.5 else 'OVER'}")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
