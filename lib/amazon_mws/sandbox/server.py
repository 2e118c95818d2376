"""HTTP plumbing: a threading server that turns each request into a `Request` for the sandbox.

Parameters come from the query string and, for form posts, the body (MWS took both); any other body
(SubmitFeed's feed) is passed through untouched. HTTP/1.1 keep-alive is supported, and `close_all`
drops open connections on stop so a stopped sandbox really stops answering.
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
from urllib.parse import parse_qsl, urlsplit

from amazon_mws.sandbox.hostile import write_body
from amazon_mws.sandbox.wire import Request

MAX_BODY = 64 * 1024 * 1024
log = logging.getLogger("amazon_mws.sandbox")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, sandbox: Any, address: tuple[str, int]) -> None:
        self.sandbox = sandbox
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (timeouts, injected cuts) is normal here; anything else is logged."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        log.exception("sandbox: error while serving %s", client_address)

    def close_all(self) -> None:
        self.server_close()
        with self.connections_lock:
            conns = list(self.connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Server"  # what Amazon's front end called itself
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this
    wbufsize = 64 * 1024  # headers and body leave in one write (no Nagle / delayed-ACK stalls)
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the sandbox logs requests itself
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET  # noqa: N815

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        body = self._read_body()
        split = urlsplit(self.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        content_type = (self.headers.get("Content-Type") or "").lower()
        if content_type.startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
            body = b""
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        req = Request(
            self.command,
            split.path or "/",
            host,
            {k.lower(): v for k, v in self.headers.items()},
            params,
            body,
        )
        reply = self.server.sandbox.handle(req)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.cut:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            write_body(self, reply.body)  # plain bytes, or a hostile fault's streamed body


def make_server(sandbox: Any, host: str, port: int) -> _Server:
    return _Server(sandbox, (host, port))
