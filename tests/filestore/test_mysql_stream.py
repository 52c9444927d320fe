"""MariaDB/MySQL bulk load: LOAD DATA LOCAL from our own stream only (a hostile server asking for any other file
gets nothing), exact round trip of escaped text, refused duplicates, and foreign keys checked once at the end."""

from __future__ import annotations

import socket
import struct
import threading
from pathlib import Path

import pymysql
import pytest
import sqlalchemy as sa

from mlflow_upgrade import errors
from mlflow_upgrade.dialects import get_dialect
from mlflow_upgrade.dialects.mysql_local import StreamingConnection
from mlflow_upgrade.filestore import encode, indexes
from mlflow_upgrade.filestore.loader import BulkWriter
from mlflow_upgrade.filestore.migrate import migrate_filestore
from mlflow_upgrade.filestore.reader import Series

RUN = "0123456789abcdef0123456789abcdef"
_OK = b"\x00\x00\x00\x02\x00\x00\x00"
_LOCAL_FILES = 128


# -- a fake server that answers one query with "send me this local file" ---------------------------------------
class _HostileServer(threading.Thread):
    """Speaks just enough of the MySQL protocol for PyMySQL to log in; answers every query with OK, except a query
    containing ``trigger``, answered with a LOCAL INFILE request for ``asked_for``; records what the client sends
    back for it."""

    def __init__(self, asked_for: str | None, trigger: bytes = b"steal") -> None:
        super().__init__(daemon=True)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.asked_for = asked_for
        self.trigger = trigger
        self.received: list[bytes] = []  # the data packets sent for the request (the last one empty)
        self.local_infile = b"1"  # what SELECT @@GLOBAL.local_infile answers
        self.start()

    def run(self) -> None:
        sock, _ = self.listener.accept()
        with sock:
            caps = 0x1 | 0x200 | 0x8000 | _LOCAL_FILES  # LONG_PASSWORD, PROTOCOL_41, SECURE_CONNECTION, LOCAL_FILES
            greeting = (b"\x0a" + b"5.5.5-10.11.0-MariaDB-fake\0" + struct.pack("<I", 1) + b"abcdefgh\0"
                        + struct.pack("<H", caps & 0xFFFF) + bytes([45]) + struct.pack("<HH", 2, caps >> 16)
                        + bytes([21]) + b"\0" * 10 + b"ijklmnopqrst\0")
            _send(sock, 0, greeting)
            _recv(sock)  # the login
            _send(sock, 2, _OK)
            while True:
                got = _recv(sock)
                if got is None:
                    return
                _, payload = got
                if payload[:1] == b"\x01":  # COM_QUIT
                    return
                if b"@@GLOBAL.local_infile" in payload:
                    _result(sock, self.local_infile)
                elif self.trigger in payload and self.asked_for is not None:
                    _send(sock, 1, b"\xfb" + self.asked_for.encode())
                    seq = 2
                    while True:
                        got = _recv(sock)
                        if got is None:
                            return
                        self.received.append(got[1])
                        seq = got[0] + 1
                        if not got[1]:
                            break
                    _send(sock, seq, _OK)
                else:
                    _send(sock, 1, _OK)


def _result(sock: socket.socket, value: bytes) -> None:
    """A one-column, one-row result set (column count, definition, EOF, row, EOF)."""
    column = b"".join(bytes([len(x)]) + x for x in (b"def", b"", b"", b"", b"v", b"")) + \
        b"\x0c" + struct.pack("<HIBHB", 63, 1, 8, 0, 0) + b"\0\0"
    eof = b"\xfe\x00\x00\x02\x00"
    for seq, payload in enumerate((b"\x01", column, eof, bytes([len(value)]) + value, eof), start=1):
        _send(sock, seq, payload)


def _send(sock: socket.socket, seq: int, payload: bytes) -> None:
    sock.sendall(len(payload).to_bytes(3, "little") + bytes([seq & 0xFF]) + payload)


def _recv(sock: socket.socket) -> tuple[int, bytes] | None:
    head = _exact(sock, 4)
    if head is None:
        return None
    return head[3], _exact(sock, int.from_bytes(head[:3], "little")) or b""


def _exact(sock: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("the password is hunter2\n")
    return path


def _connect(server: _HostileServer) -> StreamingConnection:
    return StreamingConnection(host="127.0.0.1", port=server.port, user="root", password="", connect_timeout=5)


def test_a_server_asking_for_a_file_unprompted_gets_nothing(secret: Path) -> None:
    server = _HostileServer(str(secret))
    conn = _connect(server)
    with pytest.raises(pymysql.err.OperationalError, match="did not offer"), conn.cursor() as cur:
        cur.execute("SELECT 'steal'")
    conn.close()
    server.join(5)
    assert server.received == [b""]  # the empty end-of-data packet: not a byte of the file


def test_a_server_asking_for_another_file_than_the_offered_stream_gets_nothing(secret: Path) -> None:
    server = _HostileServer(str(secret))
    conn = _connect(server)
    with conn.offering([b"our rows\n"]) as name, pytest.raises(pymysql.err.OperationalError, match="did not offer"), \
            conn.cursor() as cur:
        cur.execute(f"LOAD DATA LOCAL INFILE '{name}' INTO TABLE t -- steal")
    conn.close()
    server.join(5)
    assert server.received == [b""]


def test_the_offered_stream_goes_to_a_request_for_its_name_once() -> None:
    server = _HostileServer(None)
    conn = _connect(server)
    with conn.offering([b"a\t1\n", b"", b"b\t2\n"]) as name:
        server.asked_for = name
        with conn.cursor() as cur:
            cur.execute(f"LOAD DATA LOCAL INFILE '{name}' INTO TABLE t -- steal")
            assert b"".join(server.received) == b"a\t1\nb\t2\n" and server.received[-1] == b""
            server.received.clear()
            with pytest.raises(pymysql.err.OperationalError, match="did not offer"):  # asked again: refused
                cur.execute("SELECT 'steal'")
    conn.close()
    server.join(5)
    assert server.received == [b""]


def test_plain_pymysql_with_local_infile_would_send_the_file(secret: Path) -> None:
    """Why the guard exists: the driver's own LOCAL INFILE support sends whatever file the server names."""
    server = _HostileServer(str(secret))
    conn = pymysql.connect(host="127.0.0.1", port=server.port, user="root", password="", local_infile=True)
    with conn.cursor() as cur:
        cur.execute("SELECT 'steal'")
    conn.close()
    server.join(5)
    assert b"hunter2" in b"".join(server.received)


class _Raw:
    """What metric_format is given: SQLAlchemy's proxy of a DBAPI connection (here, to the fake server)."""

    def __init__(self, conn: StreamingConnection) -> None:
        self.dbapi_connection = conn
        self.cursor = conn.cursor


@pytest.mark.parametrize(("allowed", "fmt"), [(b"1", "tsv"), (b"0", "values")])
def test_load_data_only_where_the_server_allows_it(allowed: bytes, fmt: str) -> None:
    server = _HostileServer(None)
    server.local_infile = allowed
    conn = _connect(server)
    try:
        assert get_dialect("mysql").metric_format("pymysql", _Raw(conn)) == fmt
    finally:
        conn.close()
    server.join(5)


# -- the real server ---------------------------------------------------------------------------------------------
def _metrics_table(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE metrics (`key` VARCHAR(250) NOT NULL, value DOUBLE NOT NULL, `timestamp` BIGINT NOT NULL, "
            "step BIGINT NOT NULL, is_nan TINYINT(1) NOT NULL, run_uuid VARCHAR(32) NOT NULL, "
            "PRIMARY KEY (`key`, `timestamp`, step, run_uuid, value, is_nan))"
        )


def test_stream_round_trips_every_escaped_character(mysql_uri: str) -> None:
    engine = sa.create_engine(mysql_uri, poolclass=sa.pool.NullPool)
    _metrics_table(engine)
    keys = ["nul\x00byte", "tab\there", "cr\rlf\n", "back\\slash", "\\N", "quote'd \"x\"", "ünï/cødé", "ctrl\x1az"]
    series = [Series(k, [0.1, -1.7976931348623157e308, 5e-324], [1, 2, 3], [0, 1, 2], [False, True, False])
              for k in keys]
    writer = BulkWriter(engine)
    try:
        assert writer.metric_format == "tsv"
        writer.add_encoded("metrics", encode.encode("tsv", RUN, series), 3 * len(keys))
        writer.commit()
    finally:
        writer.close()
    with engine.connect() as conn:
        got = {tuple(r) for r in conn.exec_driver_sql(
            "SELECT `key`, value, `timestamp`, step, is_nan, run_uuid FROM metrics")}
    engine.dispose()
    assert got == {(r[0], r[1], r[2], r[3], int(r[4]), r[5]) for s in series for r in s.rows(RUN)}


def test_a_duplicate_the_server_would_skip_is_refused(mysql_uri: str) -> None:
    """With LOCAL the server only warns about a duplicate key and goes on: the writer refuses it instead.
    ("Loss" and "loss" are one key under MariaDB's default case-insensitive collation.)"""
    engine = sa.create_engine(mysql_uri, poolclass=sa.pool.NullPool)
    _metrics_table(engine)
    series = [Series("Loss", [0.5], [1], [0], None), Series("loss", [0.5], [1], [0], None)]
    writer = BulkWriter(engine)
    try:
        writer.add_encoded("metrics", encode.encode("tsv", RUN, series), 2)
        with pytest.raises(errors.OperationFailed, match="stored 1"):
            writer.commit()
        writer.rollback()
    finally:
        writer.close()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM metrics").scalar() == 0
    engine.dispose()


def test_without_a_streaming_connection_metrics_go_as_inserts(mysql_uri: str) -> None:
    engine = sa.create_engine(mysql_uri, poolclass=sa.pool.NullPool)
    raw = engine.raw_connection()  # a plain PyMySQL connection: LOCAL INFILE off
    try:
        assert not isinstance(raw.dbapi_connection, StreamingConnection)
        assert get_dialect("mysql").metric_format("pymysql", raw) == "values"
    finally:
        raw.close()
        engine.dispose()


def test_bulk_session_leaves_other_connections_plain(mysql_uri: str) -> None:
    engine = sa.create_engine(mysql_uri, poolclass=sa.pool.NullPool)
    writer = BulkWriter(engine)
    try:
        assert isinstance(writer.raw.dbapi_connection, StreamingConnection)
        with engine.connect() as conn:
            assert not isinstance(conn.connection.dbapi_connection, StreamingConnection)
    finally:
        writer.close()
        engine.dispose()


def _small_store(root: Path) -> Path:
    mlruns = root / "mlruns"
    exp = mlruns / "0"
    (exp / "r1" / "metrics").mkdir(parents=True)
    (exp / "meta.yaml").write_text(f"artifact_location: file://{exp}\nexperiment_id: '0'\nlifecycle_stage: active\n"
                                   "name: Default\n")
    (exp / "r1" / "meta.yaml").write_text(
        f"artifact_uri: file://{exp}/r1/artifacts\nend_time: 2\nentry_point_name: ''\nexperiment_id: '0'\n"
        "lifecycle_stage: active\nrun_id: r1\nrun_name: one\nsource_name: ''\nsource_type: 4\nsource_version: ''\n"
        "start_time: 1\nstatus: 3\ntags: []\nuser_id: me\n")
    (exp / "r1" / "metrics" / "loss").write_text("1 0.5 0\n2 0.25 1\n")
    return mlruns


def test_a_row_pointing_nowhere_stops_the_final_step(mysql_uri: str, tmp_path: Path) -> None:
    """The load runs with foreign-key checks off; the final step checks every foreign key once."""
    migrate_filestore(_small_store(tmp_path), mysql_uri)
    engine = sa.create_engine(mysql_uri, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        assert get_dialect("mysql").dangling_references(conn, ["metrics"]) == []
        conn.exec_driver_sql("SET SESSION foreign_key_checks = 0")
        conn.exec_driver_sql("INSERT INTO metrics (`key`, value, `timestamp`, step, is_nan, run_uuid) "
                             "VALUES ('loss', 1, 1, 0, 0, 'nosuchrun')")
        conn.exec_driver_sql("SET SESSION foreign_key_checks = 1")
    with pytest.raises(errors.OperationFailed, match=r"metrics\(run_uuid\) missing from runs"):
        indexes.restore(engine)
    engine.dispose()


def test_the_reference_check_refreshes_stale_statistics_first(mysql_uri: str, tmp_path: Path) -> None:
    """InnoDB's statistics still describe the tables as the load found them (empty): the check refreshes them,
    or it reads each foreign key's index whole instead of jumping from one distinct value to the next."""
    migrate_filestore(_small_store(tmp_path), mysql_uri)
    engine = sa.create_engine(mysql_uri, poolclass=sa.pool.NullPool)
    stats = ("SELECT n_rows FROM mysql.innodb_table_stats WHERE database_name = DATABASE() "
             "AND table_name = 'metrics'")
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE metrics STATS_AUTO_RECALC = 0")  # no background refresh in between
        conn.exec_driver_sql("ANALYZE TABLE metrics").all()
        before = conn.exec_driver_sql(stats).scalar()
        conn.exec_driver_sql(
            "INSERT INTO metrics (`key`, value, `timestamp`, step, is_nan, run_uuid) "
            "SELECT 'loss', 1, seq, seq, 0, 'r1' FROM seq_1_to_5000" if get_dialect("mysql").server_info(conn)[0] else
            "INSERT INTO metrics (`key`, value, `timestamp`, step, is_nan, run_uuid) WITH RECURSIVE s(n) AS "
            "(SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000) SELECT 'loss', 1, n, n, 0, 'r1' FROM s")
    with engine.begin() as conn:
        assert conn.exec_driver_sql(stats).scalar() == before  # stale: 2 rows
        assert get_dialect("mysql").dangling_references(conn, ["metrics"]) == []
    with engine.connect() as conn:
        assert conn.exec_driver_sql(stats).scalar() > 4000  # sampled, so about 5 002
    engine.dispose()
