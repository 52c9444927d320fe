"""The upgrade journal (``mlflow_upgrade_log``) and the detection of migrations made outside mlflow-upgrade."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from mlflow_upgrade import api
from mlflow_upgrade.store import journal
from tests.support.fixture_stores import copy_sqlite_fixture


def test_journal_round_trip_and_detection(empty_db_uri: str) -> None:
    engine = sa.create_engine(empty_db_uri, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        assert journal.last_entry(conn) is None
        assert journal.detect_outside_migration(conn, "abc") is None  # no journal: nothing to say
        assert not journal.has_journal(conn)  # reading never creates the table
        journal.ensure_journal(conn)
        journal.ensure_journal(conn)  # idempotent
        first = journal.record_start(conn, "97727af70f4d", "dc11669786a5")
        assert journal.last_entry(conn).status == journal.STATUS_RUNNING
        # while an upgrade runs, either end revision is plausible
        assert journal.detect_outside_migration(conn, "97727af70f4d") is None
        journal.record_finish(conn, first, journal.STATUS_OK)
    with engine.begin() as conn:
        entry = journal.last_entry(conn)
        assert (entry.id, entry.status, entry.to_revision) == (first, "ok", "dc11669786a5")
        assert entry.finished_at and entry.tool_version
        assert journal.detect_outside_migration(conn, "dc11669786a5") is None
        message = journal.detect_outside_migration(conn, "ffffffffffff")
        assert "from dc11669786a5 to ffffffffffff outside mlflow-upgrade" in message
        second = journal.record_start(conn, "dc11669786a5", "ffffffffffff")
        journal.record_finish(conn, second, journal.STATUS_RESTORED)
        assert journal.detect_outside_migration(conn, "dc11669786a5") is None  # restored: back at from_revision
        assert "outside mlflow-upgrade" in journal.detect_outside_migration(conn, "ffffffffffff")
        assert journal.last_entry(conn, finished_ok=True).id == first
    engine.dispose()


def test_verify_reports_a_store_migrated_outside(tmp_path: Path) -> None:
    uri = copy_sqlite_fixture("1.30.1", tmp_path)
    engine = sa.create_engine(uri, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:  # as the runner would: an upgrade that stopped at 1.30's head
        journal.record_finish(conn, journal.record_start(conn, None, "97727af70f4d"), journal.STATUS_OK)
    assert api.verify(uri, read_back=False).outside_migration is None

    with engine.begin() as conn:  # an MLflow client connected and migrated one step
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '3500859a5d39'")
    report = api.verify(uri, read_back=False)
    assert "97727af70f4d to 3500859a5d39 outside mlflow-upgrade" in report.outside_migration
    assert "mlflow_upgrade_log" not in report.expected_changes
    engine.dispose()
