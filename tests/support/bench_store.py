"""File stores in MLflow's exact on-disk format, made by the benchmark's generator (bench/filestore.py)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "bench" / "filestore.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_filestore", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate_store(base: Path, *, experiments: int = 4, runs: int = 30, params: int = 5, metrics: int = 3,
                   steps: int = 200) -> Path:
    """A store of ``experiments`` × ``runs`` runs (random run ids) under ``base``; returns its mlruns folder."""
    return _bench().generate(base, experiments=experiments, runs=runs, params=params, metrics=metrics, steps=steps)


def evict_page_cache(path: Path) -> None:
    """Drop the file (or the files under the folder) ``path`` from the OS page cache, as the benchmark does."""
    os.sync()
    _bench().evict_page_cache(path)
