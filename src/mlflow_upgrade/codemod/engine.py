"""Find files, pre-filter them cheaply, run the rules, and collect results (writing files only in fix mode)."""

from __future__ import annotations

import difflib
import os
import stat
from collections.abc import Iterable, Iterator

from mlflow_upgrade.codemod.registry import RuleInfo, load_rules, select_rules
from mlflow_upgrade.codemod.results import CodemodResult, FileError, FileResult, Finding, SourceError
from mlflow_upgrade.codemod.shell import shell_findings

# Directories never entered when walking (ruff's defaults plus notebook checkpoints).
EXCLUDED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "node_modules", ".mypy_cache",
    ".ruff_cache", ".pytest_cache", ".ipynb_checkpoints", "site-packages", "build", "dist", ".eggs",
})
YAML_SUFFIXES = (".yaml", ".yml")


def file_kind(path: str) -> str | None:
    """What a file is to the codemod, from its name alone (None: not looked at)."""
    name = os.path.basename(path).lower()
    if name.endswith(".py"):
        return "python"
    if name.endswith(".ipynb"):
        return "notebook"
    if name.endswith((".sh", ".bash")):
        return "shell"
    if name == "pyproject.toml":
        return "pyproject"
    if name.endswith(".txt") and ("requirements" in name or name.startswith("constraints")):
        return "requirements"
    if name.endswith(YAML_SUFFIXES):
        return "yaml"  # conda environment or gateway config: decided from the content
    return None


def discover(paths: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(path, kind) for every file under ``paths``; paths stay as the user gave them (relative stays relative)."""
    for given in paths:
        if not os.path.isdir(given):  # a file, or a FIFO/device that process_file refuses by name
            kind = file_kind(given)
            yield given, kind or "python"  # an explicitly named file is read as Python unless it says otherwise
            continue
        for dirpath, dirnames, filenames in os.walk(given):
            dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_DIRS and not d.endswith(".egg-info"))
            for filename in sorted(filenames):
                kind = file_kind(filename)
                if kind is not None:
                    yield os.path.join(dirpath, filename), kind


def _mentions(data: bytes, kind: str) -> bool:
    """The fast pre-filter: a file that never mentions MLflow (or a gateway key) is not parsed."""
    if b"mlflow" in data:
        return True
    return kind == "yaml" and (b"route_type" in data or b"endpoint_type" in data)


class _Unreadable(Exception):
    pass


def read_regular(path: str) -> bytes:
    """The bytes of a regular file. A FIFO, socket or device is refused without blocking on it: opening a FIFO
    for reading waits for a writer, so the file is opened non-blocking and checked before anything is read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _Unreadable(f"cannot read: {exc.strerror or exc}; skipped") from exc
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _Unreadable("not a regular file (FIFO, socket or device); skipped")
        try:
            return handle.read()
        except OSError as exc:
            raise _Unreadable(f"cannot read: {exc.strerror or exc}; skipped") from exc


def process_file(path: str, kind: str, rules: list[RuleInfo], want_code: bool = True) -> FileResult | None:
    """Findings and rewritten text for one file, or None when the pre-filter skips it."""
    try:
        data = read_regular(path)
    except _Unreadable as exc:
        return FileResult(path, errors=[FileError(path, str(exc))])
    if not _mentions(data, kind):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return FileResult(path, errors=[FileError(path, "not UTF-8 text; skipped")])
    result = FileResult(path, old_text=text)
    try:
        new_text, findings = _dispatch(path, kind, text, rules, want_code)
    except SourceError as exc:
        result.errors.append(FileError(path, str(exc)))
        return result
    except RecursionError:  # libcst's visitors recurse once per nesting level
        result.errors.append(FileError(path, "nested too deeply to rewrite safely; skipped"))
        return result
    result.new_text = new_text
    result.findings = findings
    return result


def _dispatch(path: str, kind: str, text: str, rules: list[RuleInfo], want_code: bool
              ) -> tuple[str, list[Finding]]:
    if kind == "python":
        from mlflow_upgrade.codemod.python import transform_source  # lazy: imports libcst

        return transform_source(text, path, rules, want_code=want_code)
    if kind == "notebook":
        from mlflow_upgrade.codemod.notebook import transform_notebook  # lazy: imports libcst

        return transform_notebook(text, path, rules)
    if kind == "shell":
        return text, shell_findings(path, text.splitlines(), rules)
    # lazy: imports libcst (through python.py)
    from mlflow_upgrade.codemod.config_files import transform_config

    return transform_config(path, kind, text, rules)


def run(paths: list[str], mode: str = "check", *, from_major: int | None = None, select: list[str] | None = None,
        ignore: list[str] | None = None, jobs: int | None = None) -> CodemodResult:
    """Check, diff or fix ``paths``. Only ``fix`` writes files."""
    rules = select_rules(from_major, select, ignore)
    files = list(discover(paths))
    result = CodemodResult(mode=mode, files_scanned=len(files))
    for file_result in _process_all(files, rules, jobs, want_code=mode != "check"):
        if file_result is None:
            continue
        result.files_parsed += 1
        result.errors.extend(file_result.errors)
        written = False
        if file_result.changed and mode == "diff":
            result.diffs[file_result.path] = unified_diff(file_result)
        elif file_result.changed and mode == "fix":
            written = _write(file_result, result.errors)
            if written:
                result.files_changed.append(file_result.path)
        for finding in file_result.findings:
            finding.fixed = written and finding.fixable
        result.findings.extend(file_result.findings)
    result.findings.sort(key=Finding.sort_key)
    return result


def _write(file_result: FileResult, errors: list[FileError]) -> bool:
    """Write one fixed file; a file that cannot be written is an error of that file alone."""
    try:
        with open(file_result.path, "r+b") as handle:
            handle.truncate(0)
            handle.write((file_result.new_text or "").encode("utf-8"))
    except OSError as exc:
        errors.append(FileError(file_result.path, f"cannot write: {exc.strerror or exc}; not changed"))
        return False
    return True


def _process_all(files: list[tuple[str, str]], rules: list[RuleInfo], jobs: int | None, *, want_code: bool
                 ) -> Iterator[FileResult | None]:
    # The pre-filter reads every file in this process (cheap); only files that mention MLflow are parsed, and
    # only when there are many of them is a process pool worth its start-up cost.
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if jobs <= 1 or len(files) < 500:
        for path, kind in files:
            yield process_file(path, kind, rules, want_code)
        return
    candidates = []
    for path, kind in files:
        try:
            if _mentions(read_regular(path), kind):
                candidates.append((path, kind))
        except _Unreadable:
            candidates.append((path, kind))  # process_file reports it
    if len(candidates) < 32:
        for path, kind in candidates:
            yield process_file(path, kind, rules, want_code)
        return
    from concurrent.futures import ProcessPoolExecutor

    codes = [info.code for info in rules]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        chunk = max(1, min(16, len(candidates) // (jobs * 4)))
        yield from pool.map(_worker, candidates, [codes] * len(candidates), [want_code] * len(candidates),
                            chunksize=chunk)


def _worker(item: tuple[str, str], codes: list[str], want_code: bool) -> FileResult | None:
    registry = load_rules()
    return process_file(item[0], item[1], [registry[c] for c in codes], want_code)


def unified_diff(file_result: FileResult) -> str:
    return "".join(difflib.unified_diff(
        (file_result.old_text or "").splitlines(keepends=True),
        (file_result.new_text or "").splitlines(keepends=True),
        fromfile=file_result.path, tofile=file_result.path,
    ))
