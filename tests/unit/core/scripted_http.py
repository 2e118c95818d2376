"""A real HTTP server on 127.0.0.1 that answers from a script, for the call loop's tests.

Each path has its queue of replies (status and body, or a connection closed without a reply); a path with an
empty queue answers 200 `{}`. Every request is recorded (method, path with query, headers, body), so a
test can count what really went over the wire.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from testsupport import serving


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    cut: bool = False  # close the connection instead of answering


@dataclass
class Seen:
    method: str
    path: str  # with its query string
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    server: ThreadingHTTPServer | None = None
    replies: dict[str, list[Reply]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def push(self, path: str, *replies: Reply) -> None:
        with self.lock:
            self.replies.setdefault(path, []).extend(replies)

    def next_reply(self, path: str) -> Reply:
        with self.lock:
            queue = self.replies.get(path)
            return queue.pop(0) if queue else Reply()

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if urlsplit(s.path).path == path]


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            script.seen.append(Seen(self.command, self.path, dict(self.headers.items()), body))
            reply = script.next_reply(urlsplit(self.path).path)
            if reply.cut:  # hang up before the status line
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_PUT = do_POST = _answer  # noqa: N815 (http.server's naming)

    return Handler


def scripted_server() -> Iterator[Script]:
    script = Script()
    with serving(_handler(script)) as server:
        script.server = server
        yield script
