"""``LOAD DATA LOCAL INFILE`` from a stream, with a PyMySQL connection that sends nothing but that stream.

With LOCAL INFILE enabled, PyMySQL answers a server's "send me file X" by opening X, whatever X is and
whatever statement the client sent: a hostile (or compromised) server could read any file this process can.
:class:`StreamingConnection` advertises the capability but never opens a file. Before its own ``LOAD DATA``
the writer arms it with the made-up name the statement gives and the bytes to send; a request for that exact
name gets those bytes, once. Any other request (another name, a second request, a request while nothing is
armed) gets an empty answer (nothing is read or sent) and fails the statement.

PyMySQL handles the request in ``MySQLResult._read_load_local_packet``: :class:`_GuardedResult` replaces it
(the module's ``_send_local_file``, which opens the file, is never called).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from pymysql import err
from pymysql.connections import Connection, MySQLResult
from pymysql.constants import CLIENT, CR, ER
from pymysql.protocol import LoadLocalPacketWrapper

_PACKET_BYTES = 1 << 20  # data packets of ~1 MB (the protocol's limit is 16 MB)
_bulk = threading.local()  # set while bulk_connection() opens a connection (see streaming_connects)


class StreamingConnection(Connection):
    """A PyMySQL connection that can stream ``LOAD DATA LOCAL INFILE`` data it was given, and nothing else."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["local_infile"] = False  # PyMySQL's own file sending stays off
        kwargs["client_flag"] = kwargs.get("client_flag", 0) | CLIENT.LOCAL_FILES
        self._armed: tuple[str, Iterable[bytes]] | None = None
        super().__init__(*args, **kwargs)

    @contextmanager
    def offering(self, data: Iterable[bytes]) -> Iterator[str]:
        """Offer ``data`` to the next request for the yielded name (use it in the ``LOAD DATA`` statement)."""
        name = f"mlflow-upgrade-stream-{secrets.token_hex(12)}"
        self._armed = (name, data)
        try:
            yield name
        finally:
            self._armed = None

    def take_offer(self, name: str) -> Iterable[bytes] | None:
        """The data armed for ``name`` (once), or None: not ours to give."""
        armed, self._armed = self._armed, None
        if armed is None or not secrets.compare_digest(armed[0].encode(), name.encode()):
            return None
        return armed[1]

    def _read_query_result(self, unbuffered: bool = False) -> int:  # PyMySQL's, with our result class
        self._result = None
        result = _GuardedResult(self)
        if unbuffered:
            result.init_unbuffered_query()
        else:
            result.read()
        self._result = result
        if result.server_status is not None:
            self.server_status = result.server_status
        return result.affected_rows


class _GuardedResult(MySQLResult):
    def _read_load_local_packet(self, first_packet: Any) -> None:
        conn: StreamingConnection = self.connection
        name = LoadLocalPacketWrapper(first_packet).filename
        name = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
        data = conn.take_offer(name)
        try:
            if data is not None:
                _send(conn, data)
        finally:
            conn.write_packet(b"")  # the end of the data (all of it, or none for a refused request)
            answer = conn._read_packet()  # raises the server's error, if it sent one
        if data is None:
            raise err.OperationalError(
                ER.FILE_NOT_FOUND, f"the server asked for local file {name[:200]!r}, which this client did not "
                "offer: refused, nothing was sent"
            )
        if not answer.is_ok_packet():
            raise err.OperationalError(CR.CR_COMMANDS_OUT_OF_SYNC, "Commands Out of Sync")
        self._read_ok_packet(answer)


def _send(conn: Connection, data: Iterable[bytes]) -> None:
    """``data`` in packets of about ``_PACKET_BYTES`` (small pieces joined, large ones cut)."""
    pending: list[bytes] = []
    size = 0
    for piece in data:
        if not piece:  # an empty packet would end the data early
            continue
        pending.append(piece)
        size += len(piece)
        if size >= _PACKET_BYTES:
            block = b"".join(pending)
            for i in range(0, len(block), _PACKET_BYTES):
                conn.write_packet(block[i:i + _PACKET_BYTES])
            pending, size = [], 0
    if size:
        conn.write_packet(b"".join(pending))


def connect_hook(dialect: Any, conn_rec: Any, cargs: Any, cparams: Any) -> Connection | None:
    """SQLAlchemy ``do_connect`` listener: a :class:`StreamingConnection` while :func:`streaming_connects`
    is active in this thread, else the default connection."""
    if getattr(_bulk, "active", False):
        return StreamingConnection(*cargs, **cparams)
    return None


@contextmanager
def streaming_connects() -> Iterator[None]:
    _bulk.active = True
    try:
        yield
    finally:
        _bulk.active = False
