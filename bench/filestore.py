# ruff: noqa: E402
"""Benchmark: ``mlflow-upgrade migrate-filestore`` against MLflow's own ``mlflow migrate-filestore``.

Generates a file store in MLflow's exact on-disk format (10 experiments × 200 runs, each run with 20 params,
6 tags and 5 metrics × 200 steps: 2 M metric lines, 64 k files at ``--scale 1``), then runs, as subprocesses,
the official command into SQLite and ours into SQLite (twice: the machine's first run, with no schema cache
and the store evicted from the page cache, then a run with both warm), PostgreSQL and MariaDB with the
servers' floors (the same metric rows by COPY / LOAD DATA into a table with the primary key and run index,
and with MLflow's third metrics index too), printing wall time, CPU
time and peak memory of each (the largest process by GNU ``/usr/bin/time -v`` when present, else
``getrusage(RUSAGE_CHILDREN)``; and all the command's processes together, sampled PSS) and the ratios.

    .venv/bin/python bench/filestore.py               # full size (~4 min with the official command)
    .venv/bin/python bench/filestore.py --repeat 3    # the issue's figures: medians of three rounds
    .venv/bin/python bench/filestore.py --scale 0.1   # quick
    .venv/bin/python bench/filestore.py --growth 10 --skip-official   # 2 M vs 20 M lines: time ratio, memory
    .venv/bin/python bench/filestore.py --huge-run --skip-official   # one run of 5 M points: memory
"""

from __future__ import annotations

import os
import sys

# bench/ holds inspect.py (another benchmark), which would shadow the stdlib module for this script.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy

VENV_BIN = Path(sys.executable).parent
# An empty schema cache: what a machine that never ran the tool has (the shipped schema template is used)
FIRST = "ours → sqlite, machine's 1st run"
PG_ADMIN = os.environ.get("MLFLOW_UPGRADE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MYSQL_ADMIN = os.environ.get("MLFLOW_UPGRADE_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")


# -- the store ------------------------------------------------------------------------------------------------
def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def _experiment_meta(exp_id: str, name: str, root: Path, t: int) -> str:
    # The exact keys and order MLflow 3.17's FileStore writes (yaml.safe_dump, sorted keys).
    return (
        f"artifact_location: file://{root}/{exp_id}\ncreation_time: {t}\neffective_trace_archival_retention: null\n"
        f"experiment_id: '{exp_id}'\nlast_update_time: {t}\nlifecycle_stage: active\nname: {name}\n"
        "trace_location: null\nworkspace: default\n"
    )


def _run_meta(exp_id: str, run_id: str, name: str, root: Path, start: int, end: int) -> str:
    return (
        f"artifact_uri: file://{root}/{exp_id}/{run_id}/artifacts\nend_time: {end}\nentry_point_name: ''\n"
        f"experiment_id: '{exp_id}'\nlifecycle_stage: active\nrun_id: {run_id}\nrun_name: {name}\n"
        f"source_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: {start}\nstatus: 3\ntags: []\n"
        "user_id: bench\n"
    )


def generate(base: Path, experiments: int, runs: int, params: int, metrics: int, steps: int) -> Path:
    root = base / "mlruns"
    rng = random.Random(42)
    t0 = 1_700_000_000_000
    (root / "0").mkdir(parents=True)
    _write(root / "0" / "meta.yaml", _experiment_meta("0", "Default", root, t0))
    for e in range(experiments):
        exp_id = str(rng.randrange(10**17, 10**18))  # 18 digits, as the file store creates them
        exp_dir = root / exp_id
        (exp_dir / "tags").mkdir(parents=True)
        _write(exp_dir / "meta.yaml", _experiment_meta(exp_id, f"bench-{e}", root, t0 + e))
        _write(exp_dir / "tags" / "team", "bench")
        for r in range(runs):
            run_id = uuid.UUID(int=rng.getrandbits(128)).hex
            run_dir = exp_dir / run_id
            for sub in ("params", "tags", "metrics", "artifacts"):
                (run_dir / sub).mkdir(parents=True)
            # runs one after the other, 10 s apart, at any --scale: a larger store has the same shape (with a
            # fixed gap per experiment, the 20 M-line store's experiments overlapped in time and the 2 M one's not)
            start = t0 + (e * runs + r) * 10_000
            name = f"run-{e}-{r}"
            _write(run_dir / "meta.yaml", _run_meta(exp_id, run_id, name, root, start, start + 9_000))
            for p in range(params):
                _write(run_dir / "params" / f"param_{p}", f"{rng.random():.6f}")
            for key, value in (("mlflow.runName", name), ("mlflow.user", "bench"),
                               ("mlflow.source.name", "train.py"), ("mlflow.source.type", "LOCAL"),
                               ("model", "xgboost"), ("stage", "dev")):
                _write(run_dir / "tags" / key, value)
            for m in range(metrics):
                lines = [f"{start + s * 7} {rng.random()} {s}\n" for s in range(steps)]
                _write(run_dir / "metrics" / f"metric_{m}", "".join(lines))
    return root


# -- measuring ------------------------------------------------------------------------------------------------
def evict_page_cache(root: Path) -> int:
    """Drop the file ``root``, or every file under the folder ``root``, from the OS page cache
    (``posix_fadvise(DONTNEED)``, no root needed): it is then read from disk, as on a machine that has not read
    it since it started. Returns how many files. Run after ``os.sync()``: only clean pages can be dropped."""
    n = 0
    walked = os.walk(root) if root.is_dir() else [(str(root.parent), [], [root.name])]
    for folder, _, names in walked:
        for name in names:
            try:
                fd = os.open(os.path.join(folder, name), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                n += 1
            finally:
                os.close(fd)
    return n


def measure(cmd: list[str], env: dict[str, str] | None = None, cold: Path | None = None) -> dict:
    """Run ``cmd``; wall seconds, CPU seconds, peak RSS (MB) of its largest process (what GNU time reports, as
    for the official command's one process) and peak memory of all its processes together (sampled PSS).

    Untimed, before it starts: ``os.sync()``, so no command pays for the disk writes another one left behind
    (seen: a 2 M-line migration 6.9 s alone, 13.7 s right after the 20 M-line store was generated), and with
    ``cold`` that tree is evicted from the page cache."""
    os.sync()
    if cold is not None:
        evict_page_cache(cold)
    use_time = Path("/usr/bin/time").exists()
    full = ["/usr/bin/time", "-v", *cmd] if use_time else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.monotonic()
    proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    sampler = TreeMemory(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.monotonic() - start
    sampler.stop()
    if use_time:
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
        rss_mb = int(match.group(1)) / 1024 if match else float("nan")
        cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", stderr))
    else:  # RUSAGE_CHILDREN is a high-water mark over all children so far: only exact for the largest
        rss_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        cpu = float("nan")
    return {"cmd": cmd, "rc": proc.returncode, "seconds": wall, "cpu": cpu, "rss_mb": rss_mb,
            "total_mb": sampler.peak_mb, "stdout": stdout, "stderr": stderr[-2000:]}


class TreeMemory(threading.Thread):
    """Samples, every 100 ms, the memory of a process and all its descendants together: the sum of their
    PSS (proportional set size: a page shared by forked processes is counted once in all). GNU time only
    reports the largest single process, which understates a command that forks readers."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self._finished = threading.Event()

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024 if self.peak_kb else float("nan")

    def run(self) -> None:
        while not self._finished.wait(0.1):
            self.peak_kb = max(self.peak_kb, sum(self._pss_kb(pid) for pid in self._tree(self.pid)))

    def stop(self) -> None:
        self._finished.set()
        self.join()

    @staticmethod
    def _tree(pid: int) -> list[int]:
        found, todo = [], [pid]
        while todo:
            p = todo.pop()
            found.append(p)
            try:
                for task in os.listdir(f"/proc/{p}/task"):
                    with open(f"/proc/{p}/task/{task}/children") as fh:
                        todo.extend(int(c) for c in fh.read().split())
            except OSError:  # gone meanwhile
                continue
        return found

    @staticmethod
    def _pss_kb(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0


def _server_db(admin_url: str) -> tuple[str, callable]:
    admin = sqlalchemy.engine.make_url(admin_url)
    name = f"bench_{uuid.uuid4().hex[:10]}"
    engine = sqlalchemy.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
    quote = '"' if admin.get_backend_name() == "postgresql" else "`"
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {quote}{name}{quote}")

    def drop() -> None:
        with engine.connect() as conn:
            force = " WITH (FORCE)" if quote == '"' else ""
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote}{name}{quote}{force}")
        engine.dispose()

    return admin.set(database=name).render_as_string(hide_password=False), drop


# -- the servers' floor: the same metric rows bulk-loaded by the server's own command ----------------------------
def metric_rows_file(root: Path, dest: Path) -> int:
    """Every metric point of the generated store as tab-separated ``key value timestamp run_uuid step is_nan``
    lines (the rows ``metrics`` ends up holding), for COPY / LOAD DATA."""
    n = 0
    with open(dest, "w", encoding="utf-8") as out:
        for exp in root.iterdir():
            if not exp.is_dir():
                continue
            for run in exp.iterdir():
                metrics = run / "metrics"
                if not metrics.is_dir():
                    continue
                for file in metrics.iterdir():
                    for line in file.read_text().splitlines():
                        ts, value, step = line.split()[:3]
                        out.write(f"{file.name}\t{value}\t{ts}\t{run.name}\t{step}\t0\n")
                        n += 1
    return n


# MLflow's metrics table at head with its primary key and run index (the "key + run index" of the floor)
_FLOOR_TABLE = ("CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value {double} NOT NULL, timestamp BIGINT NOT NULL, "
                "run_uuid VARCHAR(32) NOT NULL, step BIGINT NOT NULL DEFAULT 0, is_nan {boolean} NOT NULL DEFAULT {false}"
                "{inline})")
_PK = "PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan)"
# The third index MLflow's metrics table has at head (MLflow 2.x+; not in the floor): with
# ``all_indexes`` the floor builds it too, so the second floor is the server's cost of MLflow's whole table.
_RUN_KEY_STEP = "index_metrics_run_uuid_key_step (run_uuid, key, step)"


def floor_postgres(rows: Path, all_indexes: bool = False) -> dict:
    """COPY the rows into an empty table, then build the primary key and run index (the fastest order)."""
    uri, drop = _server_db(PG_ADMIN)
    try:
        engine = sqlalchemy.create_engine(uri, poolclass=sqlalchemy.pool.NullPool)
        with engine.begin() as conn:
            conn.exec_driver_sql(_FLOOR_TABLE.format(double="DOUBLE PRECISION", boolean="BOOLEAN", false="false",
                                                     inline=""))
        start = time.monotonic()
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            with raw.cursor() as cur, cur.copy("COPY metrics FROM STDIN") as copy, open(rows, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
            conn.exec_driver_sql(f"ALTER TABLE metrics ADD CONSTRAINT metric_pk {_PK}")
            conn.exec_driver_sql("CREATE INDEX index_metrics_run_uuid ON metrics (run_uuid)")
            if all_indexes:
                conn.exec_driver_sql(f"CREATE INDEX {_RUN_KEY_STEP.replace(' (', ' ON metrics (')}")
        seconds = time.monotonic() - start
        engine.dispose()
    finally:
        drop()
    return {"seconds": seconds}


def floor_mysql(rows: Path, all_indexes: bool = False) -> dict:
    """LOAD DATA LOCAL INFILE into the table with its primary key and run index (InnoDB clusters on the key)."""
    uri, drop = _server_db(MYSQL_ADMIN)
    try:
        engine = sqlalchemy.create_engine(uri, poolclass=sqlalchemy.pool.NullPool,
                                          connect_args={"local_infile": True})
        indexes = ", INDEX index_metrics_run_uuid (run_uuid)" + (f", INDEX {_RUN_KEY_STEP}" if all_indexes else "")
        ddl = _FLOOR_TABLE.format(double="DOUBLE", boolean="BOOLEAN", false="0",
                                  inline=f", CONSTRAINT metric_pk {_PK}{indexes}")
        with engine.begin() as conn:
            conn.exec_driver_sql(re.sub(r"\bkey\b", "`key`", ddl))  # a reserved word in MySQL
        start = time.monotonic()
        with engine.begin() as conn:
            conn.exec_driver_sql("SET unique_checks = 0")
            conn.exec_driver_sql(f"LOAD DATA LOCAL INFILE '{rows}' INTO TABLE metrics "
                                 "(`key`, value, timestamp, run_uuid, step, is_nan)")
        seconds = time.monotonic() - start
        engine.dispose()
    finally:
        drop()
    return {"seconds": seconds}


def ours(src: Path, dest: str, cache: Path, cold: bool = False) -> dict:
    result = measure([str(VENV_BIN / "mlflow-upgrade"), "migrate-filestore", str(src), dest, "--json"],
                     env={"MLFLOW_UPGRADE_CACHE": str(cache)}, cold=src if cold else None)
    try:
        report = json.loads(result["stdout"])
        result["schema_seconds"] = report["schema_seconds"]
        result["index_seconds"] = report.get("index_seconds", 0.0)
        result["rows"] = report["rows"]
    except (ValueError, KeyError):
        pass
    return result


def _store(work: Path, name: str, shape: dict[str, int]) -> Path:
    src = work / name
    if not (src / "mlruns").is_dir():
        t = time.monotonic()
        generate(src, **shape)
        print(f"generated {shape['experiments']} experiment(s) × {shape['runs']} run(s) ({shape['params']} params, "
              f"6 tags, {shape['metrics']} metrics × {shape['steps']} steps) in {time.monotonic() - t:.1f} s "
              f"at {src}", flush=True)
    return src / "mlruns"


def _shape(scale: float) -> dict[str, int]:
    return {"experiments": 10, "runs": max(1, round(200 * scale)), "params": 20, "metrics": 5, "steps": 200}


def one_round(src: Path, work: Path, dialects: list[str], official: bool, floors: dict[str, Any]) -> dict[str, dict]:
    """Every command once, side by side: the official one, ours into SQLite with an empty schema cache (what a
    machine that never ran the tool has) and with the cache filled, ours into each server and its floor."""
    results: dict[str, dict] = {}
    if official:
        db = work / "official.db"
        db.unlink(missing_ok=True)
        results["official → sqlite"] = measure(
            [str(VENV_BIN / "mlflow"), "migrate-filestore", "--source", str(src.parent), "--target",
             f"sqlite:///{db}", "--no-progress"])
        db.unlink(missing_ok=True)
    cache = work / "schema-cache"
    shutil.rmtree(cache, ignore_errors=True)
    for dialect in dialects:
        if dialect == "sqlite":
            for name in (FIRST, "ours → sqlite"):
                db = work / "ours.db"
                db.unlink(missing_ok=True)
                # the machine's first run: no schema cache, and the store not in the page cache either
                results[name] = ours(src.parent, f"sqlite:///{db}", cache, cold=name == FIRST)
                db.unlink(missing_ok=True)
            continue
        uri, drop = _server_db(PG_ADMIN if dialect == "postgresql" else MYSQL_ADMIN)
        try:
            results[f"ours → {dialect}"] = ours(src.parent, uri, cache)
        finally:
            drop()
        rows = work / "metric-rows.tsv"
        if not rows.exists():
            metric_rows_file(src, rows)
        if "rows" not in floors:
            with open(rows, "rb") as fh:
                floors["rows"] = sum(1 for _ in fh)
        take_floor = floor_postgres if dialect == "postgresql" else floor_mysql
        for name, all_indexes in ((f"floor: {dialect}", False), (f"floor: {dialect}, all 3 indexes", True)):
            results[name] = {**take_floor(rows, all_indexes), "rc": 0, "cpu": float("nan"), "rss_mb": float("nan"),
                             "total_mb": float("nan")}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 200 runs per experiment")
    parser.add_argument("--dialects", default="sqlite,postgresql,mysql")
    parser.add_argument("--skip-official", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every command; medians are the figures")
    parser.add_argument("--workdir", type=Path, help="keep the generated store here (default: a temp dir)")
    parser.add_argument("--growth", type=float, metavar="FACTOR",
                        help="instead: ours → SQLite on the --scale store and on one FACTOR times larger (e.g. 10: "
                        "2 M and 20 M metric lines), time ratio and peak memory of each (goal ≤ FACTOR×, flat memory)")
    parser.add_argument("--huge-run", action="store_true",
                        help="instead: one run of 20 metrics × 250 000 steps (5 M points), for peak memory")
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-filestore-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"load average at the start: {os.getloadavg()[0]:.1f}", flush=True)
    try:
        if args.growth:
            _growth(work, args.scale, args.growth, args.repeat)
            return
        if args.huge_run:  # one run of 20 metrics × 250 000 steps: memory must not grow with a run's size
            src = _store(work, "store-huge-run", {"experiments": 1, "runs": 1, "params": 20, "metrics": 20,
                                                  "steps": 250_000})
        else:
            src = _store(work, "store", _shape(args.scale))
        rounds: list[dict[str, dict]] = []
        floors: dict[str, Any] = {}
        (work / "out").mkdir(exist_ok=True)
        for i in range(args.repeat):
            rounds.append(one_round(src, work / "out", args.dialects.split(","), not args.skip_official, floors))
            if args.repeat > 1:
                print(f"round {i + 1} of {args.repeat} done", flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    _print(rounds, floors)


def _growth(work: Path, scale: float, factor: float, repeat: int) -> None:
    small = _store(work, "store", _shape(scale))
    large = _store(work, f"store-x{factor:g}", _shape(scale * factor))
    cache = work / "schema-cache"
    figures = {}
    for name, src in (("small", small), ("large", large)):
        runs = []
        for _ in range(repeat):
            db = work / "growth.db"
            db.unlink(missing_ok=True)
            # both stores read from disk, as a migration meets them: neither gains from the page cache
            runs.append(ours(src.parent, f"sqlite:///{db}", cache, cold=True))
            db.unlink(missing_ok=True)
            if runs[-1]["rc"]:
                raise SystemExit(f"failed: {runs[-1]['stderr'][-500:]}")
        figures[name] = {k: statistics.median(r[k] for r in runs) for k in ("seconds", "cpu", "rss_mb", "total_mb")}
        figures[name]["rows"] = runs[-1].get("rows", {}).get("metrics")
        f = figures[name]
        print(f"ours → sqlite, {f['rows'] or 0:,} metric lines, store not in the page cache: {f['seconds']:.1f} s ({f['cpu']:.1f} s CPU), "
              f"peak RSS {f['rss_mb']:.0f} MB, all processes {f['total_mb']:.0f} MB (median of {repeat})")
    ratio = figures["large"]["seconds"] / figures["small"]["seconds"]
    memory = max(figures["large"]["rss_mb"], figures["large"]["total_mb"])
    print(f"growth ×{factor:g}: time {ratio:.2f}× (goal ≤ {factor:g}×: {'OK' if ratio <= factor else 'OVER'}), "
          f"memory {memory:.0f} MB vs {max(figures['small']['rss_mb'], figures['small']['total_mb']):.0f} MB "
          f"(goal ≤ 300 MB: {'OK' if memory <= 300 else 'OVER'}); load average {os.getloadavg()[0]:.1f}")


def _median_result(runs: list[dict]) -> dict:
    out = dict(runs[-1])
    for key in ("seconds", "cpu", "rss_mb", "total_mb", "schema_seconds", "index_seconds"):
        values = [r[key] for r in runs if key in r]
        if values:
            out[key] = statistics.median(values)
    out["rc"] = max(r["rc"] for r in runs)
    out["n"] = len(runs)
    return out


def _print(rounds: list[dict[str, dict]], floors: dict[str, Any]) -> None:
    # CPU seconds (user + sys) are shown too: on a shared machine they vary far less than wall time.
    # "peak RSS": the largest process (GNU time); "all procs": the command's processes together (PSS).
    names = list(dict.fromkeys(name for r in rounds for name in r))
    results = {name: _median_result([r[name] for r in rounds if name in r]) for name in names}
    print(f"\n{'command (median of ' + str(len(rounds)) + ')':<34}{'rc':>4}{'seconds':>9}{'cpu s':>8}{'schema s':>10}"
          f"{'index s':>9}{'peak RSS MB':>13}{'all procs MB':>14}   runs (s)")
    for name, r in results.items():
        schema = f"{r['schema_seconds']:.1f}" if "schema_seconds" in r else "-"
        index = f"{r['index_seconds']:.1f}" if "index_seconds" in r else "-"
        each = ", ".join(f"{x[name]['seconds']:.1f}" for x in rounds if name in x)
        print(f"{name:<34}{r['rc']:>4}{r['seconds']:>9.1f}{r['cpu']:>8.1f}{schema:>10}{index:>9}"
              f"{r['rss_mb']:>13.0f}{r['total_mb']:>14.0f}   {each}")
        if r["rc"]:
            print(f"    failed: {r['stderr'].strip().splitlines()[-1] if r['stderr'].strip() else ''}")
    official = results.get("official → sqlite")
    for name in (FIRST, "ours → sqlite"):
        r = results.get(name)
        if official and r and not official["rc"] and not r["rc"]:
            print(f"{name}: {official['seconds'] / r['seconds']:.1f}× faster (wall; goal ≥ 20×), "
                  f"{official['cpu'] / r['cpu']:.1f}× less CPU, "
                  f"{official['rss_mb'] / r['rss_mb']:.1f}× less peak memory than the official command")
    for dialect in ("postgresql", "mysql"):
        other = results.get(f"ours → {dialect}")
        floor = results.get(f"floor: {dialect}")
        if other and floor and not other["rc"]:
            how = "COPY" if dialect == "postgresql" else "LOAD DATA LOCAL INFILE"
            print(f"{dialect}: {other['seconds'] / floor['seconds']:.2f}× the server's floor ({how} of the same "
                  f"{floors['rows']:,} metric rows into the metrics table with its primary key and run index: "
                  f"{floor['seconds']:.1f} s; goal ≤ 1.3×); schema {other.get('schema_seconds', 0):.1f} s, "
                  f"final index step {other.get('index_seconds', 0):.1f} s")
        full = results.get(f"floor: {dialect}, all 3 indexes")
        if other and full and not other["rc"]:
            print(f"{dialect}: {other['seconds'] / full['seconds']:.2f}× the floor with MLflow's third metrics index "
                  f"(run_uuid, key, step) built too ({full['seconds']:.1f} s): the server's cost of MLflow's table")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (a 2-core machine; CPU seconds vary less than wall)")


if __name__ == "__main__":
    main()
