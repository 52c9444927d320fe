"""What a fingerprint is: per table, its specification (columns, key, buckets, filters) and one digest per
bucket; saved as JSON (owner-only) for a later comparison."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlflow_upgrade import __version__, errors, safe_files

FORMAT = "mlflow-upgrade-fingerprint/1"


@dataclass
class TableFingerprint:
    name: str
    rows: int
    columns: dict[str, str]  # column -> kind ("int", "float", "str")
    pk: list[str]
    bucket: list[str]
    compared: list[str]  # non-bucket columns with a checksum each
    where: str | None = None
    skipped: dict[str, str] = field(default_factory=dict)  # column -> why it is not compared
    int_mod: bool = False  # SQLite integer sums overflowed: integers summed modulo P
    buckets: dict[str, list[Any]] = field(default_factory=dict)  # json key -> [n, *column sums, row sum]
    cross: list[str] = field(default_factory=list)  # a second, count-only bucketing (see _cross_bucket)
    cross_buckets: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def spec(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k not in ("rows", "buckets", "cross_buckets", "seconds")}


@dataclass
class Fingerprint:
    dialect: str
    revision: str | None
    tables: dict[str, TableFingerprint]
    taken_at: str = ""
    tool_version: str = __version__
    expected: list[str] = field(default_factory=list)  # rules applied ("revision table: what")
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fingerprint:
        if data.get("format") != FORMAT:
            raise errors.UsageError(f"not an mlflow-upgrade fingerprint (format {data.get('format')!r})")
        tables = {name: TableFingerprint(**t) for name, t in data["tables"].items()}
        fields = {k: v for k, v in data.items() if k not in ("format", "tables")}
        return cls(tables=tables, **fields)

    def save(self, path: str | Path, *, given: bool = True) -> Path:
        # Owner-only, like backups: small tables are fingerprinted row by row, so keys (run ids, param and
        # tag names) are in the file.
        return safe_files.write_atomic(path, json.dumps(self.to_dict(), separators=(",", ":")), "fingerprint file",
                                       given=given)

    @classmethod
    def load(cls, path: str | Path) -> Fingerprint:
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except FileNotFoundError:
            raise errors.StoreNotFound(f"fingerprint file {path} does not exist") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise errors.UsageError(f"{path} is not a readable fingerprint file: {exc}") from None


@dataclass
class Difference:
    table: str
    key: dict[str, Any]  # bucket columns -> values (the primary key for small tables)
    kind: str  # "missing", "added", "count", "changed", "table-missing", "column-missing", "not-comparable"
    column: str | None = None
    before: Any = None
    after: Any = None
    detail: str = ""

    def __str__(self) -> str:
        key = " ".join(f"{k}={v!r}" for k, v in self.key.items())
        where = f"{self.table}[{key}]" if key else self.table
        col = f" column {self.column}" if self.column else ""
        values = ""
        if self.before is not None or self.after is not None:
            values = f": {_show(self.before)} -> {_show(self.after)}"
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.kind}: {where}{col}{values}{detail}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "message": str(self)}


def _show(value: Any) -> str:
    return "?" if value is None else repr(value)
