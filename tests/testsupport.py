"""Paths and probes shared by tests and their conftest files.

A module with a name of its own: test files import it by name, which `from conftest import ...` cannot do
reliably once several folders have a conftest.py.
"""

from __future__ import annotations

import socket
import sys
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
