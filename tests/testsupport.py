"""Paths and probes shared by tests and their conftest files.

A module with a name of its own: test files import it by name, which `from conftest import ...` cannot do
reliably once several folders have a conftest.py.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_AMAZON = (REPO_ROOT / ".." / "shared" / "amazon").resolve()
FIXTURE_COMPONENT = REPO_ROOT / "tests" / "fixtures" / "component"
AMAZON_MWS_BIN = Path(sys.executable).parent / "amazon-mws"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def redis_answers(host: str = REDIS_HOST, port: int = REDIS_PORT) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    """A threading HTTP server for `handler` on a free loopback port, serving in the background until the
    block ends (for tests whose server answers from a script)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
