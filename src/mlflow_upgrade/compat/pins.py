"""MLflow requirement pins in a tree: find them, resolve them to releases, and fix the ones that block the target.

The one owner of "what an MLflow pin is" (codemod rule MLU302 asks `PIN`, `POETRY` and `excludes`). Files read:
requirements*.txt / constraints*.txt (and *.in), pyproject.toml (PEP 621 and Poetry), uv.lock, poetry.lock,
Pipfile.lock, conda environment files (environment.yml, conda.yaml) and MLflow's model-side requirements.txt /
conda.yaml / python_env.yaml. Files are read as text, line by line, so a fix keeps everything else byte for byte.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from mlflow_upgrade import errors, safe_files
from mlflow_upgrade.progress import QUIET, Progress

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: TOML files are read as text only, their syntax is not checked
    tomllib = None

PACKAGES = ("mlflow", "mlflow-skinny", "mlflow-tracing")
# The package name exactly (PEP 503: case and `-`/`_`/`.` are equivalent; `fastapi-mlflow` or `mlflow-export-import`
# are other packages), optional extras, then the specifier up to a quote, comment, semicolon (markers) or end of line.
PIN = re.compile(
    r"""(?<![\w.-])(?P<pkg>(?i:mlflow)(?:[-_.](?i:skinny|tracing))?)(?![\w.-])(?P<extras>\[[^\]]*\])?\s*"""
    r"""(?P<spec>(?:[<>=!~^]=?|={1,2})\s*[0-9][^"'#;\s,]*(?:\s*,\s*[<>=!~]=?\s*[0-9][^"'#;\s,]*)*)""")
POETRY = re.compile(
    r"""^\s*(?P<pkg>(?i:mlflow)(?:[-_.](?i:skinny|tracing))?)\s*=\s*(?:\{[^}]*version\s*=\s*)?["'](?P<spec>[^"']+)["']""")
BARE = re.compile(r"""^\s*(?:-\s*)?["']?(?P<pkg>(?i:mlflow)(?:[-_.](?i:skinny|tracing))?)(?P<extras>\[[^\]]*\])?["']?"""
                  r"""\s*(?:[,#;]|$)""")
SKIP_DIRS = {".git", ".hg", ".venv", "venv", "node_modules", "site-packages", "__pycache__", ".tox", ".mypy_cache"}
REQUIREMENTS = re.compile(r"^(?:requirements|constraints)[\w.-]*\.(?:txt|in)$", re.I)
CONDA = re.compile(r"^(?:environment|conda|env)[\w.-]*\.ya?ml$", re.I)
KINDS = {"pyproject.toml": "pyproject", "uv.lock": "uv.lock", "poetry.lock": "poetry.lock",
         "Pipfile.lock": "Pipfile.lock", "python_env.yaml": "python_env"}


@dataclass
class Pin:
    path: str
    line: int
    col: int
    package: str  # normalized: mlflow | mlflow-skinny | mlflow-tracing
    spec: str  # as written ("" when unpinned; "==2.9.2" for a lock entry)
    kind: str  # requirements | pyproject | conda | python_env | uv.lock | poetry.lock | Pipfile.lock
    text: str  # the line
    releases: list[str] = field(default_factory=list)  # known releases it admits (Version order)
    blocks_target: bool = False
    fix: str | None = None  # the replacement spec that admits the target, when one keeps the file's style

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def locked(self) -> bool:
        return self.kind.endswith(".lock")

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "col": self.col, "package": self.package, "spec": self.spec,
                "kind": self.kind, "admits": _span(self.releases), "blocks_target": self.blocks_target,
                "fix": self.fix}


def _span(releases: list[str]) -> str:
    if not releases:
        return "none"
    return releases[0] if len(releases) == 1 else f"{releases[0]}–{releases[-1]} ({len(releases)} releases)"


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# -- specifiers ---------------------------------------------------------------------------------
def specifier(spec: str, kind: str) -> SpecifierSet:
    """`spec` as a PEP 440 set: conda `=2.9` means 2.9.*, Poetry `^2.9` / `~2.9` their ranges."""
    spec = spec.replace(" ", "")
    clauses = []
    for clause in spec.split(","):
        if clause.startswith("^"):
            v = Version(clause[1:])
            upper = f"{v.major + 1}" if v.major else f"0.{v.minor + 1}"
            clauses += [f">={clause[1:]}", f"<{upper}"]
        elif clause.startswith("~") and not clause.startswith("~="):
            v = Version(clause[1:])
            clauses += [f">={clause[1:]}", f"<{v.major}.{v.minor + 1}" if len(v.release) > 1 else f"<{v.major + 1}"]
        elif re.fullmatch(r"=[0-9][^=<>!,]*", clause):
            clauses.append("=" + clause + (".*" if not clause.endswith("*") and clause.count(".") < 2 else ""))
        else:
            clauses.append(clause)
    return SpecifierSet(",".join(clauses))


def has_lower_bound(spec: str) -> bool:
    """The pin names a floor (`>=`, `>`, `==`, `~=`, Poetry `^`/`~`, conda `=`); `<3`, `!=` and "" do not."""
    return any(re.match(r"\s*(>|==?|~|\^)", clause) for clause in spec.split(",")) if spec else False


def admitted(spec: str, kind: str, releases: Iterable[str]) -> list[str]:
    """The releases `spec` admits (a monorepo repeats a few specs thousands of times: computed once each)."""
    return list(_admitted(spec.replace(" ", ""), "conda" if kind == "conda" else "", tuple(releases)))


@cache
def _admitted(spec: str, kind: str, releases: tuple[str, ...]) -> tuple[str, ...]:
    specs = specifier(spec, kind) if spec else SpecifierSet()
    return tuple(v for v in releases if specs.contains(v, prereleases=False))


def excludes(spec: str, target: str, conda: bool = False) -> bool:
    """True when the pin `spec` (conda style when `conda`) does not admit release `target`; False when unreadable."""
    try:
        return not specifier(spec, "conda" if conda else "requirements").contains(target, prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False


def fixed_spec(spec: str, kind: str, target: str) -> str | None:
    """The spec rewritten, clause by clause in its own style, so it admits `target`; None when no such edit (a
    lower bound above the target, a lock entry)."""
    if kind.endswith(".lock"):
        return None
    t = Version(target)
    out = []
    for raw in spec.split(","):
        clause = raw.strip()
        if not clause or not excludes(clause, target, conda=kind in ("conda",)):
            out.append(raw)
            continue
        lead = raw[: len(raw) - len(raw.lstrip())]
        op, value = re.match(r"([<>=!~^]*)\s*(.*)", clause).groups()
        parts = value.split(".")
        if op in ("<", "<="):
            new = f"<{t.major + 1}"
        elif op in ("==", "===", "=") and value.endswith("*"):
            new = f"{op}{'.'.join(str(x) for x in t.release[: len(parts) - 1])}.*"
        elif op in ("==", "==="):
            new = f"{op}{target}"
        elif op == "=":  # conda
            new = f"={'.'.join(str(x) for x in t.release[: max(len(parts), 2)])}"
        elif op in ("~=", "^", "~"):
            new = f"{op}{'.'.join(str(x) for x in t.release[: max(len(parts), 2)])}"
        elif op == "!=":
            continue
        else:  # > or >= above the target: the pin wants a newer MLflow, not an edit of ours
            return None
        out.append(lead + new)
    result = ",".join(out)
    return result if result and not excludes(result, target, conda=kind == "conda") else None


# -- scanning -----------------------------------------------------------------------------------
def file_kind(path: Path) -> str | None:
    name = path.name
    if name in KINDS:
        return KINDS[name]
    if REQUIREMENTS.match(name) or (path.parent.name == "requirements" and name.endswith((".txt", ".in"))):
        return "requirements"
    if CONDA.match(name):
        return "conda"
    return None


def candidate_files(paths: Iterable[str]) -> Iterator[tuple[Path, str]]:
    for given in paths:
        root = Path(given)
        if not root.exists():
            raise errors.UsageError(f"no such file or directory: {given}")
        if root.is_file():
            yield root, file_kind(root) or "requirements"
            continue
        for directory, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
            for name in sorted(files):
                path = Path(directory, name)
                if kind := file_kind(path):
                    yield path, kind


def scan(paths: Iterable[str], releases: list[str], target: str, progress: Progress = QUIET) -> list[Pin]:
    """Every MLflow pin under `paths`, resolved against `releases`, with the fix for the ones blocking `target`."""
    found: list[Pin] = []
    with progress.task("scanning for MLflow pins", total=None, unit="files") as task:
        for path, kind in candidate_files(paths):
            task.advance(1)
            found += _file_pins(path, kind, releases, target)
    return found


def _file_pins(path: Path, kind: str, releases: list[str], target: str) -> list[Pin]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.UsageError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if "mlflow" not in text.lower():
        return []
    pins = read_pins(str(path), kind, text)
    for pin in pins:
        try:
            pin.releases = admitted(pin.spec, kind, releases)
        except (InvalidSpecifier, InvalidVersion):
            raise errors.UsageError(
                f"{pin.location}: cannot parse the MLflow requirement `{pin.text.strip()}`: fix its specifier"
            ) from None
        pin.blocks_target = bool(pin.spec) and excludes(pin.spec, target, conda=kind == "conda")
        pin.fix = fixed_spec(pin.spec, kind, target) if pin.blocks_target else None
    return pins


def read_pins(path: str, kind: str, text: str) -> list[Pin]:
    _check_syntax(path, kind, text)
    if kind in ("uv.lock", "poetry.lock"):
        return _toml_lock(path, kind, text)
    if kind == "Pipfile.lock":
        return _pipfile_lock(path, text)
    pins = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = line if kind == "pyproject" and not line.lstrip().startswith("#") else line.split("#", 1)[0]
        if kind == "pyproject" and line.lstrip().startswith("#"):
            continue
        matches = [*PIN.finditer(code), *(POETRY.finditer(code) if kind == "pyproject" else [])]
        for match in matches:
            pins.append(Pin(path, number, match.start("spec") + 1, normalize(match.group("pkg")),
                            match.group("spec").strip(), kind, line))
        if not matches and (bare := BARE.match(code)) and kind != "pyproject":
            pins.append(Pin(path, number, bare.start("pkg") + 1, normalize(bare.group("pkg")), "", kind, line))
        elif not matches and kind == "pyproject" and re.search(r"""["'](?i:mlflow)(?:[-_.](?i:skinny|tracing))?"""
                                                               r"""(?:\[[^\]]*\])?["']""", code):
            pkg = re.search(r"""["']((?i:mlflow)(?:[-_.](?i:skinny|tracing))?)""", code).group(1)
            pins.append(Pin(path, number, code.index(pkg) + 1, normalize(pkg), "", kind, line))
    return pins


def _check_syntax(path: str, kind: str, text: str) -> None:
    try:
        if kind in ("pyproject", "uv.lock", "poetry.lock") and tomllib is not None:
            tomllib.loads(text)
        elif kind == "Pipfile.lock":
            json.loads(text)
    except ValueError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise errors.UsageError(f"{path}: not valid {'JSON' if kind == 'Pipfile.lock' else 'TOML'} ({first})") \
            from None


def _toml_lock(path: str, kind: str, text: str) -> list[Pin]:
    """`[[package]]` entries: a `name = "mlflow"` line, then its `version = "x"` line."""
    pins, lines, name_at = [], text.splitlines(), None
    for number, line in enumerate(lines, start=1):
        if line.startswith("[[package]]"):
            name_at = None
        elif (m := re.match(r'''^name\s*=\s*["']([^"']+)["']''', line)) and normalize(m.group(1)) in PACKAGES:
            name_at = (number, normalize(m.group(1)))
        elif name_at and (m := re.match(r'''^version\s*=\s*["']([^"']+)["']''', line)):
            pins.append(Pin(path, number, m.start(1) + 1, name_at[1], f"=={m.group(1)}", kind, line))
            name_at = None
    return pins


def _pipfile_lock(path: str, text: str) -> list[Pin]:
    pins, current = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        if m := re.match(r'''^\s*"([^"]+)"\s*:\s*\{''', line):
            current = normalize(m.group(1)) if normalize(m.group(1)) in PACKAGES else None
        elif current and (m := re.match(r'''^\s*"version"\s*:\s*"([^"]+)"''', line)):
            pins.append(Pin(path, number, m.start(1) + 1, current, m.group(1), "Pipfile.lock", line))
            current = None
    return pins


# -- fixing -------------------------------------------------------------------------------------
def apply_fixes(pins: list[Pin]) -> list[str]:
    """Rewrite each fixable blocking pin in place (only its specifier); returns the files changed."""
    by_file: dict[str, list[Pin]] = {}
    for pin in pins:
        if pin.blocks_target and pin.fix:
            by_file.setdefault(pin.path, []).append(pin)
    for path, file_pins in by_file.items():
        text = Path(path).read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        for pin in file_pins:
            line = lines[pin.line - 1]
            start = pin.col - 1
            if line[start : start + len(pin.spec)] != pin.spec:
                start = line.index(pin.spec)  # the spec as read (whitespace inside was kept)
            lines[pin.line - 1] = line[:start] + pin.fix + line[start + len(pin.spec) :]
            pin.text = lines[pin.line - 1]
        safe_files.write_atomic(path, "".join(lines), "requirements file")
    return sorted(by_file)
