"""Comparing an earlier fingerprint with a later state: every difference with table, key and column; with the
databases at hand, the differing rows' values (drill-down)."""

from __future__ import annotations

import json
import math
from typing import Any

import sqlalchemy
from sqlalchemy.engine import Engine

from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.upgrade.verify.fingerprint.model import Difference, Fingerprint, TableFingerprint
from mlflow_upgrade.upgrade.verify.fingerprint.take import _row_key, norm, take_fingerprint

FLOAT_RTOL = 1e-12


def compare_fingerprints(before: Fingerprint, after_engine_or_fp: Engine | Fingerprint, *,
                         engine: Engine | None = None, before_engine: Engine | None = None,
                         limit: int = 1000) -> list[Difference]:
    """Every difference between ``before`` and a later state, with table, key and column.

    ``after_engine_or_fp`` is the later database (fingerprinted here with ``before``'s specification) or a
    fingerprint taken with it. ``engine`` (the later database) lets the comparison read current values of
    differing rows; ``before_engine`` (a backup of the earlier state) lets it name every differing row of a large
    table's bucket. At most ``limit`` differences are listed (the rest are counted in a last entry)."""
    if isinstance(after_engine_or_fp, Fingerprint):
        after = after_engine_or_fp
    else:
        engine = after_engine_or_fp
        after = take_fingerprint(engine, like=before)
    diffs: list[Difference] = []
    for name, table in before.tables.items():
        other = after.tables.get(name)
        if other is None:
            diffs.append(Difference(name, {}, "table-missing", detail=f"{table.rows} rows before"))
            continue
        diffs += _compare_table(table, other, before.dialect)
    if engine is not None or before_engine is not None:
        diffs = _drill_down(before, diffs, engine, before_engine, limit)
    if len(diffs) > limit:
        extra = len(diffs) - limit
        diffs = [*diffs[:limit], Difference("*", {}, "truncated", detail=f"{extra} more differences")]
    return diffs


def _compare_table(before: TableFingerprint, after: TableFingerprint, dialect: str) -> list[Difference]:
    if before.spec() != after.spec():
        missing = [c for c in before.compared if c not in after.compared]
        if missing and before.bucket == after.bucket:
            out = [Difference(before.name, {}, "column-missing", column=c) for c in missing]
            return out + _compare_buckets(before, after, [c for c in before.compared if c in after.compared],
                                          dialect)
        return [Difference(before.name, {}, "not-comparable",
                           detail="fingerprints taken with different specifications; compare against the database")]
    return _compare_buckets(before, after, before.compared, dialect) + _compare_cross(before, after)


def _compare_cross(before: TableFingerprint, after: TableFingerprint) -> list[Difference]:
    out = []
    for key in sorted(before.cross_buckets.keys() | after.cross_buckets.keys()):
        a, b = before.cross_buckets.get(key, 0), after.cross_buckets.get(key, 0)
        if a != b:
            out.append(Difference(before.name, dict(zip(before.cross, json.loads(key), strict=False)), "count",
                                  before=a, after=b, detail="rows of this key"))
    return out


def _compare_buckets(before: TableFingerprint, after: TableFingerprint, cols: list[str],
                     dialect: str) -> list[Difference]:
    out: list[Difference] = []
    index_b = {c: i + 1 for i, c in enumerate(before.compared)}
    index_a = {c: i + 1 for i, c in enumerate(after.compared)}
    full_row = cols == before.compared
    for key, digest in before.buckets.items():
        other = after.buckets.get(key)
        pk = dict(zip(before.bucket, json.loads(key), strict=False))
        if other is None:
            out.append(Difference(before.name, pk, "missing", detail=f"{digest[0]} row(s)"))
            continue
        if other == digest:
            continue
        if digest[0] != other[0]:
            out.append(Difference(before.name, pk, "count", before=digest[0], after=other[0]))
            continue
        changed = [c for c in cols if not _same(before.columns[c], digest[index_b[c]], other[index_a[c]])]
        for c in changed:
            single = digest[0] == 1 and _value_is_sum(before, c, dialect)
            out.append(Difference(before.name, pk, "changed", column=c,
                                  before=digest[index_b[c]] if single else None,
                                  after=other[index_a[c]] if single else None))
        if not changed and full_row and digest[-1] != other[-1]:
            out.append(Difference(before.name, pk, "changed", detail="values moved between rows of this key"))
    for key, digest in after.buckets.items():
        if key not in before.buckets:
            out.append(Difference(before.name, dict(zip(before.bucket, json.loads(key), strict=False)), "added",
                                  detail=f"{digest[0]} row(s)"))
    return out


def _same(kind: str, a: Any, b: Any) -> bool:
    if a == b:
        return True
    if isinstance(a, float) or isinstance(b, float):  # SQLite float totals: summation order may differ
        a, b = float(a), float(b)
        if not (math.isfinite(a) and math.isfinite(b)) or max(abs(a), abs(b)) > 1e300:
            # MLflow stores ±inf as ±1.797e308: their sums overflow or not depending on scan order. Such a
            # bucket's floats are left to the row checksum, which saturates each one to a distinct integer.
            return True
        return math.isclose(a, b, rel_tol=FLOAT_RTOL, abs_tol=0.0)
    return False


def _value_is_sum(table: TableFingerprint, col: str, dialect: str) -> bool:
    """Whether a one-row bucket's column checksum is the value itself (integers; floats on SQLite)."""
    kind = table.columns[col]
    return not table.int_mod and (kind == "int" or (kind == "float" and get_dialect(dialect).fingerprint_sums_floats))


# -- naming rows (drill-down)

def _drill_down(before: Fingerprint, diffs: list[Difference], engine: Engine | None,
                before_engine: Engine | None, limit: int) -> list[Difference]:
    """Fill in current (and, with a backup, earlier) values of differing rows."""
    out: list[Difference] = []
    for diff in diffs:
        table = before.tables.get(diff.table)
        if table is None or not diff.key or len(out) > limit:
            out.append(diff)
            continue
        if before_engine is not None and engine is not None and diff.kind in ("count", "changed") \
                and table.bucket != _row_key(table.pk, table.columns):
            out += _row_diff(table, diff, before_engine, engine) or [diff]
            continue
        if engine is not None and diff.kind == "changed" and diff.column:
            values = _fetch(engine, table, diff.key, [diff.column])
            if len(values) == 1:
                diff.after = norm(values[0][0])
        out.append(diff)
    return out


def _fetch(engine: Engine, table: TableFingerprint, key: dict[str, Any], cols: list[str]) -> list[tuple]:
    q = engine.dialect.identifier_preparer.quote
    conditions = " AND ".join(f"{q(c)} = :k{i}" if v is not None else f"{q(c)} IS NULL"
                              for i, (c, v) in enumerate(key.items()))
    sql = f"SELECT {', '.join(q(c) for c in cols)} FROM {q(table.name)} WHERE {conditions}"
    params = {f"k{i}": v for i, v in enumerate(key.values()) if v is not None}
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sqlalchemy.text(sql), params)]


def _row_diff(table: TableFingerprint, diff: Difference, before_engine: Engine,
              engine: Engine) -> list[Difference]:
    keyed = [c for c in _row_key(table.pk, table.columns) if c not in table.bucket]
    cols = keyed + [c for c in table.compared if c not in keyed]

    def rows(eng: Engine) -> dict[tuple, tuple]:
        return {tuple(norm(v) for v in r[:len(keyed)]): tuple(norm(v) for v in r[len(keyed):])
                for r in _fetch(eng, table, diff.key, cols)}

    old, new = rows(before_engine), rows(engine)
    out = []
    value_cols = cols[len(keyed):]
    for k in sorted(old.keys() | new.keys(), key=repr):
        key = {**diff.key, **dict(zip(keyed, k, strict=False))}
        if k not in new:
            out.append(Difference(table.name, key, "missing"))
        elif k not in old:
            out.append(Difference(table.name, key, "added"))
        else:
            for c, a, b in zip(value_cols, old[k], new[k], strict=False):
                if a != b:
                    out.append(Difference(table.name, key, "changed", column=c, before=a, after=b))
    return out
