"""GetOrder (at most 50 ids, unknown ids simply absent) and ListOrderItems paging."""

from __future__ import annotations

import re

from lxml import etree

from .conftest import AMAZON, ORDERS_NS, error_code, find, text, xml


def ids_param(ids):
    return {f"AmazonOrderId.Id.{n}": oid for n, oid in enumerate(ids, start=1)}


def test_get_order_returns_known_ids_and_skips_unknown(mws, sb):
    known = list(sb.orders)[:3]
    resp = mws.call("GetOrder", ids_param([known[0], "999-0000000-0000000", known[1], known[2]]))
    assert resp.status_code == 200
    got = [text(o, "AmazonOrderId") for o in find(xml(resp), "GetOrderResult/Orders/Order")]
    assert got == [known[0], known[1], known[2]]


def test_get_order_unknown_only_is_an_empty_orders_element(mws):
    root = xml(mws.call("GetOrder", ids_param(["999-0000000-0000000"])))
    assert find(root, "GetOrderResult/Orders") and not find(root, "GetOrderResult/Orders/Order")


def test_get_order_takes_at_most_fifty_ids(mws, sb):
    ids = list(sb.orders)[:51]
    assert len(find(xml(mws.call("GetOrder", ids_param(ids[:50]))), "GetOrderResult/Orders/Order")) == 50
    resp = mws.call("GetOrder", ids_param(ids))
    assert (resp.status_code, error_code(resp)) == (400, "InvalidParameterValue")
    assert "50" in text(xml(resp), "Error/Message")
    resp = mws.call("GetOrder")
    assert (resp.status_code, error_code(resp)) == (400, "MissingParameter")


def test_get_order_shows_fresh_changes_at_once(mws, sb):
    oid = next(iter(sb.orders))
    sb.update_order(oid, OrderStatus="Canceled")
    assert (
        text(
            find(xml(mws.call("GetOrder", ids_param([oid]))), "GetOrderResult/Orders/Order")[0], "OrderStatus"
        )
        == "Canceled"
    )


def test_order_ids_look_like_amazons(sb):
    assert all(re.fullmatch(r"\d{3}-\d{7}-\d{7}", oid) for oid in sb.orders)


def collect_items(mws, oid):
    resp = mws.call("ListOrderItems", {"AmazonOrderId": oid})
    assert resp.status_code == 200, resp.text
    result = "ListOrderItemsResult"
    pages = []
    while True:
        root = xml(resp)
        assert text(root, f"{result}/AmazonOrderId") == oid
        pages.append([text(i, "OrderItemId") for i in find(root, f"{result}/OrderItems/OrderItem")])
        token = text(root, f"{result}/NextToken")
        if not token:
            return pages
        resp = mws.call("ListOrderItemsByNextToken", {"NextToken": token})
        result = "ListOrderItemsByNextTokenResult"


def test_items_page_at_the_configured_size(mws, sb):
    big = next(o for o in sb.orders.values() if len(o["OrderItems"]) > 10)
    pages = collect_items(mws, big["AmazonOrderId"])
    n = len(big["OrderItems"])
    assert [len(p) for p in pages] == [5] * (n // 5) + ([n % 5] if n % 5 else [])
    assert [i for p in pages for i in p] == [i["OrderItemId"] for i in big["OrderItems"]]
    assert all(re.fullmatch(r"\d{14}", i) for p in pages for i in p)


def test_small_order_has_one_page(mws, sb):
    small = next(o for o in sb.orders.values() if len(o["OrderItems"]) <= 5)
    assert len(collect_items(mws, small["AmazonOrderId"])) == 1


def test_items_token_is_not_an_orders_token(mws, sb):
    big = next(o for o in sb.orders.values() if len(o["OrderItems"]) > 5)
    token = text(
        xml(mws.call("ListOrderItems", {"AmazonOrderId": big["AmazonOrderId"]})),
        "ListOrderItemsResult/NextToken",
    )
    resp = mws.call("ListOrdersByNextToken", {"NextToken": token})
    assert (resp.status_code, error_code(resp)) == (400, "NextTokenCorrupted")


def test_unknown_order_for_items_is_refused(mws):
    resp = mws.call("ListOrderItems", {"AmazonOrderId": "999-0000000-0000000"})
    assert (resp.status_code, error_code(resp)) == (400, "InvalidParameterValue")


def test_item_xml_follows_amazons_order_and_pending_items_have_no_prices(mws, sb):
    mock = etree.parse(
        str(
            AMAZON / "mws/official-client-mocks/MarketplaceWebServiceOrders-2013-09-01/"
            "ListOrderItemsResponse.xml"
        )
    )
    mock_order = [etree.QName(e).localname for e in next(mock.getroot().iter(f"{{{ORDERS_NS}}}OrderItem"))]
    shipped = next(o for o in sb.orders.values() if o["OrderStatus"] == "Shipped")
    root = xml(mws.call("ListOrderItems", {"AmazonOrderId": shipped["AmazonOrderId"]}))
    for item in find(root, "ListOrderItemsResult/OrderItems/OrderItem"):
        tags = [etree.QName(e).localname for e in item]
        known = [t for t in tags if t in mock_order]
        assert known == sorted(known, key=mock_order.index), tags
        assert {"ItemPrice", "ItemTax", "ShippingPrice"} <= set(tags)
        assert text(item, "ItemPrice/CurrencyCode") == "USD"
        assert re.fullmatch(r"\d+\.\d{2}", text(item, "ItemPrice/Amount"))
    pending = next(o for o in sb.orders.values() if o["OrderStatus"] == "Pending")
    root = xml(mws.call("ListOrderItems", {"AmazonOrderId": pending["AmazonOrderId"]}))
    for item in find(root, "ListOrderItemsResult/OrderItems/OrderItem"):
        assert not (
            {"ItemPrice", "ItemTax", "ShippingPrice", "PromotionDiscount"}
            & {etree.QName(e).localname for e in item}
        )
