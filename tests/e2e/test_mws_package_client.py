"""The third-party `mws` package (python-amazon-mws 0.8.15, from PyPI) against the sandbox.

A client written by others must work unchanged against our local Amazon: list orders through every
NextToken page, list an order's items, submit a feed, wait for `_DONE_`, read the processing report.
Two adaptations live here in the test, never in the sandbox:
- the client signs `domain` minus "https://", so an `http://` loopback endpoint would be signed with
  its scheme: we sign with the https spelling of the same host (the library's own signer still runs);
- the client sends some Feeds calls with GET, but the Feeds API is POST-only (Amazon's reference says
  so for every Feeds operation): our subclass sends them with POST.
The library posts feeds to `/` (MWS's original root), which the sandbox serves as the Feeds API too.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import mws
import pytest

from amazon_mws.sandbox import Sandbox

AMAZON = (Path(__file__).resolve().parents[2] / ".." / "shared" / "amazon").resolve()


class LoopbackSigning:
    """Sign for `host:port` although the endpoint is plain http (see the module docstring)."""

    def calc_signature(self, method, request_description):
        real = self.domain
        self.domain = real.replace("http://", "https://", 1)
        try:
            return super().calc_signature(method, request_description)
        finally:
            self.domain = real


class Orders(LoopbackSigning, mws.Orders):
    pass


class Feeds(LoopbackSigning, mws.Feeds):
    def make_request(self, extra_data, method="GET", **kwargs):
        return super().make_request(extra_data, method="POST", **kwargs)


@pytest.fixture
def sb():
    with Sandbox(orders=60, seed=21, time_scale=0.01, items_page_size=3) as box:
        yield box


def client(cls, sb):
    c = sb.credentials
    return cls(
        c["accessKeyId"], c["secretKey"], c["sellerId"], domain=sb.endpoint, auth_token=c["mwsAuthToken"]
    )


def patiently(fn, *args, **kwargs):
    """The library leaves throttling to its user: wait out RequestThrottled (quotas are compressed 100x)."""
    for _ in range(200):
        try:
            return fn(*args, **kwargs)
        except mws.MWSError as e:
            if "RequestThrottled" not in str(e):
                raise
            time.sleep(0.1)
    raise AssertionError("still throttled after 20 s")


def as_list(node):
    return node if isinstance(node, list) else [node]


def test_list_orders_through_every_page_and_list_items(sb):
    api = client(Orders, sb)
    since = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=35)
    resp = patiently(
        api.list_orders, marketplaceids=[sb.marketplace_id], lastupdatedafter=since, max_results="7"
    )
    seen, pages = [], 0
    while True:
        pages += 1
        result = resp.parsed
        seen += [o.AmazonOrderId for o in as_list(result.Orders.Order)]
        assert result.LastUpdatedBefore.endswith("Z")
        if "NextToken" not in result:
            break
        resp = patiently(api.list_orders, next_token=result.NextToken)
    assert pages == 9  # 60 orders, 7 per page
    assert sorted(seen) == sorted(sb.orders)
    answered = [e["action"] for e in sb.requests if e["status"] == 200]
    assert answered == ["ListOrders"] + ["ListOrdersByNextToken"] * 8
    assert any(e["error_code"] == "RequestThrottled" for e in sb.requests)  # 9 pages > a burst of 6

    big = next(o for o in sb.orders.values() if len(o["OrderItems"]) > 3)
    resp = api.list_order_items(amazon_order_id=big["AmazonOrderId"])
    items = []
    while True:
        result = resp.parsed
        assert result.AmazonOrderId == big["AmazonOrderId"]
        items += [i.OrderItemId for i in as_list(result.OrderItems.OrderItem)]
        if "NextToken" not in result:
            break
        resp = api.list_order_items(next_token=result.NextToken)
    assert items == [i["OrderItemId"] for i in big["OrderItems"]]

    got = api.get_order([big["AmazonOrderId"]]).parsed
    assert got.Orders.Order.AmazonOrderId == big["AmazonOrderId"]


def test_errors_surface_as_mws_errors(sb):
    api = client(Orders, sb)
    api.secret_key = "wrong"
    with pytest.raises(mws.MWSError) as err:
        api.get_service_status()
    assert err.value.response.status_code == 403
    assert "SignatureDoesNotMatch" in str(err.value)


def test_submit_feed_wait_for_done_and_read_the_report(sb):
    api = client(Feeds, sb)
    feed = (AMAZON / "feed-examples" / "OrderAcknowledgement.minimal.xml").read_bytes()
    submitted = api.submit_feed(feed, "_POST_ORDER_ACKNOWLEDGEMENT_DATA_", marketplaceids=[sb.marketplace_id])
    fid = submitted.parsed.FeedSubmissionInfo.FeedSubmissionId
    assert submitted.parsed.FeedSubmissionInfo.FeedProcessingStatus == "_SUBMITTED_"
    assert sb.feeds[fid]["body"] == feed
    deadline = time.monotonic() + 10
    status = None
    while time.monotonic() < deadline:
        info = api.get_feed_submission_list(feedids=[fid]).parsed.FeedSubmissionInfo
        status = info.FeedProcessingStatus
        if status == "_DONE_":
            break
        time.sleep(0.01)
    assert status == "_DONE_"
    report = api.get_feed_submission_result(fid).parsed  # rootkey "Message" of the AmazonEnvelope
    summary = report.ProcessingReport.ProcessingSummary
    assert (summary.MessagesProcessed, summary.MessagesSuccessful) == ("1", "1")
    assert report.ProcessingReport.DocumentTransactionID == fid
    assert api.get_feed_submission_count().parsed.Count == "1"
