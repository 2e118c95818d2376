"""The threading HTTP server under both the sandbox and `amazon-mws serve`.

What both need that the stdlib server lacks:
- the open connections are tracked, so `close_all` really stops a server (a stopped sandbox must stop
  answering), and clients that hang up are normal, not errors to log with a traceback;
- a reply leaves in one write with Nagle off: headers and body in two small segments on a kept-alive
  connection otherwise wait for the client's delayed ACK (about 40 ms a request);
- limits a public service needs: at most `max_connections` at once (the next one is answered 503 and closed
  before a thread is spent on it), and `request_read_seconds` to deliver a whole request (line, headers and
  body, or the wait for the next request on a kept-alive connection): a client that drips its upload one byte
  at a time is cut off, however short each pause. The sandbox, a test tool, sets neither.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_BUSY_BODY = b'{"error": "busy", "message": "too many open connections; retry in a second"}'
BUSY_REPLY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n%s" % (len(_BUSY_BODY), _BUSY_BODY)
)
REAP_INTERVAL = 0.25  # seconds between looks for requests past their read deadline


class TrackingServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    log = logging.getLogger("amazon_mws.http")
    quiet_errors: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)  # a client that hung up

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        max_connections: int | None = None,
        request_read_seconds: float | None = None,
    ) -> None:
        self.max_connections = max_connections
        self.request_read_seconds = request_read_seconds
        # connection -> the monotonic time by which the request it is reading must be in (None: not reading)
        self.connections: dict[socket.socket, float | None] = {}
        self.connections_lock = threading.Lock()
        self._closed = threading.Event()
        self._refused, self._refused_logged = 0, 0.0
        super().__init__(address, handler)
        if self.request_read_seconds is not None:
            threading.Thread(target=self._reap, name="http-read-deadlines", daemon=True).start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], self.quiet_errors):
            self.log.debug("connection from %s dropped", client_address[0] if client_address else "?")
            return
        self.log.exception("error while serving %s", client_address)

    # -- the connection set, kept by the accept loop (so a burst is counted before its threads start) --

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            busy = self.max_connections is not None and len(self.connections) >= self.max_connections
            if not busy:
                self.connections[request] = self._deadline()
        if busy:
            self._refused += 1
            if time.monotonic() - self._refused_logged > 1.0:  # a flood logs once a second, not once a socket
                self.log.warning("%d connections refused: %d open (the cap)", self._refused, self.max_connections)
                self._refused, self._refused_logged = 0, time.monotonic()
            with contextlib.suppress(OSError):
                request.sendall(BUSY_REPLY)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.pop(request, None)
        super().shutdown_request(request)

    def reading(self, conn: socket.socket, active: bool) -> None:
        """A handler starts (True) or has finished (False) reading a request on `conn`."""
        with self.connections_lock:
            if conn in self.connections:
                self.connections[conn] = self._deadline() if active else None

    def _deadline(self) -> float | None:
        return None if self.request_read_seconds is None else time.monotonic() + self.request_read_seconds

    def _reap(self) -> None:
        while not self._closed.wait(REAP_INTERVAL):
            now = time.monotonic()
            with self.connections_lock:
                late = [c for c, deadline in self.connections.items() if deadline is not None and deadline < now]
            for conn in late:
                self.log.info("closing a connection that took over %.0f s to send its request",
                              self.request_read_seconds)
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)

    def close_all(self) -> None:
        self._closed.set()
        self.server_close()
        with self.connections_lock:
            conns = list(self.connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class TrackingHandler(BaseHTTPRequestHandler):
    """`prepare_connection` is the hook for a TLS handshake; a handler calls `request_read()` once it has the
    whole request (body included), which stops its read deadline while the reply is made."""

    protocol_version = "HTTP/1.1"
    sys_version = ""
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # status line, headers and body leave in one write
    server: TrackingServer

    def prepare_connection(self) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.prepare_connection()

    def handle_one_request(self) -> None:
        self.server.reading(self.connection, True)
        super().handle_one_request()

    def request_read(self) -> None:
        self.server.reading(self.connection, False)

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # the client may be gone (or its TLS session broken) already
            super().finish()
