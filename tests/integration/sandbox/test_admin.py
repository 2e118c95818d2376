"""The test hooks, as a Python API and as unsigned JSON routes under /_sandbox/."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from amazon_mws.sandbox.clock import parse_iso

from .conftest import error_code


def admin(sb, method, path, **kw):
    return requests.request(method, f"{sb.endpoint}/_sandbox/{path}", timeout=10, **kw)


def test_add_order_defaults_to_a_complete_unshipped_order_updated_now(sb):
    order = sb.add_order(BuyerName="Zoë Müller")
    assert order["OrderStatus"] == "Unshipped" and order["BuyerName"] == "Zoë Müller"
    assert abs((parse_iso(order["LastUpdateDate"]) - sb.now()).total_seconds()) < 1
    assert order["OrderItems"] and "OrderTotal" in order
    assert sb.orders[order["AmazonOrderId"]] is order


def test_add_order_with_items_and_an_id(sb):
    order = sb.add_order(
        AmazonOrderId="123-1234567-7654321", OrderItems=[{"SellerSKU": "MY-SKU", "QuantityOrdered": 4}]
    )
    assert order["AmazonOrderId"] == "123-1234567-7654321"
    (item,) = order["OrderItems"]
    assert item["SellerSKU"] == "MY-SKU" and item["QuantityOrdered"] == 4 and item["OrderItemId"]
    assert order["NumberOfItemsUnshipped"] == 4
    with pytest.raises(ValueError, match="already exists"):
        sb.add_order(AmazonOrderId="123-1234567-7654321")
    with pytest.raises(ValueError, match="3-7-7"):
        sb.add_order(AmazonOrderId="12-34")


def test_update_order_bumps_last_update_date(sb):
    oid, old = next(iter(sb.orders.items()))
    sb.advance_clock(60)
    new = sb.update_order(oid, OrderStatus="Shipped")
    assert new["OrderStatus"] == "Shipped" and new["LastUpdateDate"] > old["LastUpdateDate"]
    assert new["NumberOfItemsUnshipped"] == 0
    assert old["OrderStatus"] != "Shipped" or old is not new  # copy on write: the old dict is untouched
    with pytest.raises(KeyError):
        sb.update_order("999-0000000-0000000", OrderStatus="Shipped")


def test_admin_routes_mirror_the_hooks(sb, mws):
    state = admin(sb, "GET", "state").json()
    assert state["orders"] == 120 and state["endpoint"] == sb.endpoint
    before = parse_iso(admin(sb, "GET", "clock").json()["now"])
    after = parse_iso(admin(sb, "POST", "clock", json={"advance": 3600}).json()["now"])
    assert timedelta(seconds=3599) < after - before < timedelta(seconds=3700)

    created = admin(sb, "POST", "orders", json={"BuyerName": "José Núñez", "OrderStatus": "Unshipped"})
    assert created.status_code == 201
    oid = created.json()["AmazonOrderId"]
    assert sb.orders[oid]["BuyerName"] == "José Núñez"
    changed = admin(sb, "PATCH", f"orders/{oid}", json={"OrderStatus": "Canceled"})
    assert changed.json()["OrderStatus"] == "Canceled"
    assert admin(sb, "GET", f"orders/{oid}").json()["OrderStatus"] == "Canceled"
    assert admin(sb, "GET", "orders/999-0000000-0000000").status_code == 404
    assert oid in admin(sb, "GET", "orders").json()["orders"]

    assert admin(sb, "POST", "faults", json={"kind": "500", "count": 1}).json()["faults"][0]["kind"] == "500"
    resp = mws.call("GetServiceStatus")
    assert (resp.status_code, error_code(resp)) == (500, "InternalError")
    bad = admin(sb, "POST", "faults", json={"kind": "boom"})
    assert bad.status_code == 400 and "fault kind" in bad.json()["error"]

    log = admin(sb, "GET", "requests").json()["requests"]
    assert [(e["action"], e["status"]) for e in log] == [("GetServiceStatus", 500)]
    assert admin(sb, "DELETE", "requests").json() == {"requests": []}
    assert sb.requests == []
    assert admin(sb, "GET", "nowhere").status_code == 404
    assert admin(sb, "POST", "orders", data=b"[1, 2]").status_code == 400


def test_admin_feeds_show_bodies(sb, mws):
    feed = b"<AmazonEnvelope><MessageType>Inventory</MessageType></AmazonEnvelope>"
    assert mws.submit(feed, "_POST_INVENTORY_AVAILABILITY_DATA_").status_code == 200
    (shown,) = admin(sb, "GET", "feeds").json()["feeds"]
    assert shown["body"] == feed.decode() and shown["FeedProcessingStatus"] == "_SUBMITTED_"


def test_admin_route_expires_sp_api_tokens(sb):
    creds = sb.sp_credentials
    form = {"grant_type": "refresh_token", "refresh_token": creds["refreshToken"],
            "client_id": creds["lwaClientId"], "client_secret": creds["lwaClientSecret"]}
    token = requests.post(creds["lwaTokenUrl"], data=form, timeout=10).json()["access_token"]
    path = "/orders/v0/orders/123-1234567-1234567"
    assert requests.get(sb.endpoint + path, headers={"x-amz-access-token": token}, timeout=10).status_code != 403
    assert admin(sb, "POST", "sp/expire-tokens").json() == {"expired": True}
    assert requests.get(sb.endpoint + path, headers={"x-amz-access-token": token}, timeout=10).status_code == 403
