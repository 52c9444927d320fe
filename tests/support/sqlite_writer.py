"""A second process's write to a SQLite store, tried once without waiting: what a backup's lock lets through."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def try_write(db: Path) -> str:
    """Rename every run of ``db``: "written", or SQLite's error ("database is locked" while a reader holds it)."""
    writer = sqlite3.connect(db, timeout=0)
    try:
        writer.execute("UPDATE runs SET name = 'changed during the backup'")
        writer.commit()
        return "written"
    except sqlite3.OperationalError as exc:
        return str(exc)
    finally:
        writer.close()
