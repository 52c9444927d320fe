import pytest

from tests.codemod.helpers import config

CODE = "MLU302"


@pytest.mark.parametrize(("kind", "text", "lines"), [
    ("requirements", "numpy\nmlflow==2.9.2  # pinned\nmlflow-skinny>=2,<3\nmlflow>=3.1\nmlflow\n", [2, 3]),
    ("requirements", "mlflow[extras]~=2.16\n", [1]),
    ("conda", "dependencies:\n  - mlflow=2.9\n  - mlflow=3.17\n  - pip:\n    - mlflow<3\n", [2, 5]),
    ("pyproject", '[project]\ndependencies = ["mlflow>=2.0,<3", "pandas"]\n', [2]),
    ("pyproject", '[tool.poetry.dependencies]\nmlflow = "^2.9"\nother = "^1"\n', [2]),
    ("pyproject", '[tool.poetry.dependencies]\nmlflow = "^3.1"\n', []),
    # the name must be MLflow's exactly: these are other packages (PEP 503 spellings of MLflow's are kept)
    ("requirements", "fastapi-mlflow==0.1.2\nmlflow-export-import==1.2\nmlflow_extra<1\nmy.mlflow==1\n", []),
    ("requirements", "MLflow==2.9.2\nmlflow_skinny<3\nMLflow.Skinny==2.1\n", [1, 2, 3]),
    ("conda", "dependencies:\n  - fastapi-mlflow=0.1\n  - pip:\n    - fastapi-mlflow==0.1.2\n", []),
])
def test_pins(kind, text, lines):
    new, findings = config(text, kind, CODE)
    assert new == text  # reported with the fix as a suggestion, never rewritten
    assert [f.line for f in findings] == lines
    assert all("mlflow" in f.suggestion and ">=3,<4" in f.suggestion for f in findings)
