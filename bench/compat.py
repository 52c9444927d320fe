"""Benchmark: `mlflow-upgrade compat PATH` on a generated 10 000-file monorepo: time and peak memory.

The tree is 400 services of 25 files each (Python sources, notebooks, READMEs, data files, and per service a
requirements.txt, a pyproject.toml, a lock file or a conda environment, and an MLflow model directory with its
requirements.txt / conda.yaml / python_env.yaml), plus node_modules/.venv folders that must be skipped. The
command runs as a user runs it (a fresh process: start-up and imports count) and in-process (the library call).

    python bench/compat.py [--services 400] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from mlflow_upgrade import api

PINS = ["mlflow==2.9.2", "mlflow>=2.16,<3", "mlflow-skinny<3", "mlflow[extras]~=2.16", "mlflow>=3.1", "mlflow"]


def build(root: Path, services: int) -> int:
    files = 0
    for i in range(services):
        svc = root / "services" / f"svc{i:04d}"
        (svc / "src" / "pkg").mkdir(parents=True)
        (svc / "model").mkdir()
        pin = PINS[i % len(PINS)]
        texts = {
            "requirements.txt": f"numpy==1.26.4\n{pin}  # service {i}\npandas\n",
            "pyproject.toml": f'[project]\nname = "svc{i}"\ndependencies = ["fastapi", "{pin}"]\n',
            "README.md": "pip install -r requirements.txt\n" * 20,
            "model/MLmodel": "flavors:\n  python_function: {}\nmlflow_version: 2.9.2\n",
            "model/requirements.txt": "mlflow==2.9.2\ncloudpickle==3.0.0\n",
            "model/conda.yaml": "dependencies:\n- python=3.10.13\n- pip:\n  - mlflow==2.9.2\nname: mlflow-env\n",
            "model/python_env.yaml": "python: 3.10.13\ndependencies:\n- -r requirements.txt\n",
        }
        if i % 3 == 0:
            texts["uv.lock"] = 'version = 1\n\n[[package]]\nname = "mlflow"\nversion = "2.16.2"\n'
        elif i % 3 == 1:
            texts["environment.yml"] = "name: x\ndependencies:\n  - python=3.10\n  - mlflow=2.9\n"
        for n in range(25 - len(texts)):
            texts[f"src/pkg/mod{n:02d}.py"] = "import mlflow\n\n\ndef f():\n    return mlflow.__version__\n" * 5
        for name, text in texts.items():
            (svc / name).write_text(text)
        files += len(texts)
    junk = root / "node_modules" / "x"
    junk.mkdir(parents=True)
    (junk / "requirements.txt").write_text("mlflow==1.0.0\n")
    return files + 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = build(root, args.services)
        cli = [sys.executable, "-m", "mlflow_upgrade", "compat", str(root), "--server-version", "2.9.2",
               "--target", "3.17.2", "--json"]
        walls, peaks, pins = [], [], 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            proc = subprocess.run(cli, capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
            pins = len(json.loads(proc.stdout)["pins"])
            peaks.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
        start = time.perf_counter()
        report = api.compat([str(root)], server_version="2.9.2", target="3.17.2")
        lib_wall = time.perf_counter() - start
        tracemalloc.start()  # a second call, traced (tracing slows it down several times)
        api.compat([str(root)], server_version="2.9.2", target="3.17.2")
        _, lib_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"monorepo: {files} files, {pins} MLflow pins found ({len(report.blocking_pins)} block 3.17.2), "
          f"{len(report.clients)} clients judged")
    print(f"command (fresh process, --json): median {statistics.median(walls):.2f} s over {args.repeat} runs, "
          f"peak RSS {max(peaks):.0f} MiB")
    print(f"library call api.compat: {lib_wall:.2f} s; a second call, traced: peak Python allocations "
          f"{lib_peak / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
