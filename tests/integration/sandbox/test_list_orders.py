"""ListOrders: Amazon's parameter rules, the 2-minute window, frozen result sets and NextTokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from amazon_mws.sandbox.clock import iso_ms, parse_iso

from .conftest import AMAZON, ORDERS_NS, error_code, find, stamp, text, xml

MARKET = {"MarketplaceId.Id.1": "ATVPDKIKX0DER"}


def since(sb, days=40, **extra):
    return {**MARKET, "LastUpdatedAfter": stamp(sb.now() - timedelta(days=days)), **extra}


def walk(mws, params):
    """Every order id over all pages, the pages' sizes, and the returned LastUpdatedBefore values."""
    resp = mws.call("ListOrders", params)
    assert resp.status_code == 200, resp.text
    result, action = "ListOrdersResult", "ListOrders"
    ids, sizes, befores = [], [], []
    while True:
        root = xml(resp)
        orders = find(root, f"{result}/Orders/Order")
        ids += [text(o, "AmazonOrderId") for o in orders]
        sizes.append(len(orders))
        befores.append(text(root, f"{result}/LastUpdatedBefore") or text(root, f"{result}/CreatedBefore"))
        token = text(root, f"{result}/NextToken")
        if not token:
            return ids, sizes, befores
        action, result = "ListOrdersByNextToken", "ListOrdersByNextTokenResult"
        resp = mws.call(action, {"NextToken": token})
        assert resp.status_code == 200, resp.text


def test_all_orders_page_by_max_results_and_come_back_once(mws, sb):
    ids, sizes, befores = walk(mws, since(sb, MaxResultsPerPage="25"))
    assert sorted(ids) == sorted(sb.orders) and len(ids) == len(set(ids)) == 120
    assert sizes == [25, 25, 25, 25, 20]
    assert len(set(befores)) == 1  # every page repeats the window of the first call


def test_default_page_is_one_hundred(mws, sb):
    _, sizes, _ = walk(mws, since(sb))
    assert sizes == [100, 20]


def test_orders_are_in_last_update_order_and_inside_the_window(mws, sb):
    params = since(sb, days=10)
    root = xml(mws.call("ListOrders", params))
    orders = find(root, "ListOrdersResult/Orders/Order")
    dates = [text(o, "LastUpdateDate") for o in orders]
    assert dates == sorted(dates) and dates
    lo = parse_iso(params["LastUpdatedAfter"])
    expected = {i for i, o in sb.orders.items() if parse_iso(o["LastUpdateDate"]) >= lo}
    assert {text(o, "AmazonOrderId") for o in orders} == expected


def test_two_minute_window_hides_fresh_orders_and_default_before_is_now_minus_two_minutes(mws, sb):
    fresh = sb.add_order()
    resp = mws.call("ListOrders", since(sb))
    root = xml(resp)
    ids = [text(o, "AmazonOrderId") for o in find(root, "ListOrdersResult/Orders/Order")]
    ids += walk(mws, since(sb))[0]
    assert fresh["AmazonOrderId"] not in ids
    before = parse_iso(text(root, "ListOrdersResult/LastUpdatedBefore"))
    assert abs((sb.now() - timedelta(minutes=2) - before).total_seconds()) < 2
    sb.advance_clock(121)
    assert fresh["AmazonOrderId"] in walk(mws, since(sb))[0]


def test_given_before_later_than_the_window_is_clamped_and_returned(mws, sb):
    late = stamp(sb.now() + timedelta(minutes=5))
    root = xml(mws.call("ListOrders", since(sb, LastUpdatedBefore=late)))
    before = parse_iso(text(root, "ListOrdersResult/LastUpdatedBefore"))
    assert before <= sb.now() - timedelta(minutes=2)
    early = sb.now() - timedelta(days=3)
    root = xml(mws.call("ListOrders", since(sb, LastUpdatedBefore=iso_ms(early))))
    assert text(root, "ListOrdersResult/LastUpdatedBefore") == iso_ms(early)
    dates = [parse_iso(text(o, "LastUpdateDate")) for o in find(root, "ListOrdersResult/Orders/Order")]
    assert dates and max(dates) <= early


def test_returned_before_is_a_gapless_cursor(mws, sb):
    root = xml(mws.call("ListOrders", since(sb)))
    cursor = text(root, "ListOrdersResult/LastUpdatedBefore")
    old = next(iter(sb.orders))
    sb.update_order(old, OrderStatus="Canceled")
    sb.advance_clock(180)
    ids, _, _ = walk(mws, {**MARKET, "LastUpdatedAfter": cursor})
    assert ids == [old]


def test_created_after_uses_purchase_date_and_returns_created_before(mws, sb):
    root = xml(mws.call("ListOrders", {**MARKET, "CreatedAfter": stamp(sb.now() - timedelta(days=5))}))
    assert text(root, "ListOrdersResult/CreatedBefore") and not text(
        root, "ListOrdersResult/LastUpdatedBefore"
    )
    dates = [parse_iso(text(o, "PurchaseDate")) for o in find(root, "ListOrdersResult/Orders/Order")]
    assert dates and min(dates) >= sb.now() - timedelta(days=5, seconds=1)


@pytest.mark.parametrize(
    "params, needle",
    [
        ({"LastUpdatedAfter": "2020-01-01T00:00:00Z", "CreatedAfter": "2020-01-01T00:00:00Z"}, "both"),
        ({}, "Either CreatedAfter or LastUpdatedAfter"),
        (
            {"CreatedAfter": "2020-01-01T00:00:00Z", "LastUpdatedBefore": "2021-01-01T00:00:00Z"},
            "LastUpdatedBefore",
        ),
        (
            {"LastUpdatedAfter": "2020-01-01T00:00:00Z", "CreatedBefore": "2021-01-01T00:00:00Z"},
            "CreatedBefore",
        ),
        (
            {"LastUpdatedAfter": "2021-01-01T00:00:00Z", "LastUpdatedBefore": "2020-01-01T00:00:00Z"},
            "LastUpdatedAfter date 2021-01-01T00:00:00.000Z cannot be after "
            "LastUpdatedBefore date 2020-01-01",
        ),
        ({"LastUpdatedAfter": "not-a-date"}, "LastUpdatedAfter"),
        ({"LastUpdatedAfter": "2020-01-01T00:00:00Z", "OrderStatus.Status.1": "Unshipped"}, "together"),
        (
            {"LastUpdatedAfter": "2020-01-01T00:00:00Z", "OrderStatus.Status.1": "PartiallyShipped"},
            "together",
        ),
        ({"LastUpdatedAfter": "2020-01-01T00:00:00Z", "OrderStatus.Status.1": "Lost"}, "OrderStatus"),
        ({"LastUpdatedAfter": "2020-01-01T00:00:00Z", "MaxResultsPerPage": "0"}, "MaxResultsPerPage"),
        ({"LastUpdatedAfter": "2020-01-01T00:00:00Z", "MaxResultsPerPage": "101"}, "MaxResultsPerPage"),
        (
            {"LastUpdatedAfter": "2020-01-01T00:00:00Z", "FulfillmentChannel.Channel.1": "XYZ"},
            "FulfillmentChannel",
        ),
        ({"LastUpdatedAfter": "2020-01-01T00:00:00Z", "BuyerEmail": "a@b.c"}, "BuyerEmail"),
    ],
)
def test_parameter_rules_are_invalid_parameter_value(mws, params, needle):
    resp = mws.call("ListOrders", {**MARKET, **params})
    assert (resp.status_code, error_code(resp)) == (400, "InvalidParameterValue"), resp.text
    assert needle in text(xml(resp), "Error/Message")


def test_after_in_the_last_two_minutes_is_after_before(mws, sb):
    resp = mws.call("ListOrders", {**MARKET, "LastUpdatedAfter": stamp(sb.now() - timedelta(seconds=30))})
    assert (resp.status_code, error_code(resp)) == (400, "InvalidParameterValue")
    assert "cannot be after LastUpdatedBefore" in text(xml(resp), "Error/Message")


def test_marketplace_is_required_and_must_be_the_sellers(mws, sb):
    resp = mws.call("ListOrders", {"LastUpdatedAfter": stamp(sb.now() - timedelta(days=1))})
    assert (resp.status_code, error_code(resp)) == (400, "MissingParameter")
    assert "MarketplaceId" in text(xml(resp), "Error/Message")
    resp = mws.call("ListOrders", since(sb, **{"MarketplaceId.Id.1": "A1F83G8C2ARO7P"}))
    assert (resp.status_code, error_code(resp)) == (400, "InvalidParameterValue")


def test_status_and_channel_filters(mws, sb):
    ids, _, _ = walk(
        mws, since(sb, **{"OrderStatus.Status.1": "Unshipped", "OrderStatus.Status.2": "PartiallyShipped"})
    )
    want = {i for i, o in sb.orders.items() if o["OrderStatus"] in ("Unshipped", "PartiallyShipped")}
    assert set(ids) == want and want
    ids, _, _ = walk(mws, since(sb, **{"FulfillmentChannel.Channel.1": "AFN"}))
    assert set(ids) == {i for i, o in sb.orders.items() if o["FulfillmentChannel"] == "AFN"}


def test_result_set_is_frozen_at_the_first_call(mws, sb):
    resp = mws.call("ListOrders", since(sb, MaxResultsPerPage="50"))
    root = xml(resp)
    first = [text(o, "AmazonOrderId") for o in find(root, "ListOrdersResult/Orders/Order")]
    token = text(root, "ListOrdersResult/NextToken")
    later = sorted(sb.orders.values(), key=lambda o: (o["LastUpdateDate"], o["AmazonOrderId"]))[-1][
        "AmazonOrderId"
    ]
    changed = sb.update_order(later, BuyerName="Changed Later")
    sb.add_order()
    sb.advance_clock(600)
    rest = []
    while token:
        page = xml(mws.call("ListOrdersByNextToken", {"NextToken": token}))
        orders = find(page, "ListOrdersByNextTokenResult/Orders/Order")
        rest += [(text(o, "AmazonOrderId"), text(o, "BuyerName")) for o in orders]
        token = text(page, "ListOrdersByNextTokenResult/NextToken")
    assert len(first) + len(rest) == 120
    as_of_then = dict(rest).get(later)
    assert as_of_then != changed["BuyerName"]  # the page shows the order as it was at the first call


def test_next_token_can_be_retried_and_garbage_is_corrupted(mws, sb):
    root = xml(mws.call("ListOrders", since(sb, MaxResultsPerPage="10")))
    token = text(root, "ListOrdersResult/NextToken")
    assert any(c in token for c in "+/=")  # Amazon-like: exercises the client's encoding
    a = mws.call("ListOrdersByNextToken", {"NextToken": token})
    b = mws.call("ListOrdersByNextToken", {"NextToken": token})
    ids = [
        [text(o, "AmazonOrderId") for o in find(xml(r), "ListOrdersByNextTokenResult/Orders/Order")]
        for r in (a, b)
    ]
    assert ids[0] == ids[1] and len(ids[0]) == 10
    bad = mws.call("ListOrdersByNextToken", {"NextToken": token[:-5] + "AAAA="})
    assert (bad.status_code, error_code(bad)) == (400, "NextTokenCorrupted")


def test_order_xml_follows_amazons_element_order(mws, sb):
    mock = etree.parse(
        str(
            AMAZON / "mws/official-client-mocks/MarketplaceWebServiceOrders-2013-09-01/ListOrdersResponse.xml"
        )
    )
    mock_order = [etree.QName(e).localname for e in next(mock.getroot().iter(f"{{{ORDERS_NS}}}Order"))]
    root = xml(mws.call("ListOrders", since(sb)))
    assert root.tag == f"{{{ORDERS_NS}}}ListOrdersResponse"
    result = find(root, "ListOrdersResult")[0]
    assert [etree.QName(e).localname for e in result][-2:] == ["LastUpdatedBefore", "Orders"]
    for order in find(root, "ListOrdersResult/Orders/Order"):
        tags = [etree.QName(e).localname for e in order]
        known = [t for t in tags if t in mock_order]
        assert known == sorted(known, key=mock_order.index), tags
        assert tags[0] == "AmazonOrderId"
    addr = find(root, "ListOrdersResult/Orders/Order/ShippingAddress")[0]
    mock_addr = [
        etree.QName(e).localname for e in next(mock.getroot().iter(f"{{{ORDERS_NS}}}ShippingAddress"))
    ]
    tags = [etree.QName(e).localname for e in addr]
    assert [t for t in tags if t in mock_addr] == sorted(
        [t for t in tags if t in mock_addr], key=mock_addr.index
    )
    assert text(root, "ResponseMetadata/RequestId")
