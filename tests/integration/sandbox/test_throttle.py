"""Quotas: Amazon's published numbers as token buckets, compressed by the time scale."""

from __future__ import annotations

from datetime import timedelta

import pytest

from amazon_mws.sandbox import Sandbox

from .conftest import CREDS, Mws, error_code, stamp, text, xml


@pytest.fixture
def tight():
    import requests

    with Sandbox(orders=20, seed=5, time_scale=0.01, credentials=CREDS) as box, requests.Session() as s:
        yield box, Mws(box, s)


def list_orders(mws, sb):
    return mws.call(
        "ListOrders",
        {
            "MarketplaceId.Id.1": "ATVPDKIKX0DER",
            "MaxResultsPerPage": "5",
            "LastUpdatedAfter": stamp(sb.now() - timedelta(days=40)),
        },
    )


def test_list_orders_burst_of_six_then_request_throttled(tight):
    sb, mws = tight
    sb.clock.advance(0)  # no-op: buckets start full
    statuses = [list_orders(mws, sb).status_code for _ in range(6)]
    assert statuses == [200] * 6
    resp = list_orders(mws, sb)
    assert (resp.status_code, error_code(resp)) == (503, "RequestThrottled")
    assert text(xml(resp), "Error/Message") == "Request is throttled"
    throttled = [e for e in sb.requests if e["status"] == 503]
    assert len(throttled) == 1 and throttled[0]["error_code"] == "RequestThrottled"


def test_quota_restores_at_the_scaled_rate(tight):
    sb, mws = tight
    for _ in range(6):
        assert list_orders(mws, sb).status_code == 200
    assert list_orders(mws, sb).status_code == 503
    sb.advance_clock(0.61)  # one request restored every 60 s * 0.01
    assert list_orders(mws, sb).status_code == 200
    assert list_orders(mws, sb).status_code == 503


def test_by_next_token_shares_the_list_orders_bucket(tight):
    sb, mws = tight
    root = xml(list_orders(mws, sb))
    token = text(root, "ListOrdersResult/NextToken")
    for _ in range(5):
        assert mws.call("ListOrdersByNextToken", {"NextToken": token}).status_code == 200
    resp = mws.call("ListOrdersByNextToken", {"NextToken": token})
    assert (resp.status_code, error_code(resp)) == (503, "RequestThrottled")


def test_groups_are_independent_and_match_published_bursts(tight):
    sb, mws = tight
    assert [mws.call("GetServiceStatus").status_code for _ in range(3)] == [200, 200, 503]
    assert list_orders(mws, sb).status_code == 200


def test_list_order_items_burst_is_thirty():
    import requests

    # unscaled: one request restored every 2 s, so 31 quick calls meet an empty bucket
    with Sandbox(orders=5, seed=5, credentials=CREDS) as sb, requests.Session() as s:
        mws = Mws(sb, s)
        oid = next(iter(sb.orders))
        codes = [mws.call("ListOrderItems", {"AmazonOrderId": oid}).status_code for _ in range(31)]
        assert codes == [200] * 30 + [503]


def test_refused_requests_do_not_spend_quota(tight):
    sb, mws = tight
    for _ in range(3):
        assert mws.call("GetServiceStatus", secret="wrong").status_code == 403
    assert [mws.call("GetServiceStatus").status_code for _ in range(2)] == [200, 200]


def test_no_throttle_turns_quotas_off():
    import requests

    with Sandbox(orders=5, throttle=False, credentials=CREDS) as sb, requests.Session() as s:
        mws = Mws(sb, s)
        assert {mws.call("GetServiceStatus").status_code for _ in range(10)} == {200}
