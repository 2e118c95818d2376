"""HTTP plumbing for `amazon-mws serve`: a threading server that turns each request into a `Request`, asks
the app for a `Response` and writes it as JSON. Optional TLS via the ssl module.

Why stdlib http.server and no framework: the service has seven routes, JSON in and out, and the sandbox
already runs on the same server class; a framework would add a dependency and hide nothing hard. TLS
handshakes happen in the request's thread (not in the accept loop), so a client that never finishes
its handshake cannot stall everyone else.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 1024 * 1024  # forms and hub messages are small; a larger body is refused before it is read
log = logging.getLogger("amazon_mws.serve")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-able; None sends an empty body
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, handle: Callable[[Request], Response], address: tuple[str, int]) -> None:
        self.handle_request_fn = handle
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up or fail the TLS handshake are normal on the internet; log the rest."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ssl.SSLError)):
            log.debug("serve: connection from %s dropped", client_address[0] if client_address else "?")
            return
        log.exception("serve: error while serving a request")

    def close_all(self) -> None:
        self.server_close()
        with self.connections_lock:
            conns = list(self.connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "amazon-mws-serve"
    sys_version = ""
    timeout = 60  # idle keep-alive connections (and stalled handshakes) are closed after this
    server: _Server

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError, ssl.SSLError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        log.debug("serve: " + format, *args)

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        # one line per request, without the query string (ids and dates only, but nobody needs them here)
        log.info("%s %s -> %s", self.command, urlsplit(self.path).path, code)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET  # noqa: N815

    def _send(self, response: Response) -> None:
        payload = b"" if response.body is None else json.dumps(response.body, ensure_ascii=False).encode()
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _serve(self) -> None:
        length_header = self.headers.get("Content-Length") or "0"
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            self._send(Response(411, {"error": "length_required", "message": "send a Content-Length"}))
            return
        try:
            length = int(length_header)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            self._send(Response(413 if length > MAX_BODY else 400, {
                "error": "bad_request",
                "message": f"Content-Length: must be a whole number of at most {MAX_BODY} bytes",
            }))
            return
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        request = Request(
            self.command,
            split.path or "/",
            parse_qs(split.query, keep_blank_values=True),
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        try:
            response = self.server.handle_request_fn(request)
        except Exception:
            log.exception("serve: %s %s failed", self.command, split.path)
            response = Response(500, {"error": "internal_error", "message": "the server failed; see its log"})
        self._send(response)


def tls_context(certfile: str, keyfile: str | None) -> ssl.SSLContext:
    """A server context with TLS 1.2 as the floor and Python's default (modern) ciphers."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    return context


def make_server(
    handle: Callable[[Request], Response],
    host: str,
    port: int,
    *,
    certfile: str | None = None,
    keyfile: str | None = None,
) -> _Server:
    server = _Server(handle, (host, port))
    if certfile:
        context = tls_context(certfile, keyfile)
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    return server
