"""Metric points encoded by the readers (COPY text, INSERT values, flat lists) come back out of each real
database bit for bit: extreme doubles, NaN flags, keys with every character the encodings must escape."""

from __future__ import annotations

import math
import random

import pytest
import sqlalchemy as sa

from mlflow_upgrade.filestore import encode
from mlflow_upgrade.filestore.loader import BulkWriter
from mlflow_upgrade.filestore.reader import Series

RUN = "0123456789abcdef0123456789abcdef"
KEYS = ["loss", "tab\there", "new\nline", "back\\slash", "quote'd \"x\"", "{braces}", "ünï/cødé:1", "ctrl\x1az"]
EXTREMES = [5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
            0.1, 1 / 3, -2.5, 0.0, 123456789.123456789, 1e22, 1e-7, 9007199254740993.0]


def _series() -> list[Series]:
    rng = random.Random(7)
    out = []
    for i, key in enumerate(KEYS):
        values = [*EXTREMES, *(rng.uniform(-1e6, 1e6) for _ in range(50)),
                  *(math.ldexp(rng.random(), rng.randint(-1000, 1000)) for _ in range(50))]
        n = len(values)
        nans = [j % 7 == 0 for j in range(n)] if i % 2 else None
        out.append(Series(key, values, [1_700_000_000_000 + j for j in range(n)], list(range(n)), nans))
    # short metrics too: PostgreSQL's binary tuples are packed point by point below encode._PG_STRIDED_POINTS
    out.append(Series("one point", [0.1], [-(2**63)], [2**63 - 1], None))
    out.append(Series("few points", [-0.0, 5e-324, 1e308], [1, 2, 3], [7, 8, 9], [True, False, True]))
    return out


def _expected() -> set[tuple]:
    return {row for s in _series() for row in s.rows(RUN)}


def _create_metrics(engine: sa.Engine) -> None:
    boolean = "BOOLEAN" if engine.dialect.name != "mysql" else "TINYINT(1)"
    varchar = "VARCHAR(250) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" if engine.dialect.name == "mysql" \
        else "VARCHAR(250)"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f'CREATE TABLE metrics ("key" {varchar} NOT NULL, value DOUBLE PRECISION NOT NULL, '
            f'"timestamp" BIGINT NOT NULL, step BIGINT NOT NULL, is_nan {boolean} NOT NULL, '
            f"run_uuid VARCHAR(32) NOT NULL)".replace('"', "`" if engine.dialect.name == "mysql" else '"')
        )


@pytest.mark.parametrize(("dialect", "fmt"), [("sqlite", "flat"), ("postgresql", "pgbinary"), ("mysql", "tsv"),
                                           ("mysql", "values")])
def test_encoded_points_read_back_exactly(dialect: str, fmt: str, tmp_path, request: pytest.FixtureRequest) -> None:
    if dialect == "sqlite":
        uri = f"sqlite:///{tmp_path / 'e.db'}"
    else:
        uri = request.getfixturevalue({"postgresql": "pg_uri", "mysql": "mysql_uri"}[dialect])
    engine = sa.create_engine(uri, poolclass=sa.pool.NullPool)
    try:
        _create_metrics(engine)
        writer = BulkWriter(engine)
        # MariaDB here allows LOAD DATA LOCAL (tsv); "values" is what a server that does not allow it gets
        assert writer.metric_format == {"sqlite": "flat", "postgresql": "pgbinary", "mysql": "tsv"}[dialect]
        writer.metric_format = fmt
        series = _series()
        writer.add_encoded("metrics", encode.encode(writer.metric_format, RUN, series),
                           sum(len(s.values) for s in series))
        writer.commit()
        writer.close()
        with engine.connect() as conn:
            got = {(k, v, ts, st, bool(nan), r) for k, v, ts, st, nan, r in conn.exec_driver_sql(
                "SELECT " + ", ".join(("`key`" if dialect == "mysql" else '"key"', "value",
                                       "`timestamp`" if dialect == "mysql" else '"timestamp"',
                                       "step", "is_nan", "run_uuid")) + " FROM metrics")}
    finally:
        engine.dispose()
    want = _expected()
    assert len(got) == len(want)
    missing = sorted(want - got, key=repr)[:5]
    assert not missing, f"rows not read back exactly: {missing}"


def test_mysql_floats_are_double_literals_with_17_digits() -> None:
    text = encode.encode("values", RUN, [Series("k", [0.1], [1], [2], None)]).decode()
    assert text == f"('k',1.0000000000000001e-01,1,2,0,'{RUN}')"
    assert float("1.0000000000000001e-01") == 0.1


def test_rows_format_is_the_metrics_rows() -> None:
    series = _series()
    assert encode.encode("rows", RUN, series) == [row for s in series for row in s.rows(RUN)]
    flat = encode.flat(RUN, series)
    assert [tuple(flat[i:i + 6]) for i in range(0, len(flat), 6)] == encode.encode("rows", RUN, series)


@pytest.mark.parametrize("points", [1, 5, encode._PG_STRIDED_POINTS - 1, encode._PG_STRIDED_POINTS, 333])
def test_binary_tuples_are_the_same_point_by_point_or_column_by_column(
        points: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(points)
    big = 2**63
    for nans in (None, [rng.random() < 0.3 for _ in range(points)]):
        series = Series("ünï\tkey", [rng.choice([*EXTREMES, rng.random()]) for _ in range(points)],
                        [rng.randrange(-big, big) for _ in range(points)],
                        [rng.randrange(-big, big) for _ in range(points)], nans)
        chosen = encode._pg_binary(RUN, series)
        with monkeypatch.context() as patch:
            patch.setattr(encode, "_PG_STRIDED_POINTS", 0)  # every metric column by column
            by_column = encode._pg_binary(RUN, series)
            patch.setattr(encode, "_PG_STRIDED_POINTS", 10**9)  # every metric point by point
            by_point = encode._pg_binary(RUN, series)
        assert chosen == by_column == by_point
        assert len(chosen) == points * (2 + 4 + len("ünï\tkey".encode()) + 3 * 12 + 5 + 4 + 32)
