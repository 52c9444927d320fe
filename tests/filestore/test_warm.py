"""Page-cache warming ahead of the readers (filestore/warm.py): it asks the kernel to read only the regular files
of the parts of a run folder the migration reads (never artifacts/, a symlink's target or a FIFO), never more
than ``ahead`` folders past the one the readers were handed, and its threads end with close()."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mlflow_upgrade.filestore import warm
from tests.support.bench_store import evict_page_cache


@pytest.fixture
def advised(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files posix_fadvise(WILLNEED) was asked for, by the path their descriptor has."""
    seen: list[str] = []
    real = os.posix_fadvise

    def record(fd: int, offset: int, length: int, advice: int) -> None:
        if advice == os.POSIX_FADV_WILLNEED:  # the test's own evictions (DONTNEED) are not the warmer's
            seen.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", record)
    return seen


def _run_folder(root: Path) -> Path:
    run = root / "0" / ("a" * 32)
    for rel in ("meta.yaml", "params/lr", "tags/mlflow.user", "metrics/loss", "metrics/val/acc",
                "inputs/d1/meta.yaml", "artifacts/model.pkl", "artifacts/metrics/big"):
        (run / rel).parent.mkdir(parents=True, exist_ok=True)
        (run / rel).write_text("1 2 3\n")
    outside = root / "secret.txt"
    outside.write_text("not part of the store\n")
    (run / "metrics" / "link").symlink_to(outside)
    (run / "params" / "dir-link").symlink_to(root, target_is_directory=True)
    os.mkfifo(run / "metrics" / "fifo")  # opening it for reading would block forever
    return run


def _evict(path: Path) -> None:
    """Drop ``path`` from the page cache (written back first: only clean pages can go); skip the test on a file
    system that keeps every file in memory."""
    kind = subprocess.run(["stat", "-f", "-c", "%T", str(path)], capture_output=True, text=True).stdout.strip()
    if kind in ("tmpfs", "ramfs"):
        pytest.skip(f"{kind} keeps files in memory")
    evict_page_cache(path)


@pytest.mark.skipif(not hasattr(os, "RWF_NOWAIT"), reason="no RWF_NOWAIT on this platform")
def test_tells_a_file_in_memory_from_one_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "meta.yaml"
    path.write_text("run_id: x\n")
    _evict(path)
    assert not warm.in_page_cache(str(path))
    path.read_bytes()
    assert warm.in_page_cache(str(path))
    assert not warm.in_page_cache(str(tmp_path / "missing"))
    assert not warm.in_page_cache(str(tmp_path)), "not a regular file"


@pytest.mark.skipif(not hasattr(os, "RWF_NOWAIT"), reason="no RWF_NOWAIT on this platform")
def test_a_run_already_in_memory_is_skipped(tmp_path: Path, advised: list[str]) -> None:
    run = _run_folder(tmp_path)
    (run / "meta.yaml").read_bytes()
    warm.Warmer(lambda i: str(run), 1, ahead=0, threads=1).close()  # close() waits for the folder to be done
    assert advised == []


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="no posix_fadvise on this platform")
def test_warms_only_the_regular_files_the_migration_reads(tmp_path: Path, advised: list[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    run = _run_folder(tmp_path)
    monkeypatch.setattr(warm, "in_page_cache", lambda path: False)  # as if nothing of it had been read yet
    warmer = warm.Warmer(lambda i: str(run), 1, ahead=0, threads=1)
    _wait_for(lambda: len(advised) >= 6)
    warmer.close()
    assert sorted(Path(p).relative_to(run).as_posix() for p in advised) == [
        "inputs/d1/meta.yaml", "meta.yaml", "metrics/loss", "metrics/val/acc", "params/lr", "tags/mlflow.user"]


def test_never_runs_more_than_ahead_past_the_readers() -> None:
    asked: list[int] = []
    lock = threading.Lock()

    def folder(i: int) -> str:
        with lock:
            asked.append(i)
        return "/nonexistent/folder"  # nothing to warm: only which folders were asked for counts

    warmer = warm.Warmer(folder, 100, ahead=5, threads=3)
    try:
        _wait_for(lambda: 5 in asked)
        time.sleep(0.2)  # had it gone on, it would have asked for more by now
        assert sorted(asked) == list(range(6))
        warmer.reached(40)
        _wait_for(lambda: 45 in asked)
        time.sleep(0.2)
        assert sorted(asked) == list(range(46))
    finally:
        warmer.close()


def test_close_ends_every_thread_even_while_waiting() -> None:
    warmer = warm.Warmer(lambda i: "/nonexistent", 10, ahead=0, threads=4)
    threads = [t for t in threading.enumerate() if t.name.startswith("mlflow-upgrade-warm-")]
    assert len(threads) == 4
    warmer.close()
    assert not any(t.is_alive() for t in threads)


def test_nothing_to_warm_starts_no_thread() -> None:
    before = {t.name for t in threading.enumerate()}
    warm.Warmer(lambda i: "/nonexistent", 0).close()
    assert {t.name for t in threading.enumerate()} == before


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
