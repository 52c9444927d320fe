"""Large runs into PostgreSQL/MariaDB: a run's points are encoded metric by metric as they are parsed and,
past ``encode.SPILL_BYTES``, spooled to a private temporary file that the writer streams; so neither process
holds a whole huge run, and no MariaDB statement outgrows ``max_allowed_packet``."""

from __future__ import annotations

import random
import stat
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from mlflow_upgrade.filestore import encode, migrate_filestore
from mlflow_upgrade.filestore.reader import Series
from tests.support.fixture_stores import copy_filestore_fixture


def _series(n: int) -> Series:
    rng = random.Random(n)
    values = [rng.random() * 10 ** rng.randint(-300, 300) for _ in range(n)]
    return Series("loss\t'x\"\\", values, [1_700_000_000_000 + i for i in range(n)], list(range(n)), None)


@pytest.mark.parametrize("fmt", encode.STREAMED)
def test_spooled_run_holds_what_memory_would(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    series = [_series(2500), _series(10), _series(700)]
    in_memory = encode.encode(fmt, "r" * 32, series)
    assert isinstance(in_memory, bytes)
    monkeypatch.setattr(encode, "SPILL_BYTES", 10_000)
    monkeypatch.setattr(encode, "SLICE_POINTS", 300)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    spooled = encode.encode(fmt, "r" * 32, series)
    assert isinstance(spooled, encode.Spooled)
    assert stat.S_IMODE(Path(spooled.path).stat().st_mode) == 0o600
    pieces = list(spooled.chunks(size=4096))
    if fmt == "values":
        assert max(len(p) for p in pieces) < 300 * 120  # one slice per piece, never a whole run
    assert (b"," if fmt == "values" else b"").join(pieces) == in_memory
    spooled.remove()
    assert not list(tmp_path.iterdir())


def test_discarded_run_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encode, "SPILL_BYTES", 1000)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    points = encode.RunPoints("pgbinary")
    points.add("r" * 32, _series(500))
    assert list(tmp_path.iterdir())
    points.discard()
    assert not list(tmp_path.iterdir())


def _add_long_metric(root: Path, n: int) -> tuple[str, list[tuple[int, float, int]]]:
    run_dir = next(p for p in sorted((root / "1").iterdir()) if (p / "metrics").is_dir())
    rng = random.Random(7)
    points = [(1_700_000_000_000 + i, rng.random(), i) for i in range(n)]
    (run_dir / "metrics" / "long_loss").write_text("".join(f"{t} {v!r} {s}\n" for t, v, s in points))
    return run_dir.name, points


def _stored(uri: str, run_uuid: str) -> list[tuple[int, float, int]]:
    engine = sa.create_engine(uri)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(
                "SELECT timestamp, value, step FROM metrics WHERE run_uuid = :r AND `key` = 'long_loss' "
                "ORDER BY step".replace("`", '"' if engine.dialect.name == "postgresql" else "`")), {"r": run_uuid})]
    finally:
        engine.dispose()


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_large_run_is_spooled_and_every_point_arrives(dialect: str, tmp_path: Path, request: pytest.FixtureRequest,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    uri = request.getfixturevalue({"postgresql": "pg_uri", "mysql": "mysql_uri"}[dialect])
    root = copy_filestore_fixture("1.30.1", tmp_path)
    run_uuid, points = _add_long_metric(root, 30_000)
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    monkeypatch.setattr(encode, "SPILL_BYTES", 50_000)  # inherited by the forked readers
    monkeypatch.setattr(encode, "SLICE_POINTS", 1000)
    monkeypatch.setattr(tempfile, "tempdir", str(spool_dir))
    removed: list[str] = []
    remove = encode.Spooled.remove
    monkeypatch.setattr(encode.Spooled, "remove", lambda self: (removed.append(self.path), remove(self)))
    report = migrate_filestore(root, uri)
    assert report.status == "complete"
    assert removed and all(Path(p).parent == spool_dir for p in removed)  # it was spooled, by the readers
    assert not list(spool_dir.iterdir())  # and removed once committed
    assert _stored(uri, run_uuid) == points


def test_run_larger_than_mariadb_packet_limit(tmp_path: Path, mysql_uri: str) -> None:
    """300 000 points (~23 MB of VALUES text) in one run: one statement would exceed MariaDB's default
    16 MB max_allowed_packet; with the real thresholds it is spooled and sent in slices."""
    root = copy_filestore_fixture("1.30.1", tmp_path)
    run_uuid, points = _add_long_metric(root, 300_000)
    report = migrate_filestore(root, mysql_uri)
    assert report.status == "complete"
    assert _stored(mysql_uri, run_uuid) == points
