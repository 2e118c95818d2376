"""HTTP plumbing: a threading server that turns each request into a `Request` for the sandbox.

Parameters come from the query string and, for form posts, the body (MWS took both); any other body
(SubmitFeed's feed) is passed through untouched. HTTP/1.1 keep-alive is supported, and `close_all`
drops open connections on stop so a stopped sandbox really stops answering.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from amazon_mws.httpserver import TrackingHandler, TrackingServer
from amazon_mws.sandbox.hostile import write_body
from amazon_mws.sandbox.wire import Request

MAX_BODY = 64 * 1024 * 1024
log = logging.getLogger("amazon_mws.sandbox")


class _Server(TrackingServer):
    request_queue_size = 256
    log = log

    def __init__(self, sandbox: Any, address: tuple[str, int]) -> None:
        self.sandbox = sandbox
        super().__init__(address, _Handler)


class _Handler(TrackingHandler):
    server_version = "Server"  # what Amazon's front end called itself
    timeout = 120  # idle keep-alive connections are closed after this
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the sandbox logs requests itself
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET  # noqa: N815

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
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
        self.send_response_only(reply.status)  # one Date header: the sandbox clock's, when the reply has it
        self.send_header("Server", self.version_string())
        if "Date" not in reply.headers:
            self.send_header("Date", self.date_time_string())
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            write_body(self, reply.body)  # plain bytes, or a hostile fault's streamed body


def make_server(sandbox: Any, host: str, port: int) -> _Server:
    return _Server(sandbox, (host, port))
