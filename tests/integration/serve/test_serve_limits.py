"""`amazon-mws serve` under hostile clients: bounded connections, bounded time to send a request, and
kept-alive connections that answer like new ones (raw sockets on loopback, the real service)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from amazon_mws.sandbox import Sandbox
from amazon_mws.serve import Service

from .serve_support import TOKEN, server_config


@pytest.fixture
def sandbox():
    sb = Sandbox(orders=0, seed=5)
    sb.start()
    yield sb
    sb.stop()


def _connect(service: Service) -> socket.socket:
    return socket.create_connection(("127.0.0.1", service.port), timeout=10)


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _get(path: str, *, keep_alive: bool = True) -> bytes:
    connection = "keep-alive" if keep_alive else "close"
    return (f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Connection: {connection}\r\n\r\n").encode()


def test_connections_past_the_cap_are_answered_503_and_the_service_recovers(sandbox: Sandbox) -> None:
    service = Service(server_config(sandbox), max_connections=5).start()
    try:
        idle = [_connect(service) for _ in range(5)]
        time.sleep(0.3)  # the accept loop has registered all five
        threads_before = threading.active_count()
        refused = _connect(service)
        reply = _read_all(refused)
        assert reply.startswith(b"HTTP/1.1 503 "), reply[:80]
        assert b"Retry-After: 1" in reply and b"too many open connections" in reply
        assert threading.active_count() == threads_before  # no thread was spent on the refused one
        for sock in idle:
            sock.close()
        time.sleep(0.3)
        with _connect(service) as sock:
            sock.sendall(_get("/openapi.json", keep_alive=False))
            assert _read_all(sock).startswith(b"HTTP/1.1 200 ")
    finally:
        service.stop()


def test_a_client_that_drips_its_upload_is_cut_off_at_the_read_deadline(sandbox: Sandbox) -> None:
    service = Service(server_config(sandbox), request_read_seconds=1.0).start()
    try:
        with _connect(service) as sock:
            sock.sendall(b"POST /order/acknowledgement HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")
            started, sent, closed = time.monotonic(), 0, False
            while time.monotonic() - started < 15:  # the drip would take 40 s to finish
                try:
                    sock.sendall(b"a")
                    sent += 1
                    if sock.recv(1, socket.MSG_DONTWAIT) == b"":
                        closed = True
                        break
                except BlockingIOError:
                    pass
                except OSError:
                    closed = True
                    break
                time.sleep(0.2)
            assert closed, f"still open after {sent} dripped bytes"
            assert sent < 200
            assert time.monotonic() - started < 5
    finally:
        service.stop()


def test_an_idle_kept_alive_connection_is_closed_at_the_read_deadline(sandbox: Sandbox) -> None:
    service = Service(server_config(sandbox), request_read_seconds=1.0).start()
    try:
        with _connect(service) as sock:
            sock.sendall(_get("/openapi.json"))
            first = sock.recv(65536)
            assert first.startswith(b"HTTP/1.1 200 ")
            while b"\r\n\r\n" not in first:
                first += sock.recv(65536)
            started = time.monotonic()
            rest = _read_all(sock)  # drains the body, then sees the close
            assert time.monotonic() - started < 5
            assert b"HTTP/1.1" not in rest  # no second reply: the server hung up, nothing else
    finally:
        service.stop()


def test_a_kept_alive_connection_serves_many_requests_each_in_one_write(sandbox: Sandbox) -> None:
    """Headers and body leave together (Nagle off, one buffered write): a small reply arrives whole in the
    first recv, which is what keeps a kept-alive client from waiting on a delayed ACK."""
    service = Service(server_config(sandbox)).start()
    try:
        with _connect(service) as sock:
            for _ in range(20):
                sock.sendall(b"GET /nowhere HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
                             + b"\r\n\r\n")
                reply = sock.recv(65536)
                head, _, body = reply.partition(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                assert head.startswith(b"HTTP/1.1 404 ")
                assert len(body) == length
    finally:
        service.stop()
