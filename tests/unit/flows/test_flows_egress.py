"""The webhook session: non-public addresses refused on the socket actually connected, redirects not followed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from amazon_mws.flows.egress import EgressRefused, refusal, webhook_session


class _Receiver(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Receiver.hits.append(self.path)
        if self.path == "/redirect":
            self.send_response(307)
            self.send_header("Location", "/admin")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


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


def test_a_loopback_webhook_is_refused_before_anything_is_sent(receiver: str) -> None:
    with webhook_session() as session, pytest.raises(EgressRefused, match="allowPrivateNetwork"):
        session.post(receiver + "/hook", data=b"{}", timeout=5)
    with webhook_session() as session, pytest.raises(EgressRefused, match="loopback"):
        session.post(receiver.replace("127.0.0.1", "localhost") + "/hook", data=b"{}", timeout=5)
    assert _Receiver.hits == []


def test_allowed_private_network_delivers_and_redirects_are_not_followed(receiver: str) -> None:
    with webhook_session(allow_private_network=True) as session:
        assert session.post(receiver + "/hook", data=b"{}", timeout=5).status_code == 200
        assert session.post(receiver + "/redirect", data=b"{}", timeout=5).status_code == 307
        reply = session.post(receiver + "/redirect", data=b"{}", timeout=5, allow_redirects=True)
        assert reply.status_code == 307  # even a caller asking for redirects does not get them
    assert _Receiver.hits == ["/hook", "/redirect", "/redirect"]  # never /admin
