"""The transport against the local sandbox Amazon (amazon_mws.sandbox) over real HTTP.

The sandbox checks signatures, parameters and quotas the way MWS does, so these tests exercise the
whole path: signing with host:port, enumerated lists, paging, feeds, faults, throttling.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from amazon_mws.core.errors import AccessDenied, ServerError, SignatureMismatch, Throttled
from amazon_mws.core.limiter import LocalLimiter
from amazon_mws.core.paging import walk_pages
from amazon_mws.mws.connection import MwsConnection
from amazon_mws.mws.credentials import Credentials
from amazon_mws.mws.feeds import FeedsApi
from amazon_mws.mws.orders import OrdersApi
from amazon_mws.sandbox import Sandbox

SCALE = 0.002  # sandbox and client agree: GetOrder restores one request per 0.12 s
FEED_EXAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "amazon" / "feed-examples"


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(orders=130, seed=7, time_scale=SCALE, feed_processing_seconds=2.0) as sb:
        yield sb


def connect(sb: Sandbox, *, sample: bool = False, **overrides) -> MwsConnection:
    creds = Credentials.from_config({**sb.credentials, **overrides})
    return MwsConnection(creds, sample=sample, limiter=LocalLimiter(SCALE), time_scale=SCALE, timeout=(2, 5))


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_list_orders_pages_through_everything(sandbox: Sandbox) -> None:
    conn = connect(sandbox)
    api = OrdersApi(conn)
    since = _iso(sandbox.now() - timedelta(days=3650))
    pages = list(
        walk_pages(
            lambda: api.list_orders(created_after=since, max_results=40), api.list_orders_by_next_token
        )
    )
    assert len(pages) >= 3
    ids = [o["AmazonOrderId"] for p in pages for o in p.orders]
    assert len(ids) == len(set(ids))
    cutoff = pages[0].created_before
    assert cutoff and all(p.created_before == cutoff for p in pages if p.created_before)
    expected = {oid for oid, o in sandbox.orders.items() if o["PurchaseDate"] < cutoff}
    assert set(ids) == expected
    order = pages[0].orders[0]
    assert isinstance(order["NumberOfItemsShipped"], int) and isinstance(order["IsPrime"], bool)
    assert conn.throttled_replies == 0


def test_get_order_and_items(sandbox: Sandbox) -> None:
    api = OrdersApi(connect(sandbox))
    wanted = sorted(sandbox.orders)[:3]
    got = api.get_order(wanted)
    assert sorted(o["AmazonOrderId"] for o in got) == wanted
    page = api.list_order_items(wanted[0])
    assert page.amazon_order_id == wanted[0] and page.items
    assert all(isinstance(i["QuantityOrdered"], int) for i in page.items)
    status = api.get_service_status()
    assert status["Status"] in ("GREEN", "GREEN_I", "YELLOW", "RED") and isinstance(status["Messages"], list)


def test_feed_round_trip(sandbox: Sandbox) -> None:
    api = FeedsApi(connect(sandbox))
    feed = (FEED_EXAMPLES / "OrderAcknowledgement.minimal.xml").read_bytes()
    info = api.submit_feed(feed, "_POST_ORDER_ACKNOWLEDGEMENT_DATA_")
    fid = info["FeedSubmissionId"]
    assert (
        info["FeedProcessingStatus"] == "_SUBMITTED_"
        and info["FeedType"] == "_POST_ORDER_ACKNOWLEDGEMENT_DATA_"
    )
    deadline = time.monotonic() + 10
    status = info["FeedProcessingStatus"]
    while status != "_DONE_" and time.monotonic() < deadline:
        time.sleep(0.01)
        page = api.get_feed_submission_list([fid])
        assert [i["FeedSubmissionId"] for i in page.infos] == [fid]
        status = page.infos[0]["FeedProcessingStatus"]
    assert status == "_DONE_"
    result = api.get_feed_submission_result(fid)
    report = result.report
    assert report["statusCode"] == "Complete" and report["messagesProcessed"] >= 1
    assert report["messagesProcessed"] == report["messagesSuccessful"] + report["messagesWithError"]
    assert api.get_feed_submission_count() >= 1


@pytest.mark.parametrize("kind", ["500", "503", "cut", "malformed"])
def test_transient_faults_are_retried(sandbox: Sandbox, kind: str) -> None:
    conn = connect(sandbox)
    sandbox.inject_fault(kind, count=2, operation="ListOrderItems")
    page = OrdersApi(conn).list_order_items(sorted(sandbox.orders)[0])
    assert page.items and conn.requests_made == 3 and conn.retries == 2


def test_slow_reply_beyond_read_timeout_is_retried(sandbox: Sandbox) -> None:
    creds = Credentials.from_config(sandbox.credentials)
    conn = MwsConnection(creds, limiter=LocalLimiter(SCALE), time_scale=SCALE, timeout=(2, 0.3))
    sandbox.inject_fault("slow", count=1, operation="ListOrderItems", delay=0.6)
    page = OrdersApi(conn).list_order_items(sorted(sandbox.orders)[1])
    assert page.items and conn.requests_made == 2


def test_persistent_server_errors_give_up(sandbox: Sandbox) -> None:
    conn = connect(sandbox)
    sandbox.inject_fault("500", count=5, operation="ListOrderItems")
    with pytest.raises(ServerError) as info:
        OrdersApi(conn).list_order_items(sorted(sandbox.orders)[0])
    assert conn.requests_made == 5 and info.value.request_id


def test_throttle_is_waited_out_and_an_error_in_sample_mode(sandbox: Sandbox) -> None:
    conn = connect(sandbox)
    sandbox.inject_fault("throttle", count=2, operation="ListOrderItems")
    page = OrdersApi(conn).list_order_items(sorted(sandbox.orders)[2])
    assert page.items and conn.throttled_replies == 2 and conn.retries == 0
    sample = connect(sandbox, sample=True)
    sandbox.inject_fault("throttle", count=1, operation="ListOrderItems")
    with pytest.raises(Throttled):
        OrdersApi(sample).list_order_items(sorted(sandbox.orders)[2])
    assert sample.requests_made == 1


@pytest.fixture
def fresh_sandbox():
    """Its own quota buckets: these tests count throttled replies exactly."""
    with Sandbox(orders=20, seed=11, time_scale=SCALE) as sb:
        yield sb


def test_limiter_keeps_the_sandbox_from_throttling(fresh_sandbox: Sandbox) -> None:
    conn = connect(fresh_sandbox)
    api = OrdersApi(conn)
    ids = sorted(fresh_sandbox.orders)
    for i in range(10):  # GetOrder: 6 back to back, then one per 0.12 s
        api.get_order([ids[i]])
    assert conn.throttled_replies == 0 and conn.requests_made == 10
    assert conn.waited_seconds > 0.2


def test_without_pacing_the_sandbox_throttles_and_we_wait(fresh_sandbox: Sandbox) -> None:
    class NoLimits(LocalLimiter):
        def acquire(self, seller_id: str, operation: str, *, block: bool = True, quota: object = None) -> float:
            return 0.0

    creds = Credentials.from_config(fresh_sandbox.credentials)
    conn = MwsConnection(creds, limiter=NoLimits(SCALE), time_scale=SCALE, timeout=(2, 5))
    api = OrdersApi(conn)
    ids = sorted(fresh_sandbox.orders)
    for i in range(9):  # GetOrder: 6 back to back, then one per 0.12 s
        assert len(api.get_order([ids[i]])) == 1
    assert conn.throttled_replies >= 1 and conn.requests_made == 9 + conn.throttled_replies


def test_bad_credentials_fail_at_once(sandbox: Sandbox) -> None:
    conn = connect(sandbox, secretKey="not-the-secret")
    with pytest.raises((SignatureMismatch, AccessDenied)):
        OrdersApi(conn).get_service_status()
    assert conn.requests_made == 1
    other = connect(sandbox, accessKeyId="AKIAUNKNOWN")
    with pytest.raises(AccessDenied):
        OrdersApi(other).get_service_status()


def test_payment_method_buyer_email_and_seller_order_id_filters(sandbox: Sandbox) -> None:
    api = OrdersApi(connect(sandbox))
    since = _iso(datetime(2000, 1, 1, tzinfo=timezone.utc))
    sandbox.add_order(PaymentMethod="COD", PurchaseDate=sandbox.now() - timedelta(days=1))  # US seeds are all Other
    cod = walk_pages(
        lambda: api.list_orders(created_after=since, payment_methods=["COD"]), api.list_orders_by_next_token
    )
    cod_orders = [o for page in cod for o in page.orders]
    expected = {o["AmazonOrderId"] for o in sandbox.orders.values() if o.get("PaymentMethod") == "COD"}
    assert expected and {o["AmazonOrderId"] for o in cod_orders} == expected
    sent = next(r for r in reversed(sandbox.requests) if r["action"] == "ListOrders")
    assert sent["params"]["PaymentMethod.Method.1"] == "COD"

    buyer = next(o for o in sandbox.orders.values() if o.get("BuyerEmail"))
    page = api.list_orders(created_after=since, buyer_email=buyer["BuyerEmail"])
    assert buyer["AmazonOrderId"] in {o["AmazonOrderId"] for o in page.orders}
    assert all(o["BuyerEmail"] == buyer["BuyerEmail"] for o in page.orders)


def test_lookup_filters_follow_amazons_rules_before_any_request(sandbox: Sandbox) -> None:
    api = OrdersApi(connect(sandbox))
    before = len(sandbox.requests)
    with pytest.raises(ValueError, match="buyer_email: not allowed with last_updated_after"):
        api.list_orders(last_updated_after="2020-01-01T00:00:00Z", buyer_email="a@example.com")
    with pytest.raises(ValueError, match="seller_order_id: cannot be combined"):
        api.list_orders(created_after="2020-01-01T00:00:00Z", seller_order_id="X-1", statuses=["Shipped"])
    with pytest.raises(ValueError, match="payment_methods: 'Cash' is not one of COD, CVS, Other"):
        api.list_orders(created_after="2020-01-01T00:00:00Z", payment_methods=["Cash"])
    assert len(sandbox.requests) == before
