"""SQLite fingerprints of large tables split into parts aggregated at once: rowid ranges when the query sorts,
ranges of the leading bucket column when it scans an index. The parts must hold every row exactly once."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from mlflow_upgrade.dialects import fingerprint as fpsql
from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.upgrade.verify.fingerprint import take as fpmod
from mlflow_upgrade.upgrade.verify.fingerprint import take_fingerprint

# hostile-looking keys: quotes, SQL, a NUL, non-ASCII; plus NULL buckets
KEYS = ["loss", "acc'uracy", "x'); DROP TABLE metrics; --", "f1\x00", "ñ", "zz", None]


def _store(path: Path, rows: int = 6000) -> str:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metrics (key VARCHAR(250), value FLOAT NOT NULL, step BIGINT NOT NULL)")
    conn.execute("CREATE INDEX by_key ON metrics (key, step, value)")  # a covering index in bucket order
    rng = random.Random(7)
    conn.executemany("INSERT INTO metrics VALUES (?, ?, ?)",
                     [(KEYS[i % len(KEYS)], rng.random(), i) for i in range(rows)])
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


def _counts(engine: sa.Engine, parts: list[str]) -> list[int]:
    with engine.connect() as conn:
        return [conn.exec_driver_sql(f"SELECT COUNT(*) FROM metrics WHERE {p}").scalar() for p in parts]


def test_value_ranges_hold_every_row_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fpsql.os, "cpu_count", lambda: 2)
    engine = sa.create_engine(_store(tmp_path / "m.db"), poolclass=sa.pool.NullPool)
    query = "SELECT key, COUNT(*), TOTAL(value) FROM metrics GROUP BY key"
    with engine.connect() as conn:
        assert "INDEX" in " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + query))
        parts = get_dialect("sqlite").fingerprint_ranges(conn, "metrics", query, 100, "key")
    assert parts is not None and parts[0] == '"key" IS NULL' and len(parts) == 3
    counts = _counts(engine, parts)
    assert sum(counts) == 6000 and all(counts)  # nothing lost or counted twice; no part is empty
    engine.dispose()


def test_split_fingerprint_equals_the_whole_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fpsql.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(fpmod, "EXACT_LIMIT", 20)  # bucketed by key, not row by row
    engine = sa.create_engine(_store(tmp_path / "m.db"), poolclass=sa.pool.NullPool)
    monkeypatch.setattr(fpmod, "PARALLEL_MIN_ROWS", 10**12)
    whole = take_fingerprint(engine, tables=["metrics"]).tables["metrics"]
    seen: list[list[str]] = []
    real = fpsql.SQLiteFingerprintSql.fingerprint_ranges

    def spy(self, *args, **kwargs):  # the split must really happen, or this test proves nothing
        parts = real(self, *args, **kwargs)
        seen.append(parts)
        return parts

    monkeypatch.setattr(fpsql.SQLiteFingerprintSql, "fingerprint_ranges", spy)
    monkeypatch.setattr(fpmod, "PARALLEL_MIN_ROWS", 100)
    split = take_fingerprint(engine, tables=["metrics"]).tables["metrics"]
    assert whole.bucket == ["key"] and seen and seen[0] and len(seen[0]) >= 3
    assert split.rows == whole.rows == 6000
    assert split.buckets.keys() == whole.buckets.keys()
    for key, digest in whole.buckets.items():
        assert split.buckets[key] == pytest.approx(digest, rel=1e-12), key
    engine.dispose()


def test_mixed_types_split_exactly_and_one_value_does_not_split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fpsql.os, "cpu_count", lambda: 2)
    path = tmp_path / "m.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (k, v)")
    conn.execute("CREATE INDEX by_k ON t (k, v)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(i if i % 2 else str(i), i) for i in range(1000)])
    conn.execute("CREATE TABLE one (k, v)")
    conn.execute("CREATE INDEX one_k ON one (k, v)")
    conn.executemany("INSERT INTO one VALUES ('same', ?)", [(i,) for i in range(1000)])
    conn.commit()
    conn.close()
    engine = sa.create_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool)
    dialect = get_dialect("sqlite")
    with engine.connect() as c:
        mixed = dialect.fingerprint_ranges(c, "t", "SELECT k, COUNT(*) FROM t GROUP BY k", 10, "k")
        assert mixed is not None
        assert sum(c.exec_driver_sql(f"SELECT COUNT(*) FROM t WHERE {p}").scalar() for p in mixed) == 1000
        assert dialect.fingerprint_ranges(c, "one", "SELECT k, COUNT(*) FROM one GROUP BY k", 10, "k") is None
    engine.dispose()


def test_literals_from_the_store_are_quoted_or_refused() -> None:
    assert fpsql._sql_literal("it's") == "'it''s'"
    assert fpsql._sql_literal("a\x00b") is None
    assert fpsql._sql_literal(float("nan")) is None
    assert fpsql._sql_literal(b"\x01\xff") == "X'01ff'"
    assert fpsql._sql_literal(-3) == "-3"
    assert fpsql._sql_literal(True) is None
