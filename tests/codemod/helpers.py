"""Before/after helpers for the rule tests: run one rule (or all) on a snippet, in memory."""

from __future__ import annotations

import textwrap

from mlflow_upgrade.codemod.config_files import transform_config
from mlflow_upgrade.codemod.python import transform_source
from mlflow_upgrade.codemod.registry import load_rules
from mlflow_upgrade.codemod.results import Finding


def rules_for(code: str | None):
    registry = load_rules()
    return [registry[code]] if code else list(registry.values())


def fix(source: str, code: str | None = None) -> tuple[str, list[Finding]]:
    """Rewrite ``source`` with one rule; asserts idempotence (a second pass changes nothing)."""
    source = textwrap.dedent(source)
    new, findings = transform_source(source, "snippet.py", rules_for(code))
    again, _ = transform_source(new, "snippet.py", rules_for(code))
    assert again == new, "second fix changed the code again"
    compile(new, "snippet.py", "exec")  # every output parses
    return new, findings


def assert_fix(before: str, after: str, code: str, n: int | None = None) -> list[Finding]:
    new, findings = fix(before, code)
    assert new == textwrap.dedent(after)
    assert findings and all(f.code == code for f in findings)
    if n is not None:
        assert len(findings) == n
    return findings


def assert_finding_only(source: str, code: str, contains: str | None = None) -> list[Finding]:
    new, findings = fix(source, code)
    assert new == textwrap.dedent(source), "a finding-only case must not change the code"
    assert findings and all(f.code == code and not f.fixable for f in findings)
    if contains:
        assert any(contains in (f.message + (f.suggestion or "")) for f in findings)
    return findings


def assert_clean(source: str, code: str | None = None) -> None:
    new, findings = fix(source, code)
    assert new == textwrap.dedent(source)
    assert findings == []


def config(text: str, kind: str, code: str) -> tuple[str, list[Finding]]:
    text = textwrap.dedent(text)
    new, findings = transform_config("f", kind, text, rules_for(code))
    again, _ = transform_config("f", kind, new, rules_for(code))
    assert again == new
    return new, findings
