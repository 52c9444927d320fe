"""Benchmark: ``mlflow-upgrade codemod check`` on a 10 000-file tree, next to ``ruff check`` on the same tree.

    .venv/bin/python bench/codemod.py [--files 10000] [--share 0.02] [--keep]

Generates the tree in a temp dir: 2 % of the files are MLflow 2.x training scripts (log_model paths,
run_uuid, evaluate with custom_metrics...), the rest plain Python modules of similar size. Times both commands as
users run them (subprocesses, wall clock, best of --repeat) and prints the ratio and peak RSS (resource.getrusage of the children).
Goal: codemod check <= 5 s.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent

MLFLOW_TEMPLATE = '''"""Training job {i}."""
import argparse

import mlflow
import mlflow.sklearn
import pandas as pd
from mlflow.tracking import MlflowClient
from sklearn.ensemble import RandomForestRegressor


def load(path):
    frame = pd.read_csv(path)
    return frame.drop(columns=["y"]), frame["y"]


def train(path, n_estimators={n}):
    X, y = load(path)
    model = RandomForestRegressor(n_estimators=n_estimators).fit(X, y)
    with mlflow.start_run() as run:
        mlflow.log_param("n_estimators", n_estimators)
        mlflow.log_metric("score", model.score(X, y))
        mlflow.sklearn.log_model(model, "model-{i}")  # artifact path
        print("run", run.info.run_uuid)
    client = MlflowClient()
    runs = client.search_runs(["0"], filter_string="attributes.run_uuid = '%s'" % run.info.run_id)
    result = mlflow.evaluate(
        "runs:/%s/model" % run.info.run_id,
        data=X.assign(y=y),
        targets="y",
        model_type="regressor",
        custom_metrics=[],
    )
    return model, runs, result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="train.csv")
    train(parser.parse_args().data)
'''

PLAIN_TEMPLATE = '''"""Module {i}: helpers."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field


@dataclass
class Record{i}:
    name: str
    values: list[float] = field(default_factory=list)

    def mean(self) -> float:
        return sum(self.values) / len(self.values) if self.values else 0.0

    def to_json(self) -> str:
        return json.dumps({{"name": self.name, "mean": self.mean()}})


def load_records(path: str) -> list[Record{i}]:
    records = []
    with open(path) as handle:
        for line in handle:
            name, *values = line.split(",")
            records.append(Record{i}(name, [float(v) for v in values]))
    return records


def summarize(directory: str) -> dict[str, float]:
    out = {{}}
    for entry in sorted(os.listdir(directory)):
        if entry.endswith(".csv"):
            for record in load_records(os.path.join(directory, entry)):
                out[record.name] = record.mean()
    return out
'''


def generate(root: Path, files: int, share: float, seed: int = 0) -> int:
    rng = random.Random(seed)
    mlflow_files = set(rng.sample(range(files), int(files * share)))
    for i in range(files):
        package = root / f"pkg{i // 100:03d}"
        package.mkdir(exist_ok=True)
        template = MLFLOW_TEMPLATE if i in mlflow_files else PLAIN_TEMPLATE
        (package / f"mod{i:05d}.py").write_text(template.format(i=i, n=10 + i % 90))
    return len(mlflow_files)


def timed(cmd: list[str], repeat: int) -> tuple[float, float, int, int]:
    """Best wall time and CPU time (user+sys, the command and its workers) of ``repeat`` runs, peak RSS (KiB,
    ``resource.getrusage(RUSAGE_CHILDREN)`` measured around each run) and the exit code."""
    best, cpu, peak, code = float("inf"), float("inf"), 0, 0
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        code = proc.returncode
        if code not in (0, 1):
            sys.stderr.write(f"{cmd[0]} failed ({code}): {proc.stderr[-2000:]}\n")
        best = min(best, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = min(cpu, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        peak = max(peak, after.ru_maxrss)  # a high-water mark over all children so far: run codemod first
    return best, cpu, peak, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--share", type=float, default=0.02, help="fraction of files that use MLflow")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the generated tree")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mlu-bench-codemod-"))
    try:
        n_mlflow = generate(root, args.files, args.share)
        print(f"tree: {root} ({args.files} files, {n_mlflow} use MLflow)")
        codemod = [str(BIN / "mlflow-upgrade"), "codemod", "check", str(root)]
        ruff = [str(BIN / "ruff"), "check", "--no-cache", "--isolated", str(root)]
        t_codemod, cpu_codemod, rss_codemod, rc_codemod = timed(codemod, args.repeat)
        t_ruff, cpu_ruff, rss_ruff, rc_ruff = timed(ruff, args.repeat)
        print(f"mlflow-upgrade codemod check: {t_codemod:6.2f} s wall {cpu_codemod:6.2f} s cpu  peak RSS "
              f"{rss_codemod / 1024:6.1f} MiB  exit {rc_codemod}  (goal <= 5 s: {'met' if t_codemod <= 5 else 'NOT met'})")
        print(f"ruff check                  : {t_ruff:6.2f} s wall {cpu_ruff:6.2f} s cpu  peak RSS "
              f"{rss_ruff / 1024:6.1f} MiB (max of both)  exit {rc_ruff}")
        print(f"ratio codemod / ruff        : {t_codemod / t_ruff:6.1f}x")
        print(f"cpus: {os.cpu_count()}, load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
