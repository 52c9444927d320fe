"""Benchmark: ``mlflow-upgrade upgrade`` (preflight + backup + fingerprints + per-revision migrations + verify)
against bare ``mlflow db upgrade`` on identical copies of a MLflow 1.30.1 store grown to 2 M metric rows.

    .venv/bin/python bench/upgrade.py [--rows 2000000] [--workdir DIR] [--repeat 1]

Both commands run as subprocesses, one after the other, on their own copy; wall time, CPU time, peak RSS of the
largest process (os.wait4) and of all the command's processes together (sampled PSS: ours fingerprints the backup
in a child while migrating) are printed side by side with the ratios. Goal: ratio <= 1.5, memory <= 300 MB.
The median of ``--repeat`` runs is the figure; run 1 is the first of this bench (the store's pages are warm
from building it for both commands alike).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from filestore import TreeMemory  # bench/filestore.py (this script's folder is on sys.path)

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


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str, float, float]:
    """(wall s, peak RSS MB of the largest process, stdout, CPU s, peak MB of all processes together)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    sampler = TreeMemory(proc.pid)
    sampler.start()
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
    sampler.stop()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code:
        sys.stderr.write(b"".join(err_chunks).decode(errors="replace")[-3000:])
        raise SystemExit(f"{' '.join(cmd[:3])} failed with exit code {code}")
    cpu = usage.ru_utime + usage.ru_stime  # includes its reaped children (our fingerprint process)
    return seconds, usage.ru_maxrss // 1024, b"".join(out_chunks).decode(), cpu, sampler.peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--baseline-src", type=Path, help="also run mlflow-upgrade from this src/ folder (an older "
                        "checkout: `git archive`) in the same rounds, for before/after figures")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="mlu-bench-upgrade-"))
    work.mkdir(parents=True, exist_ok=True)
    template = work / "template.db"
    t0 = time.perf_counter()
    if not template.exists() or args.workdir is None:  # a kept --workdir reuses its store
        build_store(template, args.rows)
    print(f"store: 1.30.1 fixture + {args.rows:,} metric rows, {template.stat().st_size / 1e6:.0f} MB "
          f"(built in {time.perf_counter() - t0:.1f} s) in {work}")
    ours_t, base_t, old_t = [], [], []
    for i in range(args.repeat):
        a, b = work / f"ours-{i}.db", work / f"official-{i}.db"
        shutil.copyfile(template, a)
        shutil.copyfile(template, b)
        base = run_measured([str(BIN / "mlflow"), "db", "upgrade", f"sqlite:///{b}"])
        if args.baseline_src:
            c = work / f"baseline-{i}.db"
            shutil.copyfile(template, c)
            old = run_measured([sys.executable, "-m", "mlflow_upgrade", "upgrade", f"sqlite:///{c}", "--backup-dir",
                                str(work / f"backups-old-{i}"), "--no-progress", "--json"],
                               env={**os.environ, "PYTHONPATH": str(args.baseline_src.resolve())})
            old_t.append(old)
            print(f"run {i + 1}: baseline mlflow-upgrade upgrade {old[0]:.1f} s ({old[3]:.1f} s CPU), {old[1]} MB "
                  f"peak RSS, {old[4]:.0f} MB all processes; ratio {old[0] / base[0]:.2f}x; phases: "
                  + ", ".join(f"{k} {v:.1f} s" for k, v in json.loads(old[2])["tracking"]["timings"].items()))
            c.unlink()
            shutil.rmtree(work / f"backups-old-{i}", ignore_errors=True)
        ours = run_measured([sys.executable, "-m", "mlflow_upgrade", "upgrade", f"sqlite:///{a}", "--backup-dir",
                             str(work / f"backups-{i}"), "--no-progress", "--json"])
        report = json.loads(ours[2])["tracking"]
        assert report["status"] == "upgraded", report
        base_t.append(base)
        ours_t.append(ours)
        steps = sorted(report["steps"], key=lambda s: -s["seconds"])[:4]
        print(f"run {i + 1}{' (first)' if i == 0 else ''}: mlflow db upgrade {base[0]:.1f} s ({base[3]:.1f} s CPU), "
              f"{base[1]} MB peak RSS | mlflow-upgrade upgrade {ours[0]:.1f} s ({ours[3]:.1f} s CPU), {ours[1]} MB "
              f"peak RSS, {ours[4]:.0f} MB all processes; ratio {ours[0] / base[0]:.2f}x (migrations {sum(s['seconds'] for s in report['steps']):.1f} s, "
              f"verify {report['verify'].get('seconds', 0):.1f} s; slowest: "
              + ", ".join(f"{s['revision']} {s['seconds']:.1f} s" for s in steps) + ")")
        print("  phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in report["timings"].items()))
        for p in (a, b):
            p.unlink()
        shutil.rmtree(work / f"backups-{i}", ignore_errors=True)
    med_ours = statistics.median(r[0] for r in ours_t)
    med_base = statistics.median(r[0] for r in base_t)
    ratio = med_ours / med_base
    cpu_ratio = statistics.median(r[3] for r in ours_t) / statistics.median(r[3] for r in base_t)
    peak = max(r[1] for r in ours_t)
    total = max(r[4] for r in ours_t)
    print(f"median of {args.repeat}: mlflow db upgrade {med_base:.1f} s, {max(r[1] for r in base_t)} MB | "
          f"mlflow-upgrade upgrade (backup + verify): {med_ours:.1f} s, {peak} MB peak RSS, {total:.0f} MB all "
          f"processes")
    print(f"ratio: {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (goal <= 1.5x) -> {'OK' if ratio <= 1.5 else 'OVER'}; "
          f"memory {'OK' if max(peak, total) <= 300 else 'OVER'} (goal <= 300 MB); load average at the end "
          f"{os.getloadavg()[0]:.1f}")
    if old_t:
        med_old = statistics.median(r[0] for r in old_t)
        print(f"baseline (--baseline-src): {med_old:.1f} s, {max(r[1] for r in old_t)} MB peak RSS, "
              f"{max(r[4] for r in old_t):.0f} MB all processes: ratio {med_old / med_base:.2f}x wall, "
              f"{statistics.median(r[3] for r in old_t) / statistics.median(r[3] for r in base_t):.2f}x CPU")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
