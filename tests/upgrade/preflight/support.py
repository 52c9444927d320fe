"""Helpers for the preflight tests."""

from __future__ import annotations

import sqlalchemy


def execute(uri: str, *statements: str) -> None:
    """Run ``statements`` on ``uri`` in autocommit mode."""
    engine = sqlalchemy.create_engine(uri, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as conn:
        for s in statements:
            conn.exec_driver_sql(s)
    engine.dispose()
