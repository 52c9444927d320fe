#!/usr/bin/env bash
# Run the whole test suite: create .venv with the pinned target MLflow and the dev extras, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v uv >/dev/null 2>&1 || python3 -m pip install -q uv
[ -x .venv/bin/python ] || uv venv -q -p 3.11 .venv
# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set, every process would compile MLflow from source again.
uv pip install -q --compile-bytecode -p .venv/bin/python -e '.[dev]' -c constraints.txt
.venv/bin/ruff check src tests scripts bench
.venv/bin/python -m pytest -n 2 --durations=25 "$@"
