"""Password masking for every message, log line and report (no heavy imports: the CLI loads it always)."""

from __future__ import annotations

import re

MASK = "***"
_USERINFO_PASSWORD = re.compile(r"(?P<pre>[a-zA-Z][\w+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)@")


def mask_uri(text: str) -> str:
    """Replace the password of every ``scheme://user:password@host`` in ``text`` with ``***``."""
    return _USERINFO_PASSWORD.sub(rf"\g<pre>{MASK}@", text)
