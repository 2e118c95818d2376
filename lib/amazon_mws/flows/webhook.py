"""One webhook POST with a hard time limit on the whole attempt.

Why not ``requests`` with a timeout: its timeout is per socket operation, so a receiver that answers 200 and
then drips its body a byte a second (or drips its headers) holds the sending worker for as long as it
likes. Here a timer shuts the socket down when the limit is reached, wherever the exchange is (connect,
send, headers, body), and the attempt fails like any network error: it counts against the sink's retries.

Where it may connect is ``flows.egress``'s rule, checked on the name and on the connected socket (before TLS
or any byte of the request); redirects are not followed: the reply's ``Location`` goes back to the caller.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from amazon_mws.flows import egress


class DeliveryTimeout(OSError):
    """The receiver did not finish the exchange within the time limit."""


@dataclass(frozen=True)
class Reply:
    status: int
    retry_after: str | None
    location: str | None = None


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)  # given: http.client misreads a bare "::1"
    if parts.scheme == "https":
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context()), path
    return http.client.HTTPConnection(host, port, timeout=timeout), path


def _checked(create: Callable[..., socket.socket], host: str) -> Callable[..., socket.socket]:
    """``socket.create_connection`` that refuses a non-public peer before the socket is used."""

    def create_connection(*args: Any, **kwargs: Any) -> socket.socket:
        sock = create(*args, **kwargs)
        egress.check_peer(sock, host)
        return sock

    return create_connection


def post(url: str, data: bytes, headers: dict[str, str], limit: float, *,
         allow_private_network: bool = False) -> Reply:
    """POST ``data``; the reply's body is read (and dropped) so the receiver's whole answer is within
    ``limit`` seconds. Raises OSError (``DeliveryTimeout`` at the limit), ``http.client.HTTPException``, or
    ``egress.EgressRefused`` for a non-public address without ``allow_private_network``."""
    conn, path = _connection(url, limit)
    if not allow_private_network:
        # http.client makes its socket (HTTPS too, before TLS) through this attribute; typeshed omits it
        conn._create_connection = _checked(conn._create_connection, conn.host)  # type: ignore[attr-defined]
    cut = threading.Event()
    sockets: list[socket.socket] = []  # the connection's socket: http.client drops its own reference early

    def cut_off() -> None:
        cut.set()
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed: the exchange ended as the timer fired
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(limit, cut_off)
    timer.daemon = True
    timer.start()
    try:
        if not allow_private_network:
            egress.check_host(conn.host, conn.port)
        conn.connect()  # bounded by the socket timeout (= limit) even if the timer fires first
        sockets.append(conn.sock)
        if cut.is_set():
            raise OSError("connected too late")
        conn.request("POST", path, body=data, headers=headers)
        response = conn.getresponse()
        while response.read(65536):
            pass
        if cut.is_set():  # a read cut short ends like the end of the body: tell them apart here
            raise OSError("cut off")
        return Reply(response.status, response.getheader("Retry-After"), response.getheader("Location"))
    except (OSError, http.client.HTTPException) as exc:
        if cut.is_set():
            raise DeliveryTimeout(f"no complete reply within {limit:g} s (time limit of one delivery)") from None
        raise exc
    finally:
        timer.cancel()
        conn.close()
