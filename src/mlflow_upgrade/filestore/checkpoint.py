"""Progress kept in the destination itself, so a killed migration resumes and ``--incremental`` adds only new
entities.

Two small tables of ours live next to MLflow's (MLflow ignores foreign tables):

* ``mlflow_upgrade_fs_state``: name/value pairs: the source it was migrated from, status (running/complete).
* ``mlflow_upgrade_fs_done``: one row per migrated unit (experiment, run, dataset set, trace, logged model,
  registered model), written **in the same transaction** as the unit's rows: either both exist or neither.
  For experiments ``dest_key`` holds the destination id (it differs when the id had to be mapped).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from mlflow_upgrade.store.state_table import StateTable

STATE = "mlflow_upgrade_fs_state"
DONE = "mlflow_upgrade_fs_done"
STAGED_RUNS = "mlflow_upgrade_fs_staged"  # SQLite staging: tag and point count of each staged run (staging.py)

_meta = sa.MetaData()
_state = StateTable(STATE, _meta)
state_table = _state.table
done_table = sa.Table(
    DONE, _meta,
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("src_key", sa.String(400), primary_key=True),
    sa.Column("parent", sa.String(64)),
    sa.Column("dest_key", sa.String(64)),
)


def create(engine: sa.Engine) -> None:
    _meta.create_all(engine)


def exists(engine: sa.Engine) -> bool:
    return sa.inspect(engine).has_table(STATE)


def read_state(engine: sa.Engine) -> dict[str, str]:
    return _state.read(engine)


def write_state(engine: sa.Engine, **values: Any) -> None:
    with engine.begin() as conn:
        _state.write(conn, **values)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def done_keys(engine: sa.Engine, kind: str, parent: str | None = None) -> dict[str, str | None]:
    """{src_key: dest_key} of the units of ``kind`` already migrated (optionally under one parent)."""
    query = sa.select(done_table.c.src_key, done_table.c.dest_key).where(done_table.c.kind == kind)
    if parent is not None:
        query = query.where(done_table.c.parent == parent)
    with engine.connect() as conn:
        return {r.src_key: r.dest_key for r in conn.execute(query)}
