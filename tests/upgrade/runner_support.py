"""Old MLflow stores for the plan/preflight/runner/crash tests, built fast on any dialect.

A store at MLflow 1.30's head (``97727af70f4d``) is made with MLflow's own initial models and Alembic scripts,
then filled by plain SQL, so no old MLflow release is needed and no MLflow store class touches it.
"""

from __future__ import annotations

import sqlalchemy

OLD_HEAD = "97727af70f4d"  # MLflow 1.30.1's tracking head


def build_old_store(uri: str, *, runs: int = 3, metrics_per_run: int = 50, revision: str = OLD_HEAD) -> None:
    from alembic import command
    from mlflow.store.db.utils import _get_alembic_config
    from mlflow.store.tracking.dbmodels.initial_models import Base

    engine = sqlalchemy.create_engine(uri, poolclass=sqlalchemy.pool.NullPool)
    try:
        Base.metadata.create_all(engine)
        cfg = _get_alembic_config(engine.url.render_as_string(hide_password=False))
        command.upgrade(cfg, revision)
        with engine.begin() as conn:
            fill_rows(conn, runs=runs, metrics_per_run=metrics_per_run)
    finally:
        engine.dispose()


def fill_rows(conn: sqlalchemy.Connection, *, runs: int, metrics_per_run: int) -> None:
    # `key` and `value` are reserved words in MySQL/MariaDB: quote them the dialect's way.
    k, v = (conn.dialect.identifier_preparer.quote_identifier(n) for n in ("key", "value"))
    conn.exec_driver_sql(
        "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, "
        "last_update_time) VALUES (1, 'exp-one', '/tmp/a', 'active', 1, 1)"
    )
    conn.exec_driver_sql(
        f"INSERT INTO experiment_tags ({k}, {v}, experiment_id) VALUES ('team', 'x', 1)"
    )
    for r in range(runs):
        rid = f"run{r:029d}"
        conn.exec_driver_sql(
            "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, "
            "start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time) "
            f"VALUES ('{rid}', 'r{r}', 'LOCAL', 's', 'main', 'alice', 'FINISHED', 1, 2, 'v', 'active', "
            "'/tmp/a', 1, NULL)"
        )
        conn.exec_driver_sql(f"INSERT INTO params ({k}, {v}, run_uuid) VALUES ('lr', '0.{r}', '{rid}')")
        conn.exec_driver_sql(f"INSERT INTO tags ({k}, {v}, run_uuid) VALUES ('mlflow.user', 'alice', '{rid}')")
        rows = ", ".join(
            f"('loss', {i * 0.5 + r}, {1000 + i}, '{rid}', {i}, false)" for i in range(metrics_per_run)
        )
        conn.exec_driver_sql(f"INSERT INTO metrics ({k}, {v}, timestamp, run_uuid, step, is_nan) VALUES {rows}")
        last = metrics_per_run - 1
        conn.exec_driver_sql(
            f"INSERT INTO latest_metrics ({k}, {v}, timestamp, step, is_nan, run_uuid) "
            f"VALUES ('loss', {last * 0.5 + r}, {1000 + last}, {last}, false, '{rid}')"
        )
    conn.exec_driver_sql(
        "INSERT INTO registered_models (name, creation_time, last_updated_time, description) "
        "VALUES ('model-a', 1, 1, 'd')"
    )
    conn.exec_driver_sql(
        "INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, "
        "current_stage, source, run_id, status, status_message, run_link) "
        "VALUES ('model-a', 1, 1, 1, 'd', 'alice', 'None', '/tmp/a', 'run00000000000000000000000000000', "
        "'READY', NULL, NULL)"
    )


def table_counts(uri: str, tables: tuple[str, ...] = ("experiments", "runs", "metrics", "params", "tags",
                                                    "latest_metrics", "model_versions")) -> dict[str, int]:
    engine = sqlalchemy.create_engine(uri, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            return {t: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar_one() for t in tables}
    finally:
        engine.dispose()


def current_revision(uri: str, table: str = "alembic_version") -> str | None:
    engine = sqlalchemy.create_engine(uri, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(f"SELECT version_num FROM {table}").all()
            return rows[0][0] if rows else None
    finally:
        engine.dispose()
