"""The one registry of codemod rules. A rule is a class decorated with :func:`register`.

Rule families (the hundreds digit of the code):

* ``MLU1xx`` — APIs removed or changed between MLflow 1.x and 2.x,
* ``MLU2xx`` — changes made during 2.x or in 3.0,
* ``MLU3xx`` — configuration files and pins.

Every rule runs by default: an API the target lacks is a finding whatever release the code was written for.
``--from 2`` only narrows (code known to run on 2.x skips the MLU1xx rules).

A rule declares what it looks at through optional hooks, all called by :mod:`.engine`:

``call(ctx, node, qname)``       a ``cst.Call`` (already rewritten by earlier rules); return a new node or None
``attribute(ctx, node, qname)``  a ``cst.Attribute`` that is not the callee of a call; same return
``string(ctx, node)``            a ``cst.SimpleString`` or f-string text part; same return
``fstring(ctx, node)``           a whole ``cst.FormattedString``; same return
``import_from(ctx, node)``       ``from mlflow... import ...``; findings only
``import_(ctx, node)``           ``import mlflow...``; findings only
``shell(ctx, line, lineno)``     one line of a shell script or a notebook ``!`` line; findings only
``config(ctx, kind, text)``      a config file (``requirements``, ``pyproject``, ``conda``, ``gateway``); may
                                 return the new text
``renames``                      qualified name -> new last component; the engine renames every use
                                 (attribute, from-import and the imported name) consistently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str
    fixable: str  # "always", "sometimes" or "never"
    since: str  # the MLflow release and change that caused it
    rule: Any  # an instance of the decorated class

    @property
    def family(self) -> int:
        return int(self.code[3])

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "summary": self.summary, "fixable": self.fixable,
                "since": self.since}


RULES: dict[str, RuleInfo] = {}


class Rule:
    """Base class: documents the attributes every rule sets."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    fixable: ClassVar[str] = "never"
    since: ClassVar[str]
    renames: ClassVar[dict[str, str]] = {}
    # Python rules: words one of which must occur in a file for the rule to apply (None: always parse).
    triggers: ClassVar[tuple[str, ...] | None] = None


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: add one rule to :data:`RULES` (codes are unique)."""
    if cls.code in RULES:
        raise ValueError(f"duplicate rule code {cls.code}")
    RULES[cls.code] = RuleInfo(cls.code, cls.name, cls.summary, cls.fixable, cls.since, cls())
    return cls


def load_rules() -> dict[str, RuleInfo]:
    """Import every module of :mod:`.rules` once so their decorators run."""
    # lazy: the rule modules import this registry to register themselves; importing them registers the rules
    from mlflow_upgrade.codemod import rules  # noqa: F401

    return dict(sorted(RULES.items()))


def select_rules(from_major: int | None = None, select: list[str] | None = None,
                 ignore: list[str] | None = None) -> list[RuleInfo]:
    """Every rule, narrowed by ``from_major`` (2: skip the 1.x → 2.x rules) and ``select``/``ignore`` (codes or
    prefixes such as ``MLU2``)."""
    chosen = []
    for info in load_rules().values():
        if info.family == 1 and from_major is not None and from_major >= 2:
            continue
        if select and not any(info.code.startswith(s) for s in select):
            continue
        if ignore and any(info.code.startswith(s) for s in ignore):
            continue
        chosen.append(info)
    return chosen


def hook(rules: list[RuleInfo], name: str) -> list[tuple[RuleInfo, Callable[..., Any]]]:
    return [(info, getattr(info.rule, name)) for info in rules if hasattr(info.rule, name)]
