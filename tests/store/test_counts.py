"""Row counts: the dialect's estimate for large tables, exact counts for the rest (store/counts.py)."""

from __future__ import annotations

import sqlalchemy

from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.store.counts import count_rows
from mlflow_upgrade.store.uri import parse_store_uri


def _partitioned(conn: sqlalchemy.Connection) -> None:
    for statement in (
        "CREATE TABLE parted (id int, k int) PARTITION BY RANGE (k)",
        "CREATE TABLE parted_a PARTITION OF parted FOR VALUES FROM (0) TO (100) PARTITION BY RANGE (id)",
        "CREATE TABLE parted_a1 PARTITION OF parted_a FOR VALUES FROM (0) TO (1000000)",
        "CREATE TABLE parted_b PARTITION OF parted FOR VALUES FROM (100) TO (200)",
        "INSERT INTO parted SELECT g, g %% 200 FROM generate_series(1, 3000) g",
    ):
        conn.exec_driver_sql(statement)


def test_a_partitioned_table_is_estimated_by_its_analysed_partitions(pg_uri: str) -> None:
    dialect = get_dialect(parse_store_uri(pg_uri))
    engine = sqlalchemy.create_engine(pg_uri, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.begin() as conn:
            _partitioned(conn)
            conn.exec_driver_sql("ANALYZE parted_a1")
        with engine.connect() as conn:
            # one leaf never analysed: no figure for the parent (an exact count instead), the analysed leaf has one
            estimates = dialect.row_estimates(conn)
            assert "parted" not in estimates and estimates["parted_a1"] == 1500
            assert count_rows(conn, dialect, ["parted"], threshold=1)["parted"].to_dict() == {"rows": 3000,
                                                                                             "exact": True}
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE parted_b")
        with engine.connect() as conn:
            estimates = dialect.row_estimates(conn)
            assert estimates["parted"] == 3000 and estimates["parted_a"] == 1500
            assert count_rows(conn, dialect, ["parted"], threshold=1)["parted"].to_dict() == {"rows": 3000,
                                                                                             "exact": False}
    finally:
        engine.dispose()
