"""Every rule has a ruff-style page in docs/rules/, in sync with the rule (make_rule_docs.py regenerates them)."""

from pathlib import Path

import pytest

from mlflow_upgrade.codemod.registry import load_rules
from tests.codemod import make_rule_docs

ROOT = Path(__file__).resolve().parents[2]
CODES = sorted(load_rules())


@pytest.mark.parametrize("code", CODES)
def test_rule_page_in_sync(code):
    page = ROOT / "docs" / "rules" / f"{code}.md"
    text = page.read_text()
    assert text == make_rule_docs.render(code), f"run: python tests/codemod/make_rule_docs.py ({code})"
    info = load_rules()[code]
    for needle in (f"# {code}: {info.name}", "## What it does", "## Why is this bad?", "## Example",
                   f"**Fixable:** {info.fixable}", info.since):
        assert needle in text
    if info.fixable != "never" and "Use instead" not in text:
        assert "After `mlflow-upgrade codemod fix`" in text


def test_rule_table_in_codemod_page():
    text = (ROOT / "docs" / "codemod.md").read_text()
    for code, info in load_rules().items():
        assert f"[{code}](rules/{code}.md)" in text and info.fixable in text


def test_every_rule_has_its_test_file():
    here = Path(__file__).parent
    for code, info in load_rules().items():
        assert (here / f"test_{code.lower()}_{info.name.replace('-', '_')}.py").exists() or \
            list(here.glob(f"test_{code.lower()}_*.py")), code


def test_pre_commit_hooks_file():
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    ids = {h["id"] for h in hooks}
    assert {"mlflow-upgrade-codemod", "mlflow-upgrade-codemod-fix"} <= ids
    for hook in hooks:
        assert hook["entry"].startswith("mlflow-upgrade codemod ") and hook["language"] == "python"
