"""Real public MLflow code written for 1.x and 2.x (docstring examples of the 1.30.1 and 2.9.2 releases, see
make_corpus.py): fix runs cleanly, every output parses, a second run is a no-op."""

import ast
import os
import shutil
from pathlib import Path

import pytest

from mlflow_upgrade.codemod import codemod_fix

CORPUS = Path(__file__).parent / "corpus"
RELEASES = sorted(p.name for p in CORPUS.glob("mlflow-*") if p.is_dir())


def test_corpus_is_small_and_licensed():
    size = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    assert size < 1_000_000
    assert "Apache License" in (CORPUS / "LICENSE.txt").read_text()


@pytest.mark.parametrize("release", RELEASES)
def test_fix_corpus(release, tmp_path):
    tree = tmp_path / release
    shutil.copytree(CORPUS / release, tree)
    before = {p.name: p.read_text() for p in tree.glob("*.py")}
    fixed = codemod_fix([str(tree)], from_major=1)
    assert not fixed.errors, fixed.errors
    assert fixed.files_parsed == len(before) and fixed.findings
    # known 1.x/2.x code in the corpus: log_model paths, removed modules, gateway routes...
    assert {"MLU201", "MLU203", "MLU204"} <= {f.code for f in fixed.findings}
    for path in tree.glob("*.py"):
        ast.parse(path.read_text(), filename=str(path))  # every output parses
    changed = {os.path.basename(p) for p in fixed.files_changed}
    assert changed and changed == {n for n in before if (tree / n).read_text() != before[n]}
    again = codemod_fix([str(tree)], from_major=1)
    assert again.files_changed == [] and not any(f.fixable for f in again.findings)
    assert len(again.findings) == len(fixed.remaining)  # only the manual ones are left


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("MLFLOW_UPGRADE_SDIST_DIR"), reason="set MLFLOW_UPGRADE_SDIST_DIR")
def test_whole_mlflow_source_trees(tmp_path):
    """Stress run on MLflow's own package sources (unpacked sdists, e.g. mlflow-1.30.1/ and mlflow-2.9.2/ under
    $MLFLOW_UPGRADE_SDIST_DIR): no errors, every output parses, a second fix is a no-op."""
    root = Path(os.environ["MLFLOW_UPGRADE_SDIST_DIR"])
    for release in sorted(root.glob("mlflow-*/mlflow")):
        tree = tmp_path / release.parent.name
        shutil.copytree(release, tree)
        fixed = codemod_fix([str(tree)], from_major=1)
        assert not fixed.errors, fixed.errors[:3]
        for path in tree.rglob("*.py"):
            ast.parse(path.read_text(), filename=str(path))
        assert codemod_fix([str(tree)], from_major=1).files_changed == []
