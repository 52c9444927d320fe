"""Text (ruff-like), JSON and SARIF 2.1.0 renderings of a :class:`CodemodResult`."""

from __future__ import annotations

import json
from typing import TextIO

from mlflow_upgrade import __version__
from mlflow_upgrade.codemod.registry import load_rules
from mlflow_upgrade.codemod.results import CodemodResult, Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS = "docs/rules/{code}.md"


def location(finding: Finding) -> str:
    cell = f"cell {finding.cell}:" if finding.cell is not None else ""
    return f"{finding.path}:{cell}{finding.line}:{finding.col}"


def render_text(result: CodemodResult, out: TextIO, err: TextIO) -> None:
    for error in result.errors:
        err.write(f"warning: {error.path}: {error.message}\n")
    if result.mode == "diff":
        for diff in result.diffs.values():
            out.write(diff if diff.endswith("\n") else diff + "\n")
        unfixable = [f for f in result.findings if not f.fixable]
        n = len(result.diffs)
        out.write(f"Would fix {sum(f.fixable for f in result.findings)} findings in {n} "
                  f"file{'s' if n != 1 else ''}; {len(unfixable)} need a manual change "
                  "(see `mlflow-upgrade codemod check`).\n")
        return
    shown = result.remaining if result.mode == "fix" else result.findings
    for finding in shown:
        mark = " [*]" if finding.fixable and not finding.fixed else ""
        out.write(f"{location(finding)}: {finding.code}{mark} {finding.message}\n")
        if finding.suggestion:
            out.write(f"    suggestion: {finding.suggestion}\n")
    fixable = sum(f.fixable for f in result.findings)
    if result.mode == "fix":
        fixed = sum(f.fixed for f in result.findings)
        n = len(result.files_changed)
        out.write(f"Fixed {fixed} finding{'s' if fixed != 1 else ''} in {n} file{'s' if n != 1 else ''}; "
                  f"{len(result.remaining)} remaining (manual changes; suggestions above).\n")
    elif result.findings:
        out.write(f"Found {len(result.findings)} finding{'s' if len(result.findings) != 1 else ''} "
                  f"({fixable} fixable with `mlflow-upgrade codemod fix`).\n")
    if result.errors:
        n = len({e.path for e in result.errors})
        out.write(f"{n} file{'s' if n != 1 else ''} could not be checked or written (see the warnings).\n")
    elif result.mode == "check" and not result.findings:
        out.write(f"All checks passed ({result.files_scanned} files scanned, {result.files_parsed} mention "
                  "MLflow).\n")


def render_json(result: CodemodResult, out: TextIO) -> None:
    data = result.to_dict()
    if result.mode == "diff":
        data["diffs"] = result.diffs
    out.write(json.dumps(data, indent=2) + "\n")


def sarif(result: CodemodResult) -> dict:
    rules = list(load_rules().values())
    index = {info.code: i for i, info in enumerate(rules)}
    results = []
    for finding in result.findings:
        text = finding.message + (f" — suggestion: {finding.suggestion}" if finding.suggestion else "")
        if finding.cell is not None:
            text = f"cell {finding.cell}: {text}"
        results.append({
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": "warning",
            "message": {"text": text},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": finding.path.replace("\\", "/")},
                "region": {"startLine": finding.line, "startColumn": finding.col},
            }}],
            "properties": {"fixable": finding.fixable, "fixed": finding.fixed,
                           **({"cell": finding.cell} if finding.cell is not None else {})},
        })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mlflow-upgrade codemod",
                "version": __version__,
                "informationUri": "https://pypi.org/project/mlflow-upgrade/",
                "rules": [{
                    "id": info.code,
                    "name": info.name,
                    "shortDescription": {"text": info.summary},
                    "fullDescription": {"text": info.since},
                    "help": {"text": f"{info.summary}. Fixable: {info.fixable}. See {DOCS.format(code=info.code)}."},
                    "defaultConfiguration": {"level": "warning"},
                    "properties": {"fixable": info.fixable},
                } for info in rules],
            }},
            "results": results,
        }],
    }


def render_sarif(result: CodemodResult, out: TextIO) -> None:
    out.write(json.dumps(sarif(result), indent=2) + "\n")
