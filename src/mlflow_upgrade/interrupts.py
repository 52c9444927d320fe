"""Ctrl-C and SIGTERM as an exception in the main thread, so every ``finally`` on the way runs: an upgrade
restores its store, ``diffcheck`` stops its servers and removes its copy."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Interruption(BaseException):
    """SIGINT or SIGTERM while a store changes, raised in the main thread (a BaseException: no ``except
    Exception`` on the way swallows it, and SQLAlchemy rolls the open transaction back)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.name = signal.Signals(signum).name


@contextmanager
def signals_raise() -> Iterator[None]:
    """While inside: SIGINT and SIGTERM raise :class:`Interruption`; the previous handlers come back after.
    Outside the main thread (where handlers cannot be set) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Interruption(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
