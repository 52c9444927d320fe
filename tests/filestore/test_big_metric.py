"""A metric file too large to parse whole cheaply (> ``reader.BIG_METRIC_BYTES``) is read in slices when its
lines allow it (plain ``ts value step`` lines, steps strictly increasing): the points, the latest point and
the problems are exactly what the whole-file path gives, and memory no longer grows with the file."""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.filestore import reader
from mlflow_upgrade.filestore.problems import ProblemLog

RUN = "a" * 32


def _run_dir(tmp_path: Path, lines: list[str]) -> Path:
    run_dir = tmp_path / "1" / RUN
    (run_dir / "metrics").mkdir(parents=True)
    (run_dir / "meta.yaml").write_text(f"run_id: {RUN}\nexperiment_id: '1'\nstatus: 3\nlifecycle_stage: active\n")
    (run_dir / "metrics" / "loss").write_text("".join(lines))
    (run_dir / "metrics" / "small").write_text("1700000000000 1.0 0\n")
    return run_dir


def _read(run_dir: Path) -> tuple[list[reader.Series], list[tuple], dict[str, int]]:
    got: list[reader.Series] = []
    problems = ProblemLog()
    rec = reader.read_run(run_dir, "1", problems, {}, on_metric=lambda _run, series: got.append(series))
    assert rec is not None
    return got, rec.latest, dict(problems.counts)


def _points(series: list[reader.Series]) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for s in series:
        out.setdefault(s.key, []).extend(zip(s.timestamps, s.values, s.steps, s.is_nan or [False] * len(s.values),
                                             strict=True))
    return out


def _in_order(n: int) -> list[str]:
    rng = random.Random(n)
    return [f"{1_700_000_000_000 + 3 * i} {rng.random()!r} {i}\n" for i in range(n)]


@pytest.mark.parametrize("shape", ["in order", "out of order with a duplicate", "a NaN", "a malformed line"])
def test_sliced_reading_gives_what_whole_file_reading_gives(shape: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _in_order(3000)
    if shape == "out of order with a duplicate":
        lines[2000], lines[10] = lines[10], lines[2000]
        lines.append(lines[5])
    elif shape == "a NaN":
        lines[1500] = "1700000004500 nan 1500\n"
    elif shape == "a malformed line":
        lines[2999] = "oops\n"
    run_dir = _run_dir(tmp_path, lines)
    whole = _read(run_dir)
    monkeypatch.setattr(reader, "BIG_METRIC_BYTES", 1000)
    monkeypatch.setattr(reader, "_SLICE_BYTES", 4000)
    sliced = _read(run_dir)
    assert _points(sliced[0]) == _points(whole[0])
    assert sorted(sliced[1]) == sorted(whole[1]) and sliced[2] == whole[2]
    loss_pieces = sum(1 for s in sliced[0] if s.key == "loss")
    assert loss_pieces == (1 if shape != "in order" else len(loss_pieces_expected(lines)))


def loss_pieces_expected(lines: list[str]) -> list[int]:
    """Slices of ~4000 bytes of whole lines (what readlines(4000) returns)."""
    pieces, size = [0], 0
    for line in lines:
        pieces[-1] += 1
        size += len(line)
        if size >= 4000:
            pieces.append(0)
            size = 0
    return [p for p in pieces if p]


def test_memory_does_not_grow_with_an_in_order_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_dir = _run_dir(tmp_path, _in_order(400_000))  # ~16 MB

    def peak_mb() -> float:
        tracemalloc.start()
        try:
            reader.read_run(run_dir, "1", ProblemLog(), {}, on_metric=lambda _run, _series: None)
            return tracemalloc.get_traced_memory()[1] / 1e6
        finally:
            tracemalloc.stop()

    sliced = peak_mb()
    monkeypatch.setattr(reader, "BIG_METRIC_BYTES", 1 << 40)
    whole = peak_mb()
    assert sliced < 60 and whole > 3 * sliced, (sliced, whole)


def test_file_changed_between_the_two_passes_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _in_order(3000)
    run_dir = _run_dir(tmp_path, lines)
    monkeypatch.setattr(reader, "BIG_METRIC_BYTES", 1000)
    monkeypatch.setattr(reader, "_SLICE_BYTES", 4000)
    passes = reader._line_slices
    calls = []

    def rewritten_before_second_pass(path: str):
        calls.append(path)
        if len(calls) == 2:  # someone logs into the store meanwhile: a point out of step order
            Path(path).write_text("".join(lines) + "1700000000001 0.5 7\n")
        return passes(path)

    monkeypatch.setattr(reader, "_line_slices", rewritten_before_second_pass)
    with pytest.raises(errors.OperationFailed, match="changed while it was read"):
        _read(run_dir)
