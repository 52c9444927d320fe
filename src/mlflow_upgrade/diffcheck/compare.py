"""Compare one REST answer of the old release with the target's.

What counts: the HTTP status, ``error_code`` (never the message text), every value, and the order of lists. Lists
whose items all have a ``key`` (tags, params, metrics of a run) are maps MLflow stores without order: they are
compared sorted by key. ``next_page_token`` is opaque (its format changed between releases): only whether there
is one counts (absent and empty alike mean "no next page"). A field only the target returns is an *addition* (e.g. ``workspace`` on experiments), listed
once per path, not a difference; a field only the old release returns is a difference.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

OPAQUE_FIELDS = frozenset({"next_page_token"})
_SHOWN = 160  # characters of a value shown in a difference


@dataclass(frozen=True)
class Difference:
    call: str
    path: str
    kind: str  # status | error_code | value | missing | order | length | type | page_token
    old: str
    new: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def compare_answers(call: str, old: tuple[int, Any], new: tuple[int, Any]) -> tuple[list[Difference], set[str]]:
    """(differences, addition paths) between the old release's (status, body) and the target's."""
    (old_status, old_body), (new_status, new_body) = old, new
    if old_status != new_status:
        return [Difference(call, "", "status", str(old_status), str(new_status))], set()
    if old_status >= 400:
        old_code, new_code = _error_code(old_body), _error_code(new_body)
        if old_code != new_code:
            return [Difference(call, "error_code", "error_code", str(old_code), str(new_code))], set()
        return [], set()
    diffs: list[Difference] = []
    additions: set[str] = set()
    _walk(call, "", old_body, new_body, diffs, additions)
    return diffs, additions


def _error_code(body: Any) -> Any:
    return body.get("error_code") if isinstance(body, dict) else None


def _walk(call: str, path: str, old: Any, new: Any, diffs: list[Difference], additions: set[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        _walk_dict(call, path, old, new, diffs, additions)
    elif isinstance(old, list) and isinstance(new, list):
        _walk_list(call, path, old, new, diffs, additions)
    elif type(old) is not type(new) and not _both_numbers(old, new):
        diffs.append(Difference(call, path, "type", shown(old), shown(new)))
    elif old != new:
        diffs.append(Difference(call, path, "value", shown(old), shown(new)))


def _both_numbers(a: Any, b: Any) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))


def _walk_dict(call: str, path: str, old: dict, new: dict, diffs: list[Difference], additions: set[str]) -> None:
    for key in sorted(OPAQUE_FIELDS & (old.keys() | new.keys())):
        if bool(old.get(key)) != bool(new.get(key)):  # absent and empty are the same: no next page
            diffs.append(Difference(call, f"{path}.{key}" if path else key, "page_token",
                                    "present" if old.get(key) else "none", "present" if new.get(key) else "none"))
    for key in (k for k in old if k not in OPAQUE_FIELDS):
        sub = f"{path}.{key}" if path else key
        if key not in new:
            diffs.append(Difference(call, sub, "missing", shown(old[key]), "(absent)"))
        else:
            _walk(call, sub, old[key], new[key], diffs, additions)
    for key in (k for k in new if k not in OPAQUE_FIELDS):
        if key not in old:
            additions.add(_pattern(f"{path}.{key}" if path else key))


def _walk_list(call: str, path: str, old: list, new: list, diffs: list[Difference], additions: set[str]) -> None:
    if _keyed(old) and _keyed(new):
        old, new = _by_key(old), _by_key(new)
    if len(old) != len(new):
        diffs.append(Difference(call, path, "length", f"{len(old)} items", f"{len(new)} items"))
        return
    old_ids, new_ids = [_ident_text(x) for x in old], [_ident_text(x) for x in new]
    if old_ids != new_ids and sorted(old_ids) == sorted(new_ids) and len(set(old_ids)) == len(old_ids):
        diffs.append(Difference(call, path, "order", shown([_ident(x) for x in old]),
                                shown([_ident(x) for x in new])))
        by_id = dict(zip(new_ids, new, strict=True))
        new = [by_id[i] for i in old_ids]  # then compare each item with its counterpart
    for i, (a, b) in enumerate(zip(old, new, strict=True)):
        _walk(call, f"{path}[{i}]", a, b, diffs, additions)


def _keyed(items: list) -> bool:
    return bool(items) and all(isinstance(x, dict) and "key" in x for x in items)


def _by_key(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda x: (str(x["key"]), json.dumps(x, sort_keys=True)))


_ID_FIELDS = ("run_id", "experiment_id", "name", "version", "request_id", "path", "step", "key")


def _ident(item: Any) -> Any:
    """What names an item in an order difference (its id), else the item itself."""
    if isinstance(item, dict):
        info = item.get("info", item)
        for field in _ID_FIELDS:
            if isinstance(info, dict) and field in info:
                return info[field]
    return item


def _ident_text(item: Any) -> str:
    return json.dumps(_ident(item), sort_keys=True)


def _pattern(path: str) -> str:
    """``runs[3].info.x`` -> ``runs[].info.x``: an addition is listed once per field, not per item."""
    out, skip = [], False
    for ch in path:
        if ch == "[":
            out.append("[]")
            skip = True
        elif ch == "]":
            skip = False
        elif not skip:
            out.append(ch)
    return "".join(out)
