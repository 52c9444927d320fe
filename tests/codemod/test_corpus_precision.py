"""Recall and precision of the default run (`codemod check`, no options) on the committed corpus, against the
hand-checked labels in corpus/expected.json; the figures in docs/codemod.md must be the ones measured here."""

import json
import re
from pathlib import Path

from mlflow_upgrade.codemod import codemod_check

CORPUS = Path(__file__).parent / "corpus"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "codemod.md"
NOTES = {"MLU216"}  # "mlflow is not imported here": said about the file, not an upgrade problem


def measure() -> dict:
    labels = json.loads((CORPUS / "expected.json").read_text())
    expected = {(path, line, code) for path, items in labels["expected"].items() for line, code in items}
    result = codemod_check([str(CORPUS)])
    assert not result.errors, result.errors[:3]
    found = {(str(Path(f.path).relative_to(CORPUS)), f.line, f.code) for f in result.findings
             if f.code not in NOTES}
    hits = found & expected
    return {"files": result.files_scanned, "expected": len(expected), "found": len(found), "hits": len(hits),
            "missed": sorted(expected - found), "extra": sorted(found - expected),
            "notes": sum(f.code in NOTES for f in result.findings)}


def test_recall_and_precision_match_the_documented_figures():
    m = measure()
    documented = re.search(r"recall \*\*(\d+)/(\d+)\*\*.*?precision \*\*(\d+)/(\d+)\*\*", DOCS.read_text(), re.S)
    assert documented, "docs/codemod.md must state `recall **a/b**` and `precision **c/d**`"
    assert (m["hits"], m["expected"], m["hits"], m["found"]) == tuple(map(int, documented.groups())), m
    known_false = {(fp["path"], fp["line"], fp["code"]) for fp in
                   json.loads((CORPUS / "expected.json").read_text())["false_positives"]}
    assert set(m["extra"]) == known_false, "a finding that is neither labelled nor a known false positive"
