"""The transport over real HTTP on loopback, against the replay server (conftest.py)."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone

import pytest
from mws_replay_server import AUTH_TOKEN, MOCKS, SAMPLES, SECRET, Reply, error_xml

from amazon_mws.core.errors import AccessDenied, PagingLoop, ServerError, Throttled, TransportError
from amazon_mws.core.limiter import LocalLimiter
from amazon_mws.core.paging import NextTokenWalker
from amazon_mws.mws.connection import MwsConnection
from amazon_mws.mws.credentials import Credentials
from amazon_mws.mws.feeds import FeedsApi
from amazon_mws.mws.orders import OrdersApi
from amazon_mws.mws.signing import content_md5

SCALE = 0.001  # every restore interval and backoff step shrunk a thousandfold


def connect(replay, *, sample: bool = False, timeout=(2, 5)) -> MwsConnection:
    creds = Credentials.from_config(
        {
            "sellerId": "A1REPLAYSELLER",
            "accessKeyId": "AKIAREPLAYEXAMPLE",
            "secretKey": SECRET,
            "marketplaceId": "A2EUQ1WTGCTBG2",
            "mwsAuthToken": AUTH_TOKEN,
            "endpoint": replay.endpoint,
        }
    )
    return MwsConnection(creds, sample=sample, limiter=LocalLimiter(SCALE), time_scale=SCALE, timeout=timeout)


def test_list_orders_request_shape_and_typed_page(replay) -> None:
    conn = connect(replay)
    page = OrdersApi(conn).list_orders(
        last_updated_after="2024-01-01T00:00:00Z", statuses=["Unshipped", "PartiallyShipped"], max_results=50
    )
    assert len(page.orders) == 5 and page.orders[0]["NumberOfItemsShipped"] == 1
    assert page.orders[0]["IsPrime"] is False
    assert page.next_token and page.next_token.startswith("NAhRezRb")
    assert page.created_before == "2016-01-20T18:47:11Z"
    assert page.request_id == "replay-ListOrders"
    (seen,) = replay.seen
    assert seen.signature_ok and seen.path == "/Orders/2013-09-01" and seen.query == ""
    assert seen.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert seen.headers["User-Agent"].startswith("amazon-mws-component/")
    p = seen.params
    assert p["Action"] == "ListOrders" and p["Version"] == "2013-09-01"
    assert p["SellerId"] == "A1REPLAYSELLER" and "Merchant" not in p
    assert p["MWSAuthToken"] == AUTH_TOKEN
    assert p["MarketplaceId.Id.1"] == "A2EUQ1WTGCTBG2"
    assert p["OrderStatus.Status.1"] == "Unshipped" and p["OrderStatus.Status.2"] == "PartiallyShipped"
    assert p["MaxResultsPerPage"] == "50" and p["LastUpdatedAfter"] == "2024-01-01T00:00:00Z"
    assert p["Timestamp"].endswith("Z") and p["SignatureMethod"] == "HmacSHA256"
    assert conn.requests_made == 1


def test_paging_walks_and_refuses_a_repeated_token(replay) -> None:
    conn = connect(replay)
    api = OrdersApi(conn)
    last = (
        MOCKS / "MarketplaceWebServiceOrders-2013-09-01" / "ListOrdersByNextTokenResponse.xml"
    ).read_bytes()
    replay.push(
        Reply(200, (SAMPLES / "ListOrders.peddler-2016-01-20-CA.xml").read_bytes()),
        Reply(200, last.replace(b"<NextToken>String</NextToken>", b"")),
    )
    pages = list(
        NextTokenWalker(
            api.list_orders_by_next_token, lambda: api.list_orders(created_after="2015-01-01T00:00:00Z")
        )
    )
    assert [len(p.orders) for p in pages] == [5, 1] and pages[-1].next_token is None
    assert replay.seen[1].params == {**replay.seen[1].params, "Action": "ListOrdersByNextToken"}
    assert replay.seen[1].params["NextToken"].startswith("NAhRezRb")
    # the mock's own NextToken ("String") comes back on every page: the walker stops instead of looping
    with pytest.raises(PagingLoop):
        list(NextTokenWalker(api.list_orders_by_next_token, start_token="String"))


def test_get_order_items_and_status(replay) -> None:
    conn = connect(replay)
    api = OrdersApi(conn)
    orders = api.get_order(["111-1111111-1111111", "222-2222222-2222222"])
    assert len(orders) == 5 and orders[0]["PaymentMethodDetails"] == ["CreditCard"]
    assert replay.seen[-1].params["AmazonOrderId.Id.2"] == "222-2222222-2222222"
    items = api.list_order_items("058-1233752-8214740")
    assert (
        items.amazon_order_id == "058-1233752-8214740" and len(items.items) == 2 and items.next_token is None
    )
    assert replay.seen[-1].params["AmazonOrderId"] == "058-1233752-8214740"
    more = api.list_order_items_by_next_token("tok")
    assert more.next_token == "String" and more.items[0]["QuantityOrdered"] == 1
    status = api.get_service_status()
    assert status["Messages"] == [{"Locale": "String", "Text": "String"}]
    assert status["Timestamp"] == "1969-07-21T02:56:03Z"


def test_submit_feed_sends_body_and_signed_md5_in_query(replay) -> None:
    conn = connect(replay)
    feed = b'<?xml version="1.0"?><AmazonEnvelope><MessageType>OrderAcknowledgement</MessageType>'
    feed += b"</AmazonEnvelope>"
    info = FeedsApi(conn).submit_feed(feed, "_POST_ORDER_ACKNOWLEDGEMENT_DATA_")
    assert info == {
        "FeedSubmissionId": "51801018438",
        "FeedType": "_POST_PRODUCT_DATA_",
        "SubmittedDate": "2020-06-25T13:17:18+00:00",
        "FeedProcessingStatus": "_SUBMITTED_",
    }
    (seen,) = replay.seen
    assert seen.signature_ok and seen.path == "/Feeds/2009-01-01" and seen.query
    assert seen.body == feed and seen.headers["Content-Type"] == "text/xml"
    p = seen.params
    assert p["ContentMD5Value"] == content_md5(feed)
    assert p["Merchant"] == "A1REPLAYSELLER" and "SellerId" not in p
    assert p["Version"] == "2009-01-01" and p["PurgeAndReplace"] == "false"
    assert (
        p["MarketplaceIdList.Id.1"] == "A2EUQ1WTGCTBG2"
        and p["FeedType"] == "_POST_ORDER_ACKNOWLEDGEMENT_DATA_"
    )


def test_feed_listing_count_cancel(replay) -> None:
    api = FeedsApi(connect(replay))
    page = api.get_feed_submission_list(
        ["392436018547"], statuses=["_DONE_"], feed_types=["_POST_ORDER_FULFILLMENT_DATA_"]
    )
    assert page.has_next and page.next_token and len(page.infos) == 10
    p = replay.seen[-1].params
    assert (
        p["FeedSubmissionIdList.Id.1"] == "392436018547"
        and p["FeedProcessingStatusList.Status.1"] == "_DONE_"
    )
    assert p["FeedTypeList.Type.1"] == "_POST_ORDER_FULFILLMENT_DATA_"
    nxt = api.get_feed_submission_list_by_next_token(page.next_token)
    assert nxt.has_next is False and nxt.next_token is None and len(nxt.infos) == 1
    assert api.get_feed_submission_count() == 8074
    cancelled = api.cancel_feed_submissions(["50004018547"])
    assert (
        cancelled["Count"] == 1
        and cancelled["FeedSubmissionInfo"][0]["FeedProcessingStatus"] == "_CANCELLED_"
    )


def test_feed_result_md5_checked_and_redownloaded(replay) -> None:
    conn = connect(replay)
    raw = (SAMPLES / "GetFeedSubmissionResult.ProcessingReport.error-18021.spree-2013.xml").read_bytes()
    bad = {"Content-MD5": content_md5(b"something else")}
    replay.push(
        Reply(200, raw, bad), Reply(200, raw, bad), Reply(200, raw, {"Content-MD5": content_md5(raw)})
    )
    result = FeedsApi(conn).get_feed_submission_result("8252984128")
    assert result.raw == raw and conn.requests_made == 3
    assert (
        result.report["messagesWithError"] == 1 and result.report["results"][0]["resultMessageCode"] == 18021
    )
    replay.push(*[Reply(200, raw, bad) for _ in range(4)])
    with pytest.raises(TransportError, match="Content-MD5 mismatch on 4 downloads"):
        FeedsApi(conn).get_feed_submission_result("8252984128")
    assert conn.requests_made == 7


def test_feed_result_not_ready_fails_at_once(replay) -> None:
    from amazon_mws.core.errors import NotReady

    conn = connect(replay)
    replay.push(
        Reply(400, (SAMPLES / "ErrorResponse.FeedProcessingResultNotReady.spree-2013.xml").read_bytes())
    )
    with pytest.raises(NotReady) as info:
        FeedsApi(conn).get_feed_submission_result("8259716402")
    assert info.value.request_id == "b8171705-29d9-4638-a83b-b6681c37a21a" and conn.requests_made == 1


def test_server_errors_are_retried_with_backoff_then_succeed(replay) -> None:
    conn = connect(replay)
    replay.push(Reply(500, error_xml("InternalError")), Reply(503, b"<html>busy</html>"))
    page = OrdersApi(conn).list_orders(created_after="2024-01-01T00:00:00Z")
    assert len(page.orders) == 5
    assert conn.requests_made == 3 and conn.retries == 2
    assert conn.waited_seconds >= (1 + 4) * SCALE
    assert all(s.signature_ok for s in replay.seen)
    assert len({s.params["Timestamp"] for s in replay.seen}) >= 1  # re-signed per attempt


def test_server_errors_give_up_after_four_retries(replay) -> None:
    conn = connect(replay)
    replay.push(*[Reply(500, error_xml("InternalError", request_id=f"r{i}")) for i in range(5)])
    with pytest.raises(ServerError) as info:
        OrdersApi(conn).get_order(["1"])
    assert conn.requests_made == 5 and info.value.request_id == "r4" and info.value.http_status == 500


def test_throttled_reply_is_waited_out(replay) -> None:
    conn = connect(replay)
    replay.push(Reply(503, (SAMPLES / "ErrorResponse.RequestThrottled.spree-2013.xml").read_bytes()))
    items = OrdersApi(conn).list_order_items("1")
    assert len(items.items) == 2
    assert conn.throttled_replies == 1 and conn.requests_made == 2 and conn.retries == 0
    assert conn.waited_seconds >= 2.0 * SCALE  # ListOrderItems restores one request per 2 s (scaled)


def test_throttled_reply_in_sample_mode_is_an_error_at_once(replay) -> None:
    conn = connect(replay, sample=True)
    replay.push(Reply(503, (SAMPLES / "ErrorResponse.RequestThrottled.docexample.eolabs.xml").read_bytes()))
    with pytest.raises(Throttled) as info:
        OrdersApi(conn).list_orders(created_after="2024-01-01T00:00:00Z")
    assert conn.requests_made == 1 and info.value.request_id == "0f40e8f4-2c00-4634-9eb7-9e9482dc6039"


def test_quota_exceeded_waits_until_reset(replay) -> None:
    conn = connect(replay)
    resets = (datetime.now(timezone.utc) + timedelta(seconds=0.4)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    replay.push(
        Reply(
            503,
            (SAMPLES / "ErrorResponse.QuotaExceeded.docexample.eolabs.xml").read_bytes(),
            {"x-mws-quota-resetsOn": resets},
        )
    )
    started = time.monotonic()
    info = FeedsApi(conn).submit_feed(b"<x/>", "_POST_INVENTORY_AVAILABILITY_DATA_")
    assert info["FeedProcessingStatus"] == "_SUBMITTED_"
    assert time.monotonic() - started >= 0.25 and conn.requests_made == 2


def test_access_denied_fails_without_retry(replay) -> None:
    conn = connect(replay)
    replay.push(
        Reply(403, (SAMPLES / "ErrorResponse.InvalidAccessKeyId.peddler-2020-10-13-403.xml").read_bytes())
    )
    with pytest.raises(AccessDenied, match="InvalidAccessKeyId"):
        OrdersApi(conn).get_service_status()
    assert conn.requests_made == 1


def test_malformed_and_cut_replies_are_retried(replay) -> None:
    conn = connect(replay)
    good = (SAMPLES / "GetOrder.peddler-2020-10-13-SG.xml").read_bytes()
    replay.push(Reply(200, b"<GetOrderResponse><GetOrderResult>"), Reply(200, good, kind="cut"))
    orders = OrdersApi(conn).get_order(["1"])
    assert len(orders) == 5 and conn.requests_made == 3 and conn.retries == 2


def test_slow_reply_times_out_without_leaking_the_request(replay, caplog: pytest.LogCaptureFixture) -> None:
    conn = connect(replay, timeout=(1, 0.2))
    replay.push(*[Reply(200, b"<x/>", delay=0.5) for _ in range(5)])
    caplog.set_level(logging.DEBUG, logger="amazon_mws")
    with pytest.raises(TransportError, match="read timeout") as info:
        OrdersApi(conn).get_service_status()
    assert conn.requests_made == 5
    text = str(info.value) + caplog.text
    for secret in (SECRET, AUTH_TOKEN, "Signature", "AWSAccessKeyId"):
        assert secret not in text


def test_connection_refused_is_a_transport_error(replay) -> None:
    creds = Credentials("S", "AK", SECRET, "ATVPDKIKX0DER", endpoint="http://127.0.0.1:9")
    conn = MwsConnection(creds, limiter=LocalLimiter(SCALE), time_scale=SCALE)
    with pytest.raises(TransportError, match="connection refused|connection failed"):
        OrdersApi(conn).get_service_status()
    assert conn.requests_made == 5


def test_logs_name_the_call_but_never_secrets(replay, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="amazon_mws")
    conn = connect(replay)
    replay.push(Reply(500, error_xml("InternalError")))
    OrdersApi(conn).list_orders(created_after="2024-01-01T00:00:00Z")
    FeedsApi(conn).submit_feed(b"<x/>", "_POST_INVENTORY_AVAILABILITY_DATA_")
    assert (
        "ListOrders" in caplog.text and "replay-SubmitFeed" in caplog.text and "InternalError" in caplog.text
    )
    for secret in (SECRET, AUTH_TOKEN, "Signature=", "ContentMD5Value"):
        assert secret not in caplog.text
    assert SECRET not in repr(conn) and AUTH_TOKEN not in repr(conn)


def test_one_session_reuses_the_connection(replay) -> None:
    conn = connect(replay)
    api = OrdersApi(conn)
    for _ in range(3):
        api.get_service_status()
    assert len({s.client_port for s in replay.seen}) == 1


def test_limiter_paces_before_amazon_has_to_throttle(replay) -> None:
    conn = connect(replay)
    api = OrdersApi(conn)
    started = time.monotonic()
    for _ in range(10):  # GetOrder: burst 6, then one per 60 s * SCALE = 0.06 s
        api.get_order(["1"])
    # four requests beyond the burst: at least three full restore intervals of waiting, minus request time
    assert time.monotonic() - started >= 3 * 0.06
    assert conn.waited_seconds >= 3 * 0.06 * 0.8 and conn.throttled_replies == 0
