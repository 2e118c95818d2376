"""The Order REST API with SP-API credentials: the orders routes run on Orders v2026-01-01 (the default), the
same answers as on MWS, a NextToken that carries its query across requests, items without an items call."""

from __future__ import annotations

from amazon_mws.core.times import parse_time
from amazon_mws.serve import Service

from .serve_support import Served, server_config


def sp_served(make_served, **sandbox_kw) -> Served:
    base = make_served(**sandbox_kw)
    service = Service(server_config(base.sandbox, amazon=base.sandbox.sp_credentials)).start()
    base.service.stop()
    return Served(base.sandbox, service, base.session)


def test_list_orders_pages_through_v2026_to_exactly_the_visible_orders(make_served):
    served = sp_served(make_served, orders=60, seed=8)
    try:
        statuses = ["Unshipped", "Shipped"]
        reply = served.get("/order", params={"LastUpdatedAfter": "1970-01-01T00:00:00Z", "MaxResultsPerPage": "25",
                                             "OrderStatus": statuses})
        seen, pages = [], 0
        while True:
            assert reply.status_code == 200, reply.text
            result = reply.json()["ListOrdersResult"]
            seen += [o["AmazonOrderId"] for o in result["Orders"]]
            pages += 1
            before = before if pages > 1 else parse_time(result["LastUpdatedBefore"], "b")  # noqa: F821
            if not result["NextToken"]:
                break
            reply = served.get("/order", params={"NextToken": result["NextToken"]})  # a new client each request
        visible = {i for i, o in served.sandbox.orders.items()
                   if o["OrderStatus"] in ("Unshipped", "Shipped", "InvoiceUnconfirmed")
                   and parse_time(o["LastUpdateDate"], "d") <= before}
        assert pages >= 2 and len(seen) == len(set(seen)) and set(seen) == visible
        calls = served.amazon_requests("searchOrders")
        assert len(calls) == pages and calls[0]["params"]["fulfillmentStatuses"] == "UNSHIPPED,SHIPPED"
        assert served.amazon_requests("getOrders", "ListOrders") == []
        refused = served.get("/order", params={"CreatedAfter": "2020-01-01T00:00:00Z", "PaymentMethod": "COD"})
        assert refused.status_code == 400 and "PaymentMethod" in refused.text
    finally:
        served.service.stop()


def test_order_items_come_from_one_get_order(make_served):
    served = sp_served(make_served)
    try:
        order = served.sandbox.add_order(OrderStatus="Shipped", OrderItems=[{"QuantityOrdered": 1} for _ in range(5)])
        reply = served.get("/order/item", params={"AmazonOrderId": order["AmazonOrderId"]})
        assert reply.status_code == 200, reply.text
        result = reply.json()["ListOrderItemsResult"]
        assert [i["OrderItemId"] for i in result["OrderItems"]] == [i["OrderItemId"] for i in order["OrderItems"]]
        assert [r["action"] for r in served.amazon_requests("getOrder@2026-01-01", "getOrderItems")] == [
            "getOrder@2026-01-01"]
    finally:
        served.service.stop()


def test_a_hub_with_sp_api_keys_gets_the_same_spree_orders_from_v2026(served):
    from datetime import timedelta

    from amazon_mws.core.times import to_amazon

    from .test_serve_spree import add_rich_orders

    sb = served.sandbox
    start = to_amazon(sb.now() - timedelta(minutes=1))
    add_rich_orders(sb)
    sb.advance_clock(121)
    mws = served.post("/amazon/order/poll", json=served.hub_message(start))
    sp = sb.sp_credentials
    keys = {"amazon.lwa_client_id": sp["lwaClientId"], "amazon.lwa_client_secret": sp["lwaClientSecret"],
            "amazon.refresh_token": sp["refreshToken"], "amazon.lwa_token_url": sp["lwaTokenUrl"]}
    sb.reset_log()
    v2026 = served.post("/amazon/order/poll", json=served.hub_message(
        start, message_id="7654321", **{"amazon.aws_access_key": None, "amazon.secret_key": None,
                                        "amazon.mws_auth_token": None}, **keys))
    assert mws.status_code == 200 and v2026.status_code == 200, v2026.text
    assert v2026.json()["messages"] == mws.json()["messages"] and len(mws.json()["messages"]) == 2
    assert {r["action"] for r in served.amazon_requests() if r["action"] != "lwaToken"} == {"searchOrders"}
    assert sp["lwaClientSecret"] not in v2026.text and sp["refreshToken"] not in v2026.text
