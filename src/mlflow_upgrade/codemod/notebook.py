"""Jupyter notebooks: code cells are rewritten by editing the notebook's JSON text in place.

Only the ``source`` values of changed code cells are replaced, encoded as the file already encodes them (a list
of lines at the file's indentation, or one string); every other byte (outputs, metadata, cell ids or their
absence, key order, ``orig_nbformat``) stays as it was, so a fix is deterministic and ``diff`` shows what
``fix`` writes. nbformat is not used: its reader warns on stderr and its writer adds ids and drops keys.

A cell whose first line is indented is dedented as IPython does (the first line's indentation is removed from
every line that starts with it) and indented back afterwards. IPython syntax is masked before parsing: each
magic line (``%pip``, ``!ls``, ``x = !cmd``, ``obj?``) becomes a ``pass  # mlu-magic-N`` placeholder on the
same line and is put back verbatim afterwards; ``!`` lines and ``%%bash`` cells go to the shell rules. All
Python cells are parsed as one module, so an alias imported in one cell (``import mlflow as mf``) is known in
the next.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring

from mlflow_upgrade.codemod.python import parse, transform_source
from mlflow_upgrade.codemod.registry import RuleInfo
from mlflow_upgrade.codemod.results import Finding, SourceError
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
    index: int  # position in the notebook's cells
    source: str
    python: str = ""  # masked Python source ("" when the cell is not Python)
    magics: list[str] = field(default_factory=list)
    shell_lines: list[tuple[int, str, int]] = field(default_factory=list)  # (line in cell, command, column offset)
    indent: str = ""  # the first line's indentation, removed as IPython removes it
    indented: list[bool] = field(default_factory=list)  # which lines lost `indent`

    def dedented(self) -> str:
        """The source as IPython runs it (``IPython.core.inputtransformer2.leading_indent``)."""
        lines = self.source.split("\n")
        match = re.match(r"[ \t]+", lines[0])
        if not match:
            return self.source
        self.indent = match.group(0)
        self.indented = [line.startswith(self.indent) for line in lines]
        return "\n".join(line[len(self.indent):] if cut else line for line, cut in zip(lines, self.indented, strict=True))

    def reindented(self, code: str) -> str:
        if not self.indent:
            return code
        lines = code.split("\n")
        marks = self.indented if len(lines) == len(self.indented) else [bool(line) for line in lines]
        return "\n".join(self.indent + line if mark else line for line, mark in zip(lines, marks, strict=True))

    def column_shift(self, line: int) -> int:
        """Columns to add to a finding on ``line`` (1-based, in the dedented cell)."""
        return len(self.indent) if 0 < line <= len(self.indented) and self.indented[line - 1] else 0


def _mask(cell: _Cell) -> None:
    lines = cell.dedented().split("\n")
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
        nb = json.loads(text)
    except ValueError as exc:
        raise SourceError(f"not a readable notebook: {exc}") from exc
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise SourceError("not a readable notebook: no list of cells (nbformat 4 or later)")
    if not isinstance(nb.get("nbformat", 4), int) or nb.get("nbformat", 4) < 4:
        raise SourceError("nbformat < 4 is not supported; open and save it with Jupyter first")
    metadata = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    language = (metadata.get("kernelspec") or {}).get("language") or \
        (metadata.get("language_info") or {}).get("name") or "python"
    cells = [_Cell(i, _joined(c.get("source"))) for i, c in enumerate(nb["cells"])
             if isinstance(c, dict) and c.get("cell_type") == "code"]
    for cell in cells:
        _mask(cell)
        if language != "python":
            cell.python = ""
    findings = _shell(cells, path, rules)
    new_sources, py_findings = _python(cells, path, rules)
    findings.extend(py_findings)
    changed = {cell.index: new_sources[cell.index] for cell in cells
               if new_sources.get(cell.index) not in (None, cell.source)}
    return (_replace_sources(text, changed) if changed else text), findings


def _joined(source: object) -> str:
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


# -- editing the JSON text -------------------------------------------------------------------------------------
_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null")


def _replace_sources(text: str, sources: dict[int, str]) -> str:
    """``text`` with the ``source`` value of each cell in ``sources`` replaced, nothing else touched."""
    spans = _source_spans(text)
    ascii_only = text.isascii() and "\\u" in text  # written with ensure_ascii: keep escaping
    out, last = [], 0
    for index in sorted(sources):
        start, end = spans[index]
        out.append(text[last:start])
        out.append(_encode(text, start, end, sources[index], ascii_only))
        last = end
    out.append(text[last:])
    return "".join(out)


def _encode(text: str, start: int, end: int, source: str, ascii_only: bool) -> str:
    """``source`` in the form the old value had: a one-string value stays one string; a list of lines keeps its
    indentation (read from its first item and its closing bracket, or from the key's line when it was empty)."""
    if text[start] == '"':
        return json.dumps(source, ensure_ascii=ascii_only)
    lines = source.splitlines(keepends=True)
    if not lines:
        return "[]"
    inner = text[start + 1:end - 1]
    if inner.strip():
        item_ws = inner[: len(inner) - len(inner.lstrip())]
        close_ws = inner[len(inner.rstrip()):]
    else:
        line_start = text.rfind("\n", 0, start) + 1
        key_indent = _WS.match(text, line_start).group(0).strip("\r\n")
        item_ws, close_ws = "\n" + key_indent + " ", "\n" + key_indent
    items = ("," + item_ws).join(json.dumps(line, ensure_ascii=ascii_only) for line in lines)
    return "[" + item_ws + items + close_ws + "]"


def _source_spans(text: str) -> dict[int, tuple[int, int]]:
    """(start, end) offsets of each cell's ``source`` value, by cell position."""
    spans: dict[int, tuple[int, int]] = {}
    i = _WS.match(text, 0).end()
    for key, value_start, _value_end in _members(text, i):
        if key != "cells":
            continue
        for position, (item_start, _item_end) in enumerate(_items(text, value_start)):
            if text[item_start] == "{":
                spans.update((position, (start, end)) for cell_key, start, end in _members(text, item_start)
                             if cell_key == "source")
    return spans


def _members(text: str, i: int):
    """(key, value start, value end) of the object starting at ``text[i] == "{"``."""
    i = _WS.match(text, i + 1).end()
    if text[i] == "}":
        return
    while True:
        key, i = scanstring(text, i + 1)
        i = _WS.match(text, i).end() + 1  # the colon
        start = _WS.match(text, i).end()
        end = _skip(text, start)
        yield key, start, end
        i = _WS.match(text, end).end()
        if text[i] == "}":
            return
        i = _WS.match(text, i + 1).end()  # after the comma


def _items(text: str, i: int):
    """(start, end) of each item of the array starting at ``text[i] == "["``."""
    i = _WS.match(text, i + 1).end()
    if text[i] == "]":
        return
    while True:
        end = _skip(text, i)
        yield i, end
        i = _WS.match(text, end).end()
        if text[i] == "]":
            return
        i = _WS.match(text, i + 1).end()


def _skip(text: str, i: int) -> int:
    """The end of the JSON value starting at ``i`` (the text is known to be valid JSON)."""
    char = text[i]
    if char == '"':
        return scanstring(text, i + 1)[1]
    if char == "{":
        last = i
        for _key, _start, last in _members(text, i):  # noqa: B007 - the last member's end is wanted
            pass
        return text.index("}", last) + 1
    if char == "[":
        last = i
        for _start, last in _items(text, i):  # noqa: B007 - the last item's end is wanted
            pass
        return text.index("]", last) + 1
    return _SCALAR.match(text, i).end()


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
    except SourceError:
        pass
    good = []
    for cell in usable:
        try:
            parse(cell.python + "\n")
            good.append(cell)
        except SourceError:
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
        finding.col += cells[pos].column_shift(finding.line)
        findings.append(finding)
    pieces = _MARKER_RE.split(new_code)
    indices = [int(x) for x in pieces[1::2]]
    if indices != [c.index for c in cells]:
        return {}, findings  # a marker moved (should not happen): report, change nothing
    sources = {}
    for cell, body in zip(cells, pieces[2::2], strict=True):
        if not cell.python.endswith("\n") and body.endswith("\n"):
            body = body[:-1]
        sources[cell.index] = cell.reindented(_unmask(cell, body))
    return sources, findings
