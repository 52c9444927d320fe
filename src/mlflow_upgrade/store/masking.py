"""Password masking for every message, log line and report (no heavy imports: the CLI loads it always).

What a driver accepts as a secret, and is therefore masked:

* the userinfo password, ``scheme://user:PASSWORD@host``; like SQLAlchemy's parser, the password runs from the
  first ``:`` after the user name to the last ``@`` (a raw ``@`` or ``:`` in it is masked whole, never in part);
* query and ``key=value`` parameters whose name says secret: ``password``, ``passwd``, ``pwd``,
  ``sslpassword``, ``…token``, ``…secret`` (any case), and ``odbc_connect`` (it embeds ``PWD=``);
* every password parsed from a URI (:func:`remember_secret`) and the password environment variables
  (``PGPASSWORD``, ``MYSQL_PWD``, ``MLFLOW_TRACKING_PASSWORD``, ``MLFLOW_TRACKING_TOKEN``), wherever the exact
  text appears: a driver message may quote it out of its URI, or it may hold spaces the patterns cannot see.

Masking runs in time linear in the text: one forward pass per pattern, no backtracking over long runs.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

MASK = "***"
_SECRET_NAME_PARTS = ("pass", "pwd", "secret", "token")
_WHOLE_VALUE_KEYS = ("odbc_connect",)
_SECRET_ENV = ("PGPASSWORD", "MYSQL_PWD", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")
# Shorter known secrets are not replaced in free text (a 2-letter password would blank every word holding
# it); the URI patterns still mask them where they stand.
_MIN_KNOWN_SECRET = 4
# Where a URI ends inside a message: whitespace, quotes and brackets that messages put around it.
_URI_END = re.compile(r"[\s'\"<>()\[\]]")
# key=value with the key starting a word; the key is checked in Python (no alternation to backtrack over)
_KEY_VALUE = re.compile(r"(?<![\w.-])([A-Za-z_][\w.-]*)=([^&;\s'\"]*)")

_known: set[str] = set()


def is_secret_key(name: str) -> bool:
    """True for a parameter name that carries a secret (``password``, ``sslpassword``, ``passwd``…)."""
    low = name.lower()
    return low in _WHOLE_VALUE_KEYS or any(part in low for part in _SECRET_NAME_PARTS)


def remember_secret(secret: str | None) -> None:
    """Mask ``secret`` (and its percent-encoded form) wherever it appears in text masked from now on."""
    if secret and len(secret) >= _MIN_KNOWN_SECRET:
        _known.add(secret)
        _known.add(quote(secret, safe=""))


def mask_uri(text: str) -> str:
    """``text`` with every password form above replaced by ``***`` (URIs may be embedded in a message)."""
    if not text:
        return text
    return _mask_known(_KEY_VALUE.sub(_mask_key_value, _mask_userinfo(text, whole=False)))


def mask_one_uri(uri: str) -> str:
    """Mask a string that is one URI and nothing else: its password may hold spaces or quotes."""
    if not uri:
        return uri
    return _mask_known(_KEY_VALUE.sub(_mask_key_value, _mask_userinfo(uri, whole=True)))


def _mask_userinfo(text: str, *, whole: bool) -> str:
    out: list[str] = []
    pos = 0
    while (sep := text.find("://", pos)) != -1:
        start = sep + 3
        end = len(text) if whole else _token_end(text, start)
        out.append(text[pos:start])
        out.append(_mask_authority(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _token_end(text: str, start: int) -> int:
    match = _URI_END.search(text, start)
    return match.start() if match else len(text)


def _mask_authority(rest: str) -> str:
    """``user:password@host/…`` → ``user:***@host/…`` (the password: first ``:`` before any ``/``, to the last
    ``@``)."""
    at = rest.rfind("@")
    colon = rest.find(":", 0, at if at != -1 else 0)
    slash = rest.find("/", 0, colon if colon != -1 else 0)
    if at == -1 or colon == -1 or slash != -1 or colon + 1 == at:
        return rest
    return f"{rest[:colon + 1]}{MASK}{rest[at:]}"


def _mask_key_value(match: re.Match[str]) -> str:
    key, value = match.group(1), match.group(2)
    if not value or value.startswith(MASK) or not is_secret_key(key):
        return match.group(0)
    # punctuation a message puts after the URI stays ("…?password=x: check" keeps its colon)
    return f"{key}={MASK}{value[len(value.rstrip('.,:')):]}"


def _mask_known(text: str) -> str:
    secrets = _known | {v for name in _SECRET_ENV if len(v := os.environ.get(name, "")) >= _MIN_KNOWN_SECRET}
    for secret in sorted(secrets, key=len, reverse=True):  # longest first: a secret may contain another
        if secret in text:
            text = text.replace(secret, MASK)
    return text
