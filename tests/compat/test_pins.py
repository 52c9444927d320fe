"""Pin scanning on realistic layouts: a monorepo of services, MLflow's own model directories, lock files."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.compat import pins

RELEASES = ["1.30.1", "2.0.1", "2.9.2", "2.16.2", "2.22.5", "3.0.1", "3.1.4", "3.17.2", "3.18.0"]
TARGET = "3.17.2"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


MONOREPO = {
    "services/train/requirements.txt": """
        # training
        numpy==1.26.4
        mlflow[extras]==2.9.2  # pinned by platform team
        scikit-learn>=1.3
        """,
    "services/train/requirements-dev.txt": "-r requirements.txt\npytest\n",
    "services/serve/constraints.txt": "mlflow-skinny<3\n",
    "services/api/pyproject.toml": """
        [project]
        name = "api"
        dependencies = [
            "fastapi",
            "mlflow>=2.16,<3",
        ]
        [project.optional-dependencies]
        tracing = ["mlflow-tracing>=3.1"]
        """,
    "services/etl/pyproject.toml": """
        [tool.poetry.dependencies]
        python = "^3.10"
        mlflow = {version = "^2.16", extras = ["extras"]}
        fastapi-mlflow = "0.6.3"
        """,
    "services/etl/poetry.lock": """
        [[package]]
        name = "fastapi"
        version = "0.110.0"

        [[package]]
        name = "mlflow"
        version = "2.16.2"
        description = "MLflow"
        """,
    "services/api/uv.lock": """
        version = 1

        [[package]]
        name = "mlflow"
        version = "2.22.5"
        source = { registry = "https://pypi.org/simple" }
        """,
    "services/legacy/Pipfile.lock": json.dumps({"_meta": {}, "default": {
        "mlflow": {"hashes": [], "version": "==1.30.1"}, "numpy": {"version": "==1.24.0"}}}, indent=4),
    "notebooks/environment.yml": """
        name: research
        dependencies:
          - python=3.10
          - mlflow=2.9
          - pip:
            - mlflow-skinny==2.9.2
        """,
    # what MLflow writes next to a logged model
    "mlruns/1/abc/artifacts/model/MLmodel": "flavors: {}\n",
    "mlruns/1/abc/artifacts/model/requirements.txt": "mlflow==2.16.2\ncloudpickle==3.0.0\n",
    "mlruns/1/abc/artifacts/model/conda.yaml": """
        channels:
        - conda-forge
        dependencies:
        - python=3.10.13
        - pip<=23.0
        - pip:
          - mlflow==2.16.2
        name: mlflow-env
        """,
    "mlruns/1/abc/artifacts/model/python_env.yaml": """
        python: 3.10.13
        build_dependencies:
        - pip==23.0
        dependencies:
        - -r requirements.txt
        """,
    "node_modules/x/requirements.txt": "mlflow==1.0.0\n",  # never scanned
    ".venv/lib/requirements.txt": "mlflow==1.0.0\n",
    "README.md": "pip install mlflow==2.9.2\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write(tmp_path, MONOREPO)
    return tmp_path


def _by_location(found: list[pins.Pin], root: Path) -> dict[str, pins.Pin]:
    return {f"{Path(p.path).relative_to(root)}:{p.line}": p for p in found}


def test_every_file_kind_is_found_with_its_line(repo):
    found = _by_location(pins.scan([str(repo)], RELEASES, TARGET), repo)
    assert sorted(found) == sorted([
        "services/train/requirements.txt:3", "services/serve/constraints.txt:1",
        "services/api/pyproject.toml:5", "services/api/pyproject.toml:8", "services/etl/pyproject.toml:3",
        "services/etl/poetry.lock:7", "services/api/uv.lock:5", "services/legacy/Pipfile.lock:6",
        "notebooks/environment.yml:4", "notebooks/environment.yml:6",
        "mlruns/1/abc/artifacts/model/requirements.txt:1", "mlruns/1/abc/artifacts/model/conda.yaml:7",
    ])
    train = found["services/train/requirements.txt:3"]
    assert (train.package, train.spec, train.releases, train.blocks_target) == ("mlflow", "==2.9.2", ["2.9.2"], True)
    assert train.fix == "==3.17.2"
    assert found["services/etl/pyproject.toml:3"].releases == ["2.16.2", "2.22.5"]  # ^2.16
    assert found["services/etl/pyproject.toml:3"].fix == "^3.17"
    assert found["notebooks/environment.yml:4"].releases == ["2.9.2"]  # conda `=2.9` is 2.9.*
    assert found["notebooks/environment.yml:4"].fix == "=3.17"
    assert found["services/serve/constraints.txt:1"].fix == "<4"
    assert found["services/api/pyproject.toml:5"].fix == ">=2.16,<4"
    tracing = found["services/api/pyproject.toml:8"]
    assert tracing.package == "mlflow-tracing" and not tracing.blocks_target
    lock = found["services/api/uv.lock:5"]
    assert lock.locked and lock.blocks_target and lock.fix is None  # regenerate the lock instead
    assert found["services/legacy/Pipfile.lock:6"].releases == ["1.30.1"]


def test_fix_rewrites_only_the_specifier(repo):
    found = pins.scan([str(repo)], RELEASES, TARGET)
    before = {p: p.read_text() for p in repo.rglob("*") if p.is_file()}
    changed = pins.apply_fixes(found)
    assert len(changed) == 7
    assert (repo / "services/train/requirements.txt").read_text() == before[
        repo / "services/train/requirements.txt"].replace("mlflow[extras]==2.9.2", "mlflow[extras]==3.17.2")
    assert '"mlflow>=2.16,<4",' in (repo / "services/api/pyproject.toml").read_text()
    assert 'mlflow = {version = "^3.17", extras = ["extras"]}' in (repo / "services/etl/pyproject.toml").read_text()
    conda = (repo / "notebooks/environment.yml").read_text()
    assert "  - mlflow=3.17\n" in conda and "    - mlflow-skinny==3.17.2\n" in conda
    assert (repo / "services/api/uv.lock").read_text() == before[repo / "services/api/uv.lock"]  # locks untouched
    again = pins.scan([str(repo)], RELEASES, TARGET)
    assert [p.location for p in again if p.blocks_target and not p.locked] == []


def test_unpinned_and_other_packages(tmp_path):
    write(tmp_path, {"requirements.txt": "mlflow\nmlflow-export-import==1.2\nfastapi-mlflow<1\nMLflow_Skinny>=3\n"})
    found = pins.scan([str(tmp_path)], RELEASES, TARGET)
    assert [(p.package, p.spec, p.blocks_target) for p in found] == [
        ("mlflow", "", False), ("mlflow-skinny", ">=3", False)]


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("requirements.txt", "mlflow==2.9.x.1\n", "requirements.txt:1: cannot parse the MLflow requirement"),
    ("pyproject.toml", "[project\ndependencies = ['mlflow<3']\n", "pyproject.toml: not valid TOML"),
    ("Pipfile.lock", '{"default": {"mlflow": {"version": "==2.9.2"}', "Pipfile.lock: not valid JSON"),
])
def test_unparseable_files_are_one_line_errors(tmp_path, name, text, expected):
    write(tmp_path, {name: text})
    with pytest.raises(errors.UsageError) as info:
        pins.scan([str(tmp_path)], RELEASES, TARGET)
    assert expected in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(("spec", "kind", "fix"), [
    ("<3", "requirements", "<4"), ("<=2.22.5", "requirements", "<4"), ("==2.*", "requirements", "==3.*"),
    ("==2.9.*", "requirements", "==3.17.*"), ("~=2.9", "requirements", "~=3.17"), (">=2.9,<3", "requirements",
     ">=2.9,<4"), ("!=3.17.2", "requirements", None), (">=3.18", "requirements", None), ("=2.9", "conda", "=3.17"),
    ("^2.16", "pyproject", "^3.17"), (">=2,!=3.17.2,<3", "requirements", ">=2,<4"),
])
def test_fixed_spec(spec, kind, fix):
    result = pins.fixed_spec(spec, kind, TARGET)
    assert result == fix
    if result:
        assert not pins.excludes(result, TARGET, conda=kind == "conda")
