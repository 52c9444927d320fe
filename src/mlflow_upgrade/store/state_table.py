"""The name/value table a resumable copy keeps in its destination (``migrate-filestore``, ``migrate-db``): where
it comes from, its phase, what it deferred. Each command names its own table; reading and writing it is here."""

from __future__ import annotations

import sqlalchemy as sa


class StateTable:
    """A table ``name`` of (name, value) pairs, defined in ``metadata`` (created and dropped with the caller's
    other tables)."""

    def __init__(self, name: str, metadata: sa.MetaData) -> None:
        self.table = sa.Table(
            name, metadata,
            sa.Column("name", sa.String(64), primary_key=True),
            sa.Column("value", sa.Text),
        )

    def read(self, engine: sa.Engine) -> dict[str, str]:
        with engine.connect() as conn:
            return {r.name: r.value for r in conn.execute(sa.select(self.table))}

    def get(self, conn: sa.Connection, name: str) -> str | None:
        return conn.execute(sa.select(self.table.c.value).where(self.table.c.name == name)).scalar()

    def write(self, conn: sa.Connection, **values: object) -> None:
        """Set each ``name=value`` in the caller's transaction; a value of None removes the pair."""
        for name, value in values.items():
            conn.execute(sa.delete(self.table).where(self.table.c.name == name))
            if value is not None:
                conn.execute(sa.insert(self.table).values(name=name, value=str(value)))
