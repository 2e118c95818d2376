"""HTTP plumbing for `amazon-mws serve`: a threading server that turns each request into a `Request`, asks
the app for a `Response` and writes it as JSON. Optional TLS via the ssl module.

Why stdlib http.server and no framework: the service has seven routes, JSON in and out, and the sandbox
already runs on the same server class; a framework would add a dependency and hide nothing hard. TLS
handshakes happen in the request's thread (not in the accept loop), so a client that never finishes
its handshake cannot stall everyone else.
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from amazon_mws.httpserver import TrackingHandler, TrackingServer

MAX_BODY = 1024 * 1024  # forms and hub messages are small; a larger body is refused before it is read
MAX_CONNECTIONS = 256  # open at once; the next is answered 503 before a thread is spent on it
REQUEST_READ_SECONDS = 30.0  # to deliver a whole request, or to start the next one on a kept-alive connection
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


class _Server(TrackingServer):
    request_queue_size = 128
    log = log
    # clients that hang up or fail the TLS handshake are normal on the internet
    quiet_errors = (ConnectionError, TimeoutError, ssl.SSLError)

    def __init__(
        self,
        handle: Callable[[Request], Response],
        address: tuple[str, int],
        *,
        max_connections: int,
        request_read_seconds: float,
    ) -> None:
        self.handle_request_fn = handle
        super().__init__(address, _Handler, max_connections=max_connections, request_read_seconds=request_read_seconds)


class _Handler(TrackingHandler):
    server_version = "amazon-mws-serve"
    timeout = 60  # a socket read that waits this long fails (the request deadline usually comes first)
    server: _Server

    def version_string(self) -> str:
        return self.server_version

    def prepare_connection(self) -> None:
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

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
        self.request_read()
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
    max_connections: int = MAX_CONNECTIONS,
    request_read_seconds: float = REQUEST_READ_SECONDS,
) -> _Server:
    server = _Server(handle, (host, port), max_connections=max_connections, request_read_seconds=request_read_seconds)
    if certfile:
        context = tls_context(certfile, keyfile)
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    return server
