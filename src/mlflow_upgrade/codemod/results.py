"""Result objects of a codemod run; the JSON output is these objects serialised."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlflow_upgrade.errors import ExitCode


@dataclass
class Finding:
    code: str
    path: str
    line: int
    col: int
    message: str
    fixable: bool = False
    fixed: bool = False
    suggestion: str | None = None
    cell: int | None = None  # 1-based cell number for notebooks; line/col are then within the cell

    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line, self.col, self.code)


class SourceError(ValueError):
    """A file the codemod cannot take (syntax error, nesting too deep, unreadable notebook): the message says
    where and why, and the file is skipped."""


@dataclass
class FileError:
    path: str
    message: str


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    old_text: str | None = None
    new_text: str | None = None

    @property
    def changed(self) -> bool:
        return self.new_text is not None and self.new_text != self.old_text


@dataclass
class CodemodResult:
    """What ``codemod_check`` / ``codemod_fix`` return."""

    mode: str  # "check", "diff" or "fix"
    files_scanned: int = 0
    files_parsed: int = 0
    files_changed: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)

    @property
    def remaining(self) -> list[Finding]:
        return [f for f in self.findings if not f.fixed]

    @property
    def exit_code(self) -> int:
        """ruff's convention: 1 when something is left to do (findings, or a diff to apply), else 0."""
        left = bool(self.diffs) if self.mode == "diff" else bool(self.remaining or self.errors)
        return ExitCode.FINDINGS if left else ExitCode.OK

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return {
            "mode": self.mode,
            "files_scanned": self.files_scanned,
            "files_parsed": self.files_parsed,
            "files_changed": self.files_changed,
            "summary": {
                "findings": len(self.findings),
                "fixable": sum(f.fixable for f in self.findings),
                "fixed": sum(f.fixed for f in self.findings),
                "remaining": len(self.remaining),
            },
            "findings": [asdict(f) for f in self.findings],
            "errors": [asdict(e) for e in self.errors],
        }
