"""On SQLite, counts that would read a whole large table are instant estimates from the rowid range, marked ~
(exact: false) like the servers' statistics; ``--exact`` counts them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlalchemy

from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.store.counts import ESTIMATE_THRESHOLD, count_rows
from tests.cli_helpers import run_cli
from tests.support.fixture_stores import copy_sqlite_fixture


def _grow_metrics(path: Path, rows: int) -> int:
    with sqlite3.connect(path) as con:
        run = con.execute("SELECT run_uuid FROM runs LIMIT 1").fetchone()[0]
        con.execute(
            "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ?) "
            "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) "
            "SELECT 'grown', i * 0.5, 1700000000000 + i, ?, i, 0 FROM seq", (rows - 1, run))
        return con.execute("SELECT COUNT(*) FROM metrics").fetchone()[0]


def test_rowid_range_estimate_and_exact_count(tmp_path: Path) -> None:
    path = Path(copy_sqlite_fixture("1.30.1", tmp_path).removeprefix("sqlite:///"))
    with sqlite3.connect(path) as con:  # rows deleted between the ends: the estimate overstates, never the count
        con.execute("DELETE FROM params WHERE rowid NOT IN ((SELECT MIN(rowid) FROM params), "
                    "(SELECT MAX(rowid) FROM params))")
        ends = con.execute("SELECT MAX(rowid) - MIN(rowid) + 1 FROM params").fetchone()[0]
    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            dialect = get_dialect("sqlite")
            estimated = count_rows(conn, dialect, ["params", "metrics"], threshold=1)
            exact = count_rows(conn, dialect, ["params", "metrics"], threshold=1, exact=True)
    finally:
        engine.dispose()
    assert not estimated["params"].exact and estimated["params"].rows == ends > 2
    assert exact["params"].exact and exact["params"].rows == 2
    assert exact["metrics"].rows == estimated["metrics"].rows  # no gaps: the estimate is the count


def test_cli_marks_large_sqlite_tables_and_exact_counts_them(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    total = _grow_metrics(Path(uri.removeprefix("sqlite:///")), ESTIMATE_THRESHOLD)
    data = json.loads(run_cli("inspect", uri, "--json").stdout)["tracking"]["counts"]
    assert data["metrics"]["exact"] is False and data["metrics"]["rows"] >= total
    assert data["params"]["exact"] is True  # small tables are still counted
    text = run_cli("inspect", uri).stdout
    assert f"~{data['metrics']['rows']:,}" in text
    exact = json.loads(run_cli("inspect", uri, "--exact", "--json").stdout)["tracking"]["counts"]
    assert exact["metrics"] == {"rows": total, "exact": True}
    assert f"~{total:,}" not in run_cli("inspect", uri, "--exact").stdout
