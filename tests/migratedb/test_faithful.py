"""Every value arrives identical, through all three dialects in turn: SQLite → MariaDB → PostgreSQL → SQLite.

The source (a 1.30.1 store) gets the values that break naive copies: ±1.7976931348623157e308 (what MLflow keeps
for ±inf), -0.0, the smallest subnormal, 0.1 + 0.2, a NaN point (MLflow stores is_nan = 1 with value 0), steps
and timestamps near 2^63, a 5000-character tag value of non-ASCII text, a NULL tag value, quotes, backslashes
and a tab. After three hops every row must be the same as the original, float bits included; a 3.17.2 store's
binary columns (``secrets``) go SQLite → PostgreSQL byte for byte.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from mlflow_upgrade.api import migrate_db
from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.migratedb.digest import SqlRowDigest
from tests.migratedb.support import all_rows, table_names
from tests.migratedb.test_pairs import mysql_uri2, pg_uri2  # noqa: F401 (fixtures)
from tests.support.fixture_stores import copy_sqlite_fixture

RUN = "abaa1e477e1f4584b1965477c3a65832"
FLOATS = [1.7976931348623157e308, -1.7976931348623157e308, -0.0, 5e-324, 0.1 + 0.2, 123456789.123456789]
LONG = "ünïcødé ✓ " * 500  # 5000 characters, more bytes


def _special_source(tmp_path: Path) -> str:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    con = sqlite3.connect(uri.removeprefix("sqlite:///"))
    with con:
        for i, value in enumerate(FLOATS):
            con.execute("INSERT INTO metrics VALUES ('special', ?, ?, ?, ?, 0)", (value, 1_800_000_000_000 + i, RUN, i))
        con.execute("INSERT INTO metrics VALUES ('special', 0, 1, ?, 99, 1)", (RUN,))  # NaN as MLflow stores it
        con.execute("INSERT INTO metrics VALUES ('big', 1.5, ?, ?, ?, 0)", (2**63 - 1, RUN, 2**62))
        con.execute("INSERT INTO tags VALUES ('long', ?, ?)", (LONG, RUN))
        con.execute("INSERT INTO tags VALUES ('null', NULL, ?)", (RUN,))
        con.execute("INSERT INTO params VALUES ('odd', ?, ?)", ("it's \"quoted\" \\ back\tslash %s %%", RUN))
    con.close()
    return uri


def _float_bits(uri: str) -> dict[tuple[int, int], str]:
    """(timestamp, step) -> the exact float of the 'special' metric points, sign of zero included."""
    rows = all_rows(uri)["metrics"]
    return {(r[4], r[3]): r[5][1] for r in rows if r[1] == "special"}  # columns by name


def test_values_survive_three_hops(tmp_path: Path, mysql_uri2: str, pg_uri2: str) -> None:  # noqa: F811
    src = _special_source(tmp_path)
    back = f"sqlite:///{tmp_path / 'back.db'}"
    before = all_rows(src)
    for a, b in ((src, mysql_uri2), (mysql_uri2, pg_uri2)):
        report = migrate_db(a, b)
        assert report.ok, (a, b, report.to_dict())
        assert all_rows(b) == before, f"{a} -> {b}"
        assert not report.tracking.remapped
    # Only PostgreSQL keeps a negative zero (SQLite and MariaDB store 0): one is made there, then copied to
    # SQLite, which reports it stored as 0.0 instead of failing the digest comparison.
    engine = sa.create_engine(pg_uri2, poolclass=NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE metrics SET value = '-0'::float8 WHERE key = 'special' AND step = 2 "
                             "AND timestamp = 1800000000002")
    engine.dispose()
    assert _float_bits(pg_uri2)[(1_800_000_000_002, 2)] == "-0.0"
    report = migrate_db(pg_uri2, back)
    assert report.ok, report.to_dict()
    assert [(u.table, u.column, u.rows) for u in report.tracking.remapped] == [("metrics", "value", 1)]
    assert all_rows(back) == before
    bits = _float_bits(back)
    assert bits[(1_800_000_000_002, 2)] == "0.0" and repr(5e-324) in bits.values()
    assert repr(1.7976931348623157e308) in bits.values() and repr(-1.7976931348623157e308) in bits.values()


def test_binary_columns(tmp_path: Path, pg_uri2: str) -> None:  # noqa: F811
    uri = copy_sqlite_fixture("3.17.2", tmp_path)
    blob = bytes(range(256)) * 40
    con = sqlite3.connect(uri.removeprefix("sqlite:///"))
    with con:
        con.execute("INSERT INTO secrets (secret_id, secret_name, encrypted_value, wrapped_dek, kek_version, "
                    "masked_value, created_at, last_updated_at) VALUES ('s1', 'key', ?, ?, 1, '***', 1, 2)",
                    (blob, b"\x00"))
    con.close()
    assert migrate_db(uri, pg_uri2).ok
    engine = sa.create_engine(pg_uri2, poolclass=NullPool)
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT encrypted_value, wrapped_dek FROM secrets").one()
    engine.dispose()
    assert (bytes(row[0]), bytes(row[1])) == (blob, b"\x00")
    assert all_rows(pg_uri2) == all_rows(uri)


def test_sqlite_infinity_into_mariadb_is_refused(tmp_path: Path, mysql_uri2: str) -> None:  # noqa: F811
    """A real ±inf (written by something else than MLflow) cannot exist in MariaDB's DOUBLE: refused, listed."""
    from mlflow_upgrade.migratedb.checks import UnfitValues

    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    con = sqlite3.connect(uri.removeprefix("sqlite:///"))
    with con:
        for step, value in enumerate((float("inf"), float("-inf"))):
            con.execute("INSERT INTO metrics VALUES ('inf', ?, 1, ?, ?, 0)", (value, RUN, step))
    con.close()
    with pytest.raises(UnfitValues) as caught:
        migrate_db(uri, mysql_uri2)
    assert [(u.table, u.column, u.rows) for u in caught.value.unfit] == [("metrics", "value", 2)]
    assert "NaN or ±infinity" in str(caught.value)
    assert table_names(mysql_uri2) == []


def test_special_floats_through_postgresql_sql_digest(tmp_path: Path, pg_uri: str, pg_uri2: str) -> None:  # noqa: F811
    """PostgreSQL computes its side of the digest in SQL (float8send): ±inf from SQLite, then NaN and -0.0 made on
    PostgreSQL and copied PostgreSQL → PostgreSQL, compare equal bit for bit, and a changed value does not."""
    uri = _special_source(tmp_path)
    con = sqlite3.connect(uri.removeprefix("sqlite:///"))
    with con:
        for step, value in enumerate((float("inf"), float("-inf"))):
            con.execute("INSERT INTO metrics VALUES ('inf', ?, 1, ?, ?, 0)", (value, RUN, step))
    con.close()
    report = migrate_db(uri, pg_uri)
    assert report.ok, report.to_dict()
    assert all_rows(pg_uri) == all_rows(uri)
    engine = sa.create_engine(pg_uri, poolclass=NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE metrics SET value = 'NaN'::float8 WHERE key = 'inf' AND step = 0")
        conn.exec_driver_sql("UPDATE metrics SET value = '-0'::float8 WHERE key = 'special' AND step = 2")
    engine.dispose()
    report = migrate_db(pg_uri, pg_uri2)
    assert report.ok, report.to_dict()
    assert all_rows(pg_uri2) == all_rows(pg_uri)
    assert _float_bits(pg_uri2)[(1_800_000_000_002, 2)] == "-0.0"
    # the same formula on both sides: Python over the rows read, SQL on the server; one ulp changes it
    kinds = [("key", "text"), ("value", "float"), ("timestamp", "int"), ("run_uuid", "text"), ("step", "int"),
             ("is_nan", "bool")]
    query = get_dialect("postgresql").row_digest_sql("metrics", kinds)
    assert query is not None
    engine = sa.create_engine(pg_uri2, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            rows = conn.exec_driver_sql(f"SELECT {', '.join(f'{chr(34)}{n}{chr(34)}' for n, _ in kinds)} FROM metrics"
                                        ).all()
            digest = SqlRowDigest([k for _, k in kinds])
            digest.add([tuple(r) for r in rows])
            count, value = conn.exec_driver_sql(query).one()
            assert (int(count), int(value) % 2**64) == (len(rows), digest.value)
            changed = conn.exec_driver_sql("UPDATE metrics SET value = 0.3000000000000001 WHERE value = 0.1 + 0.2")
            assert changed.rowcount == 1
            assert int(conn.exec_driver_sql(query).one()[1]) % 2**64 != digest.value
    finally:
        engine.dispose()
