"""The threading HTTP server under both the sandbox and `amazon-mws serve`.

Both need the same two things the stdlib server lacks: the open keep-alive connections are tracked, so
`close_all` really stops a server (a stopped sandbox must stop answering), and clients that hang up are
normal, not errors to log with a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class TrackingServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    log = logging.getLogger("amazon_mws.http")
    quiet_errors: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)  # a client that hung up

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], self.quiet_errors):
            self.log.debug("connection from %s dropped", client_address[0] if client_address else "?")
            return
        self.log.exception("error while serving %s", client_address)

    def close_all(self) -> None:
        self.server_close()
        with self.connections_lock:
            conns = list(self.connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class TrackingHandler(BaseHTTPRequestHandler):
    """Registers its connection with the server for `close_all`; `prepare_connection` is the hook for
    socket options or a TLS handshake."""

    protocol_version = "HTTP/1.1"
    sys_version = ""
    server: TrackingServer

    def prepare_connection(self) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.prepare_connection()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):  # the client may be gone (or its TLS session broken) already
            super().finish()
