"""Benchmark: ``mlflow-upgrade migrate-db`` SQLite → PostgreSQL, SQLite → MariaDB and PostgreSQL → SQLite, side
by side with pgloader (Debian package) for SQLite → PostgreSQL and ``pg_dump | psql`` (the floor) next to ours
PostgreSQL → PostgreSQL, on a MLflow 1.30.1 store grown to 2 M metric rows plus runs with params and tags.

    .venv/bin/python bench/migrate_db.py [--rows 2000000] [--runs 2000] [--workdir DIR]

Each command runs as a subprocess on fresh databases; wall time and peak RSS (``os.wait4``: the process and the
children it waited for, i.e. our schema child) are printed with the ratio to pgloader (to pg_dump | psql for PostgreSQL → PostgreSQL). Goals: ours SQLite →
PostgreSQL ≤ 1.5× pgloader, peak memory ≤ 300 MB. pgloader's result is not a usable MLflow store (its own
types and constraints, see docs/migrate-db.md); ours is verified (row digests on both sides).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bench_upgrade", ROOT / "upgrade.py")
assert _spec is not None and _spec.loader is not None
bench_upgrade = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_upgrade)

PG_ADMIN = os.environ.get("MLFLOW_UPGRADE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MYSQL_ADMIN = os.environ.get("MLFLOW_UPGRADE_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")


def grow_runs(path: Path, runs: int) -> None:
    """``runs`` more runs (copies of a real 1.30.1 run row), each with 20 params and 10 tags."""
    conn = sqlite3.connect(path)
    template = conn.execute("SELECT * FROM runs LIMIT 1").fetchone()
    columns = [d[0] for d in conn.execute("SELECT * FROM runs LIMIT 1").description]
    at = columns.index("run_uuid")
    with conn:
        for _ in range(runs):
            row = list(template)
            row[at] = uuid.uuid4().hex
            conn.execute(f"INSERT INTO runs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", row)
            conn.executemany("INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)",
                             [(f"param_{i}", f"value {i} of {row[at]}", row[at]) for i in range(20)])
            conn.executemany("INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)",
                             [(f"tag_{i}", "x" * (i * 50), row[at]) for i in range(10)])
    conn.execute("VACUUM")
    conn.close()


def new_database(admin: str, name: str) -> str:
    _databases(admin, name, "DROP DATABASE IF EXISTS", "CREATE DATABASE")
    return sa.make_url(admin).set(database=name).render_as_string(hide_password=False)


def drop_database(admin: str, name: str) -> None:
    _databases(admin, name, "DROP DATABASE IF EXISTS")


def _databases(admin: str, name: str, *verbs: str) -> None:
    """``<verb> <name>`` for each verb, on the server of ``admin``."""
    url = sa.make_url(admin)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    quote = '"' if url.get_backend_name() == "postgresql" else "`"
    with engine.connect() as conn:
        for verb in verbs:
            conn.exec_driver_sql(f"{verb} {quote}{name}{quote}")
    engine.dispose()


def ours(src: str, dest: str) -> tuple[float, int, dict]:
    seconds, rss, out = bench_upgrade.run_measured(
        [sys.executable, "-m", "mlflow_upgrade", "migrate-db", src, dest, "--json", "--no-progress"])
    report = json.loads(out)
    assert report["ok"], report
    return seconds, rss, report["tracking"]


def pgloader(sqlite_path: Path, dest: str) -> tuple[float, int]:
    url = sa.make_url(dest)
    target = f"postgresql://{url.username}@{url.host}:{url.port or 5432}/{url.database}"
    seconds, rss, _ = bench_upgrade.run_measured(["pgloader", "--quiet", f"sqlite://{sqlite_path}", target])
    return seconds, rss


def count_metrics(uri: str) -> int:
    engine = sa.create_engine(uri, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        n = int(conn.exec_driver_sql("SELECT COUNT(*) FROM metrics").scalar())
    engine.dispose()
    return n


def pg_dump_psql(src: str, dest: str) -> tuple[float, int]:
    """The floor for PostgreSQL → PostgreSQL: the server's own dump piped into psql (no checks, no digest)."""
    a, b = sa.make_url(src), sa.make_url(dest)
    cmd = (f"set -o pipefail; pg_dump -h {a.host} -p {a.port or 5432} -U {a.username} {a.database} | "
           f"psql -q -v ON_ERROR_STOP=1 -h {b.host} -p {b.port or 5432} -U {b.username} {b.database} >/dev/null")
    seconds, rss, _ = bench_upgrade.run_measured(["bash", "-c", cmd])
    return seconds, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=2_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--only-postgresql", action="store_true",
                        help="only pgloader and ours SQLite → PostgreSQL (the linear-growth check at 10 M rows)")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="mlu-bench-migratedb-"))
    work.mkdir(parents=True, exist_ok=True)
    store = work / "source.db"
    t0 = time.perf_counter()
    if not store.exists():
        bench_upgrade.build_store(store, args.rows)
        grow_runs(store, args.runs)
    src = f"sqlite:///{store}"
    print(f"store: 1.30.1 fixture + {args.rows:,} metric rows + {args.runs:,} runs (20 params, 10 tags each), "
          f"{store.stat().st_size / 1e6:.0f} MB (ready in {time.perf_counter() - t0:.1f} s)", flush=True)
    # (what, seconds, peak MB, note, the row it is compared with)
    results: list[tuple[str, float, int, str, str | None]] = []

    def record(name: str, seconds: float, peak: int, note: str, against: str | None = None) -> None:
        results.append((name, seconds, peak, note, against))
        print(f"  {name}: {seconds:.1f} s, {peak} MB", flush=True)

    pg_loader = new_database(PG_ADMIN, "mlu_bench_pgloader")
    pl_secs, pl_rss = pgloader(store, pg_loader)
    record("pgloader SQLite → PostgreSQL", pl_secs, pl_rss, f"{count_metrics(pg_loader):,} metric rows, not an "
           "MLflow store")
    drop_database(PG_ADMIN, "mlu_bench_pgloader")
    pg_ours = new_database(PG_ADMIN, "mlu_bench_ours")
    secs, rss, rep = ours(src, pg_ours)
    record("ours SQLite → PostgreSQL", secs, rss, _phases(rep), "pgloader SQLite → PostgreSQL")
    if not args.only_postgresql:
        _others(work, src, pg_ours, record)
    drop_database(PG_ADMIN, "mlu_bench_ours")
    print_table(results)
    ratio = results[1][1] / pl_secs
    print(f"ratio ours/pgloader (SQLite → PostgreSQL): {ratio:.2f}x (goal <= 1.5x) -> "
          f"{'OK' if ratio <= 1.5 else 'OVER'}; peak memory max {max(r[2] for r in results if r[0].startswith('ours'))}"
          " MB (goal <= 300)")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


def _others(work: Path, src: str, pg_ours: str, record: Any) -> None:
    """SQLite → MariaDB, PostgreSQL → SQLite, and PostgreSQL → PostgreSQL next to pg_dump | psql."""
    maria = new_database(MYSQL_ADMIN, "mlu_bench_ours")
    secs, rss, rep = ours(src, maria)
    record("ours SQLite → MariaDB", secs, rss, _phases(rep), "pgloader SQLite → PostgreSQL")
    drop_database(MYSQL_ADMIN, "mlu_bench_ours")
    back = work / "back.db"
    back.unlink(missing_ok=True)
    secs, rss, rep = ours(pg_ours, f"sqlite:///{back}")
    record("ours PostgreSQL → SQLite", secs, rss, _phases(rep), "pgloader SQLite → PostgreSQL")
    back.unlink(missing_ok=True)
    floor = new_database(PG_ADMIN, "mlu_bench_floor")
    f_secs, f_rss = pg_dump_psql(pg_ours, floor)
    record("pg_dump + psql PostgreSQL → PostgreSQL", f_secs, f_rss, "the floor: no checks, no digest")
    drop_database(PG_ADMIN, "mlu_bench_floor")
    pg_pg = new_database(PG_ADMIN, "mlu_bench_pg2")
    secs, rss, rep = ours(pg_ours, pg_pg)
    record("ours PostgreSQL → PostgreSQL", secs, rss, _phases(rep), "pg_dump + psql PostgreSQL → PostgreSQL")
    drop_database(PG_ADMIN, "mlu_bench_pg2")


def print_table(results: list[tuple[str, float, int, str, str | None]]) -> None:
    seconds = {r[0]: r[1] for r in results}
    width = max(len(r[0]) for r in results)
    print(f"| {'what':<{width}} | time (s) | ratio | peak MB | notes |")
    print(f"|{'-' * (width + 2)}|---------:|------:|--------:|-------|")
    for name, secs, peak, note, against in results:
        ratio = f"{secs / seconds[against]:.2f}x" if against else ""
        print(f"| {name:<{width}} | {secs:8.1f} | {ratio:>5} | {peak:7d} | {note} |")


def _phases(report: dict) -> str:
    return (f"schema {report['schema_seconds']:.1f} s, rows {report['copy_seconds']:.1f} s, digests "
            f"{report['verify_seconds']:.1f} s, {report['rows']:,} rows identical")


if __name__ == "__main__":
    main()
