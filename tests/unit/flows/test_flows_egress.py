"""Webhook egress: non-public addresses refused before any connection and on the socket actually connected."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from amazon_mws.flows import egress, webhook
from amazon_mws.flows.egress import EgressRefused, refusal


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A bare listening socket on loopback: what it accepts shows whether anything connected."""
    sock = socket.create_server(("127.0.0.1", 0))
    sock.settimeout(0.5)
    yield sock
    sock.close()


def _url(sock: socket.socket, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{sock.getsockname()[1]}/hook"


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.10", "private"),
    ("172.16.5.4", "private"), ("169.254.169.254", "link-local"), ("0.0.0.0", "unspecified"),
    ("::ffff:127.0.0.1", "loopback"), ("fe80::1", "link-local"), ("224.0.0.1", "multicast"),
])
def test_non_public_addresses_are_named_with_their_kind(address: str, kind: str) -> None:
    assert kind in (refusal(address) or "")


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(address) is None


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_loopback_webhook_is_refused_before_any_connection(listener: socket.socket, host: str) -> None:
    with pytest.raises(EgressRefused, match=r"loopback address.*sink\.allowPrivateNetwork to true"):
        webhook.post(_url(listener, host), b"{}", {}, 5)
    with pytest.raises(TimeoutError):
        listener.accept()  # not even a TCP handshake reached it


def test_an_ipv6_host_without_a_port_is_read_whole() -> None:
    with pytest.raises(EgressRefused, match="::1 is a loopback address"):  # not host ":" on port 1
        webhook.post("http://[::1]/hook", b"{}", {}, 5)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_connected_peer_is_checked_not_only_the_name(listener: socket.socket, scheme: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # DNS rebinding: the name resolves to a public address for the check, then to loopback for the
    # connection. A resolver that changes its answer cannot be real here; the connection is.
    monkeypatch.setattr(egress, "resolve", lambda host, port: ["93.184.216.34"])
    with pytest.raises(EgressRefused, match="127.0.0.1 is a loopback address"):
        webhook.post(_url(listener).replace("http", scheme, 1), b'{"order": 1}', {"Authorization": "Bearer x"}, 5)
    conn, _ = listener.accept()  # the connection was made...
    with conn:
        conn.settimeout(2)
        assert conn.recv(1024) == b""  # ...and closed before a byte was sent (HTTPS: not even TLS's hello)


def test_allowed_private_network_connects(listener: socket.socket) -> None:
    with pytest.raises(OSError):  # the listener never answers: the attempt times out, but it connected
        webhook.post(_url(listener), b"{}", {}, 0.5, allow_private_network=True)
    conn, _ = listener.accept()
    conn.close()
