"""Jupyter notebooks: code cells are rewritten through nbformat; outputs, metadata and cell ids are kept.

IPython syntax is masked before parsing: each magic line (``%pip``, ``!ls``, ``x = !cmd``, ``obj?``) becomes a
``pass  # mlu-magic-N`` placeholder on the same line and is put back verbatim afterwards; ``!`` lines and
``%%bash`` cells go to the shell rules. All Python cells are parsed as one module, so an alias imported in one
cell (``import mlflow as mf``) is known in the next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst
import nbformat

from mlflow_upgrade.codemod.python import transform_source
from mlflow_upgrade.codemod.registry import RuleInfo
from mlflow_upgrade.codemod.results import Finding
from mlflow_upgrade.codemod.shell import shell_findings

# Cell magics whose body is Python (the first line is masked, the rest parsed).
PYTHON_BODY_MAGICS = frozenset({"time", "timeit", "capture", "prun", "memit", "debug", "pypy", "python",
                                "python3", "ipython"})
SHELL_MAGICS = frozenset({"bash", "sh", "system", "script"})
_ASSIGN_MAGIC = re.compile(r"^\s*[\w.]+\s*=\s*[!%]")
_PLACEHOLDER = re.compile(r"^([ \t]*)pass  # mlu-magic-(\d+)$", re.MULTILINE)
_MARKER = "# mlu-cell-{}\n"
_MARKER_RE = re.compile(r"^# mlu-cell-(\d+)\n", re.MULTILINE)


@dataclass
class _Cell:
    index: int  # position in nb.cells
    source: str
    python: str = ""  # masked Python source ("" when the cell is not Python)
    magics: list[str] = field(default_factory=list)
    shell_lines: list[tuple[int, str, int]] = field(default_factory=list)  # (line in cell, command, column offset)


def _mask(cell: _Cell) -> None:
    lines = cell.source.split("\n")
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split()[0] if len(first) > 2 else ""
        if magic in SHELL_MAGICS and (magic != "script" or re.search(r"\b(ba)?sh\b", first)):
            cell.shell_lines = [(n, text, 0) for n, text in enumerate(lines[1:], start=2)]
            return
        if magic not in PYTHON_BODY_MAGICS:
            return  # %%html, %%writefile, %%sql ...: not Python, not ours
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        is_magic = (i == 0 and stripped.startswith("%%")) or stripped.startswith(("%", "!")) \
            or bool(_ASSIGN_MAGIC.match(line)) or (stripped.endswith("?") and not stripped.startswith("#"))
        if not is_magic:
            out.append(line)
            i += 1
            continue
        start = i
        while lines[i].endswith("\\") and i + 1 < len(lines):  # a magic continued on the next lines
            i += 1
        original = "\n".join(lines[start:i + 1])
        shell = _shell_text(original.lstrip())
        if shell is not None:
            # the command is a suffix of the magic line: its offset shifts the shell rule's column
            cell.shell_lines.append((start + 1, shell, len(original) - len(shell)))
        indent = line[: len(line) - len(stripped)]
        out.append(f"{indent}pass  # mlu-magic-{len(cell.magics)}")
        cell.magics.append(original)
        out.extend(f"{indent}pass" for _ in range(start, i))  # keep the line count for positions
        i += 1
    cell.python = "\n".join(out)


def _shell_text(magic: str) -> str | None:
    """The command of a ``!cmd``, ``x = !cmd``, ``%sx cmd`` or ``%system cmd`` line, else None."""
    if magic.startswith("!"):
        return magic[1:]
    if _ASSIGN_MAGIC.match(magic):
        rest = magic.split("=", 1)[1].lstrip()
        return _shell_text(rest)
    for prefix in ("%sx ", "%system "):
        if magic.startswith(prefix):
            return magic[len(prefix):]
    return None


def _unmask(cell: _Cell, code: str) -> str:
    lines = code.split("\n")
    out: list[str] = []
    skip = 0
    for line in lines:
        if skip:
            skip -= 1
            continue
        match = _PLACEHOLDER.match(line)
        if match:
            original = cell.magics[int(match.group(2))]
            out.append(original)
            skip = original.count("\n")
        else:
            out.append(line)
    return "\n".join(out)


def transform_notebook(text: str, path: str, rules: list[RuleInfo]) -> tuple[str, list[Finding]]:
    try:
        nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    except Exception as exc:  # nbformat raises several types for broken JSON
        raise ValueError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    if nb.get("nbformat", 4) < 4:
        raise ValueError("nbformat < 4 is not supported; open and save it with Jupyter first")
    language = (nb.metadata.get("kernelspec", {}) or {}).get("language") or \
        (nb.metadata.get("language_info", {}) or {}).get("name") or "python"
    cells = [_Cell(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    for cell in cells:
        _mask(cell)
        if language != "python":
            cell.python = ""
    findings = _shell(cells, path, rules)
    new_sources, py_findings = _python(cells, path, rules)
    findings.extend(py_findings)
    changed = False
    for cell in cells:
        new = new_sources.get(cell.index)
        if new is not None and new != cell.source:
            nb.cells[cell.index].source = new
            changed = True
    if not changed:
        return text, findings
    out = nbformat.writes(nb, version=nbformat.NO_CONVERT)
    if text.endswith("\n") and not out.endswith("\n"):  # Jupyter ends files with a newline; nbformat does not
        out += "\n"
    return out, findings


def _shell(cells: list[_Cell], path: str, rules: list[RuleInfo]) -> list[Finding]:
    findings = []
    for cell in cells:
        for line_no, line, offset in cell.shell_lines:
            for finding in shell_findings(path, [line], rules, first_line=line_no):
                finding.cell = cell.index + 1
                finding.col += offset
                findings.append(finding)
    return findings


def _python(cells: list[_Cell], path: str, rules: list[RuleInfo]) -> tuple[dict[int, str], list[Finding]]:
    usable = [c for c in cells if c.python.strip()]
    if not any("mlflow" in c.python for c in usable):
        return {}, []
    try:
        return _combined(usable, path, rules, transform_source)
    except cst.ParserSyntaxError:
        pass
    good = []
    for cell in usable:
        try:
            cst.parse_module(cell.python + "\n")
            good.append(cell)
        except cst.ParserSyntaxError:
            continue  # a cell that is not valid Python (even masked) is left alone
    return _combined(good, path, rules, transform_source)


def _combined(cells: list[_Cell], path: str, rules: list[RuleInfo], transform) -> tuple[dict[int, str], list[Finding]]:
    parts, starts = [], []
    line = 1
    for cell in cells:
        parts.append(_MARKER.format(cell.index))
        starts.append(line + 1)
        body = cell.python if cell.python.endswith("\n") else cell.python + "\n"
        parts.append(body)
        line += 1 + body.count("\n")
    new_code, raw = transform("".join(parts), path, rules)
    findings = []
    for finding in raw:
        pos = max(i for i, start in enumerate(starts) if start <= finding.line) if finding.line >= starts[0] else 0
        finding.cell = cells[pos].index + 1
        finding.line -= starts[pos] - 1
        findings.append(finding)
    pieces = _MARKER_RE.split(new_code)
    indices = [int(x) for x in pieces[1::2]]
    if indices != [c.index for c in cells]:
        return {}, findings  # a marker moved (should not happen): report, change nothing
    sources = {}
    for cell, body in zip(cells, pieces[2::2], strict=True):
        if not cell.python.endswith("\n") and body.endswith("\n"):
            body = body[:-1]
        sources[cell.index] = _unmask(cell, body)
    return sources, findings
