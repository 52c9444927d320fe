"""Every item of a paged MLflow search (its stores' and client's ``PagedList`` with a ``token``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


def all_pages(fetch: Callable[[str | None], Any]) -> Iterator[Any]:
    """``fetch(page_token)`` returns one page; yield the items of every page until no token comes back."""
    token = None
    while True:
        page = fetch(token)
        yield from page
        token = getattr(page, "token", None)
        if not token:
            return
