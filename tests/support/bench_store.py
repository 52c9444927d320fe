"""File stores in MLflow's exact on-disk format, made by the benchmark's generator (bench/filestore.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "filestore.py"


def generate_store(base: Path, *, experiments: int = 4, runs: int = 30, params: int = 5, metrics: int = 3,
                   steps: int = 200) -> Path:
    """A store of ``experiments`` × ``runs`` runs (random run ids) under ``base``; returns its mlruns folder."""
    spec = importlib.util.spec_from_file_location("bench_filestore", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(base, experiments=experiments, runs=runs, params=params, metrics=metrics, steps=steps)
