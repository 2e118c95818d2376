"""A small, honest local HTTP server for the transport's HTTP-level tests.

It speaks HTTP/1.1 with keep-alive on loopback, checks every request's Signature V2 with the same
signing.verify the sandbox uses, records what it received, and answers from a script: captured
Amazon samples, injected 5xx / throttling / quota replies, cut connections and slow replies.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from amazon_mws.mws import signing
from testsupport import serving

AMAZON = Path(__file__).resolve().parents[3] / ".." / "shared" / "amazon"
SAMPLES = AMAZON / "mws" / "samples"
MOCKS = AMAZON / "mws" / "official-client-mocks"

SECRET = "replay/SECRET+key=ExampleOnly0123456789"
AUTH_TOKEN = "amzn.mws.replay-token-EXAMPLE"

DEFAULTS = {
    "ListOrders": SAMPLES / "ListOrders.peddler-2016-01-20-CA.xml",
    "ListOrdersByNextToken": MOCKS
    / "MarketplaceWebServiceOrders-2013-09-01"
    / "ListOrdersByNextTokenResponse.xml",
    "GetOrder": SAMPLES / "GetOrder.peddler-2020-10-13-SG.xml",
    "ListOrderItems": SAMPLES / "ListOrderItems.docexample.eolabs.xml",
    "ListOrderItemsByNextToken": MOCKS
    / "MarketplaceWebServiceOrders-2013-09-01"
    / "ListOrderItemsByNextTokenResponse.xml",
    "GetServiceStatus": MOCKS / "MarketplaceWebServiceOrders-2013-09-01" / "GetServiceStatusResponse.xml",
    "SubmitFeed": SAMPLES / "SubmitFeed.scaleleap-2020-06-25-CA.xml",
    "GetFeedSubmissionList": SAMPLES / "GetFeedSubmissionList.peddler-2020-10-12-EU-nexttoken.xml",
    "GetFeedSubmissionListByNextToken": MOCKS
    / "MarketplaceWebService-Feeds-2009-01-01"
    / "GetFeedSubmissionListByNextTokenResponse.xml",
    "GetFeedSubmissionCount": SAMPLES / "GetFeedSubmissionCount.peddler-2020-10-13-FE.xml",
    "CancelFeedSubmissions": SAMPLES / "CancelFeedSubmissions.peddler-2020-10-12-AU.xml",
    "GetFeedSubmissionResult": SAMPLES
    / "GetFeedSubmissionResult.ProcessingReport.error-18021.spree-2013.xml",
}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = "normal"  # normal | cut | slow
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    params: dict[str, str]
    signature_ok: bool
    client_port: int


class Replay:
    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def endpoint(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def push(self, *replies: Reply) -> None:
        with self.lock:
            self.script.extend(replies)

    def next_reply(self, action: str) -> Reply:
        with self.lock:
            if self.script:
                return self.script.pop(0)
        body = DEFAULTS[action].read_bytes()
        return Reply(
            200, body, {"x-mws-request-id": f"replay-{action}", "x-mws-timestamp": "2024-01-01T00:00:00Z"}
        )


def error_xml(code: str, message: str = "injected", request_id: str = "err-req-1") -> bytes:
    return (
        f'<?xml version="1.0"?><ErrorResponse xmlns="https://mws.amazonservices.com/Orders/2013-09-01">'
        f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()


def _handler(replay: Replay):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def setup(self) -> None:
            super().setup()
            # headers and body go out in separate writes: without this, Nagle + delayed ACK add 40 ms
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if split.query:
                params = dict(parse_qsl(split.query, keep_blank_values=True))
            else:
                params = dict(parse_qsl(body.decode("ascii"), keep_blank_values=True))
            host = self.headers.get("Host", "")
            ok = signing.verify("POST", host, split.path, params, SECRET)
            replay.seen.append(
                Seen(
                    "POST",
                    split.path,
                    split.query,
                    dict(self.headers.items()),
                    body,
                    params,
                    ok,
                    self.client_address[1],
                )
            )
            if not ok:
                self._send(Reply(403, error_xml("SignatureDoesNotMatch", "signature mismatch")))
                return
            self._send(replay.next_reply(params.get("Action", "")))

        def _send(self, reply: Reply) -> None:
            if reply.delay:
                time.sleep(reply.delay)
            self.send_response(reply.status)
            self.send_header("Content-Type", "text/xml")
            for k, v in reply.headers.items():
                self.send_header(k, v)
            if reply.kind == "cut":
                self.send_header("Content-Length", str(len(reply.body) + 500))
                self.end_headers()
                self.wfile.write(reply.body[: len(reply.body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

    return Handler


def replay_server():
    r = Replay()
    with serving(_handler(r)) as server:
        r.server = server
        yield r
