"""The one call loop (core/calls.py): every path it takes, over real HTTP on 127.0.0.1.

The loop's own paths run through the smallest possible backend (`Toy`: GET a path, map the status to a
kind, as a backend's classify does) against a scripted server; the backend-specific paths (SP-API's
token refresh, `transfer()`) and "one loop for both" run through the real connections, against the same
scripted server or the sandbox with injected faults. Sleeps are real (time compressed), and recorded.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator

import pytest
import requests
from scripted_http import Reply, Script, scripted_server

from amazon_mws.core.calls import CallLoop
from amazon_mws.core.errors import (
    BACKOFF_SECONDS,
    MAX_RETRIES,
    AccessDenied,
    Action,
    MwsError,
    ServerError,
    Throttled,
    TransportError,
)
from amazon_mws.core.http import send
from amazon_mws.core.limiter import LocalLimiter
from amazon_mws.core.quotas import quota_for
from amazon_mws.mws.connection import MwsConnection
from amazon_mws.mws.credentials import Credentials
from amazon_mws.sandbox import Sandbox
from amazon_mws.spapi.connection import SpConnection
from amazon_mws.spapi.credentials import SpCredentials
from amazon_mws.spapi.errors import TokenRejected
from amazon_mws.spapi.tokens import LocalTokenStore

SCALE = 0.001
OPERATION = "GetOrder"  # a quota of 6, one restored every 60 s (scaled: 60 ms)
RESTORE = quota_for(OPERATION, SCALE).restore_seconds


class Refused(AccessDenied):
    """A credential refused that a fresh one may pass (SP-API's expired access token)."""

    action = Action.REFRESH


KIND_OF_STATUS: dict[int, type[MwsError]] = {429: Throttled, 500: ServerError, 403: AccessDenied, 401: Refused}


def record_sleeps(conn: CallLoop) -> list[float]:
    """The loop's sleeps (waits and backoffs; not the limiter's), still slept for real."""
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    conn._sleep = sleep
    return slept


class Toy(CallLoop):
    """The smallest backend: one GET per attempt, the status classified into a kind."""

    def __init__(self, base_url: str, *, sample: bool = False) -> None:
        super().__init__(sample=sample, limiter=LocalLimiter(SCALE), time_scale=SCALE,
                         log=logging.getLogger("tests.toy"))
        self.base_url = base_url
        self.session = requests.Session()
        self.slept = record_sleeps(self)

    def get(self, path: str, refresh: Callable[[MwsError], bool] | None = None) -> bytes:
        def attempt() -> bytes:
            self.requests_made += 1
            status, _, body = send(self.session, "GET", self.base_url + path, data=None, headers={},
                                   timeout=(2, 2), max_bytes=1 << 20, what=OPERATION)
            if status != 200:
                raise KIND_OF_STATUS[status](f"HTTP {status}", http_status=status)
            return body

        return self.run(attempt, label=f"toy {OPERATION}", pace=("S1", OPERATION), refresh=refresh)


@pytest.fixture
def server() -> Iterator[Script]:
    yield from scripted_server()


def _backoff(retries: int) -> list[float]:
    return [pytest.approx(s * SCALE) for s in BACKOFF_SECONDS[:retries]]


# -- wait ------------------------------------------------------------------------------------------------


def test_a_throttle_waits_one_restore_interval_and_drains_the_bucket(server: Script) -> None:
    server.push("/x", Reply(429), Reply(200, b'{"ok": 1}'))
    conn = Toy(server.url)
    assert conn.get("/x") == b'{"ok": 1}'
    assert conn.slept == [pytest.approx(RESTORE)]
    assert (conn.requests_made, conn.throttled_replies, conn.retries) == (2, 1, 0)
    # Amazon's bucket is empty after a throttle, so ours was drained: of a burst of 6, nothing is left
    with pytest.raises(Throttled):
        conn.limiter.acquire("S1", OPERATION, block=False)


def test_more_waits_than_max_waits_fail(server: Script) -> None:
    server.push("/x", *[Reply(429)] * 3)
    conn = Toy(server.url)
    conn.max_waits = 2
    with pytest.raises(Throttled):
        conn.get("/x")
    assert len(server.requests_to("/x")) == 3 and len(conn.slept) == 2


def test_a_wait_longer_than_max_wait_seconds_fails_instead(server: Script) -> None:
    server.push("/x", Reply(429))
    conn = Toy(server.url)
    conn.max_wait_seconds = RESTORE / 2
    with pytest.raises(Throttled):
        conn.get("/x")
    assert len(server.requests_to("/x")) == 1 and conn.slept == []


# -- retry -----------------------------------------------------------------------------------------------


def test_a_5xx_is_retried_with_backoff_then_fails_at_the_cap(server: Script) -> None:
    server.push("/x", *[Reply(500)] * (MAX_RETRIES + 1), Reply(200))
    conn = Toy(server.url)
    with pytest.raises(ServerError):
        conn.get("/x")
    assert len(server.requests_to("/x")) == MAX_RETRIES + 1
    assert conn.slept == _backoff(MAX_RETRIES) and conn.retries == MAX_RETRIES


def test_a_cut_connection_is_retried(server: Script) -> None:
    server.push("/x", Reply(cut=True), Reply(200, b"{}"))
    conn = Toy(server.url)
    assert conn.get("/x") == b"{}"
    assert conn.slept == _backoff(1) and conn.retries == 1 and conn.requests_made == 2


# -- fail ------------------------------------------------------------------------------------------------


def test_an_access_error_fails_at_once(server: Script) -> None:
    server.push("/x", Reply(403), Reply(200))
    conn = Toy(server.url)
    with pytest.raises(AccessDenied):
        conn.get("/x")
    assert len(server.requests_to("/x")) == 1 and conn.slept == [] and conn.retries == 0


@pytest.mark.parametrize(("status", "kind"), [(429, Throttled), (500, ServerError)])
def test_sample_mode_neither_waits_nor_retries(server: Script, status: int, kind: type[MwsError]) -> None:
    server.push("/x", Reply(status), Reply(200))
    conn = Toy(server.url, sample=True)
    with pytest.raises(kind):
        conn.get("/x")
    assert len(server.requests_to("/x")) == 1 and conn.slept == [] and conn.waited_seconds == 0


def test_sample_mode_does_not_block_on_an_empty_bucket(server: Script) -> None:
    conn = Toy(server.url, sample=True)
    conn.limiter.drain("S1", OPERATION)
    with pytest.raises(Throttled) as info:
        conn.get("/x")
    assert info.value.http_status is None and "sample mode" in info.value.message
    assert server.seen == [] and conn.throttled_replies == 0  # our limiter said no, not Amazon


# -- refresh ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", [False, True])
def test_a_refused_credential_is_refreshed_and_tried_again(server: Script, sample: bool) -> None:
    server.push("/x", Reply(401), Reply(200, b'{"ok": 1}'))
    conn = Toy(server.url, sample=sample)
    refused: list[str] = []
    assert conn.get("/x", refresh=lambda err: refused.append(err.code) or True) == b'{"ok": 1}'
    assert refused == ["AccessDenied"] and conn.token_refreshes == 1
    assert conn.slept == [] and conn.retries == 0 and len(server.requests_to("/x")) == 2


def test_a_credential_is_refreshed_once_only(server: Script) -> None:
    server.push("/x", Reply(401), Reply(401), Reply(200))
    conn = Toy(server.url)
    calls: list[MwsError] = []
    with pytest.raises(Refused):
        conn.get("/x", refresh=lambda err: calls.append(err) or True)
    assert len(calls) == 1 and conn.token_refreshes == 1 and len(server.requests_to("/x")) == 2


@pytest.mark.parametrize("refresh", [None, lambda err: False], ids=["no hook", "nothing to drop"])
def test_a_refusal_nobody_can_refresh_fails_at_once(server: Script, refresh: Callable | None) -> None:
    server.push("/x", Reply(401), Reply(200))
    conn = Toy(server.url)
    with pytest.raises(Refused):
        conn.get("/x", refresh=refresh)
    assert conn.token_refreshes == 0 and len(server.requests_to("/x")) == 1


# -- the real connections ----------------------------------------------------------------------------------

LWA = "/auth/o2/token"
ORDER = "/orders/v0/orders/902-3159896-1390916"
EXPIRED = (b'{"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied.", '
           b'"details": "The access token you provided has expired."}]}')


def _sp(server: Script) -> tuple[SpConnection, list[float]]:
    creds = SpCredentials.from_config({
        "lwaClientId": "amzn1.application-oa2-client.test", "lwaClientSecret": "lwa-secret-EXAMPLE",
        "refreshToken": "Atzr|refresh-EXAMPLE", "marketplaceId": "ATVPDKIKX0DER",
        "endpoint": server.url, "lwaTokenUrl": server.url + LWA,
    })
    conn = SpConnection(creds, limiter=LocalLimiter(SCALE), time_scale=SCALE, token_store=LocalTokenStore())
    return conn, record_sleeps(conn)


def _tokens(*names: str) -> list[Reply]:
    return [Reply(200, b'{"access_token": "%s", "expires_in": 3600}' % n.encode()) for n in names]


def test_sp_api_refreshes_a_refused_token_once_only(server: Script) -> None:
    server.push(LWA, *_tokens("Atza|first", "Atza|second", "Atza|third"))
    server.push(ORDER, Reply(403, EXPIRED), Reply(403, EXPIRED), Reply(200))
    conn, slept = _sp(server)
    with pytest.raises(TokenRejected):
        conn.request("getOrder", "GET", ORDER)
    sent = [s.headers["x-amz-access-token"] for s in server.requests_to(ORDER)]
    assert sent == ["Atza|first", "Atza|second"] and len(server.requests_to(LWA)) == 2
    assert conn.token_refreshes == 1 and conn.retries == 0 and slept == []


def test_sp_api_goes_on_with_the_fresh_token(server: Script) -> None:
    server.push(LWA, *_tokens("Atza|first", "Atza|second"))
    server.push(ORDER, Reply(403, EXPIRED), Reply(200, b'{"payload": {"AmazonOrderId": "902-3159896-1390916"}}'))
    conn, _ = _sp(server)
    assert conn.request("getOrder", "GET", ORDER).data["payload"]["AmazonOrderId"] == "902-3159896-1390916"
    assert conn.token_refreshes == 1 and conn.tokens.get() == "Atza|second"  # the refused one left the cache


def test_transfer_retries_a_5xx_and_never_logs_the_url(server: Script, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="amazon_mws")
    server.push("/doc/1", Reply(500, b"<Error><Code>InternalError</Code></Error>"), Reply(503, b""),
                Reply(200, b"<report/>"))
    conn, slept = _sp(server)
    url = server.url + "/doc/1?X-Amz-Signature=presigned-EXAMPLE"
    assert conn.transfer("GET", url, what="processing report") == b"<report/>"
    assert len(server.requests_to("/doc/1")) == 3 and conn.retries == 2
    assert slept == _backoff(2) and server.requests_to(ORDER) == []  # no token, no SP-API call
    assert "processing report GET" in caplog.text and "presigned-EXAMPLE" not in caplog.text


def test_transfer_gives_up_at_the_cap(server: Script) -> None:
    server.push("/doc/1", *[Reply(500)] * (MAX_RETRIES + 1))
    conn, slept = _sp(server)
    with pytest.raises(ServerError):
        conn.transfer("PUT", server.url + "/doc/1", data=b"<feed/>", content_type="text/xml")
    seen = server.requests_to("/doc/1")
    assert len(seen) == MAX_RETRIES + 1 and {s.body for s in seen} == {b"<feed/>"}
    assert slept == _backoff(MAX_RETRIES)


def test_transfer_retries_a_cut_connection(server: Script) -> None:
    server.push("/doc/1", Reply(cut=True), Reply(200, b"<report/>"))
    conn, _ = _sp(server)
    assert conn.transfer("GET", server.url + "/doc/1") == b"<report/>" and conn.retries == 1


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(orders=5, seed=7, time_scale=SCALE) as box:
        yield box


def _mws_get_order(sb: Sandbox) -> tuple[CallLoop, Callable[[], object]]:
    conn = MwsConnection(Credentials.from_config(sb.credentials), limiter=LocalLimiter(SCALE), time_scale=SCALE)
    order_id = next(iter(sb.orders))
    return conn, lambda: conn.call("Orders", "GetOrder", {"AmazonOrderId.Id": [order_id]})


def _sp_get_order(sb: Sandbox) -> tuple[CallLoop, Callable[[], object]]:
    conn = SpConnection(SpCredentials.from_config(sb.sp_credentials), limiter=LocalLimiter(SCALE),
                        time_scale=SCALE, token_store=LocalTokenStore())
    order_id = next(iter(sb.orders))
    return conn, lambda: conn.request("getOrder", "GET", f"/orders/v0/orders/{order_id}")


@pytest.mark.parametrize(("connect", "operation"), [(_mws_get_order, "GetOrder"), (_sp_get_order, "getOrder")],
                         ids=["mws", "sp-api"])
@pytest.mark.parametrize("fault", ["500", "503", "cut", "throttle"])
def test_both_backends_recover_the_same_way(sandbox: Sandbox, connect: Callable, operation: str, fault: str) -> None:
    conn, get_order = connect(sandbox)
    slept = record_sleeps(conn)
    sandbox.inject_fault(fault, count=2, operation=operation)
    get_order()
    statuses = [r["status"] for r in sandbox.requests if r["action"] == operation]
    assert len(statuses) == 3 and statuses[-1] == 200
    if fault == "throttle":  # waits, not retries: one restore interval each
        restore = conn.quota(operation).restore_seconds
        assert (conn.throttled_replies, conn.retries) == (2, 0) and slept == [pytest.approx(restore)] * 2
    else:
        assert (conn.throttled_replies, conn.retries) == (0, 2) and slept == _backoff(2)


# -- http ------------------------------------------------------------------------------------------------


def test_a_refused_connection_names_the_call_not_the_url() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransportError) as info:
        send(requests.Session(), "GET", f"http://127.0.0.1:{port}/x?Signature=secret-EXAMPLE", data=None,
             headers={}, timeout=(1, 1), max_bytes=10, what="ListOrders", peer=f"127.0.0.1:{port}")
    assert info.value.message == f"ListOrders: connection refused talking to 127.0.0.1:{port}"


def test_a_reply_over_the_cap_is_refused_while_it_is_read(server: Script) -> None:
    server.push("/big", Reply(200, b"x" * 200_000))
    with pytest.raises(TransportError) as info:
        send(requests.Session(), "GET", server.url + "/big", data=None, headers={}, timeout=(2, 2),
             max_bytes=100_000, what="GetFeedSubmissionResult")
    assert info.value.message == "GetFeedSubmissionResult: reply larger than 100000 bytes"
    assert info.value.http_status == 200
