"""SP-API orders in the MWS shape, and SP-API / LWA errors on the shared decision table (pure functions)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from amazon_mws.core.errors import AccessDenied, Action, InvalidParameter, ServerError, Throttled, decide
from amazon_mws.sandbox.data import OrderFactory
from amazon_mws.sandbox.spapi.orders import sp_item, sp_order
from amazon_mws.spapi.errors import LwaError, NotFound, TokenRejected, lwa_error, sp_error
from amazon_mws.spapi.shape import item_from_sp, order_from_sp, retype


def test_buyer_info_is_lifted_and_string_leaves_are_typed():
    order = order_from_sp({"AmazonOrderId": "111-1111111-1111111", "BuyerInfo": {"BuyerEmail": "a@b.c",
                           "BuyerName": "Zoë"}, "IsPrime": "false", "NumberOfItemsShipped": "2",
                           "PaymentMethodDetails": ["Standard"], "HasRegulatedItems": False, "Extra": {"x": 1}})
    assert order == {"AmazonOrderId": "111-1111111-1111111", "BuyerEmail": "a@b.c", "BuyerName": "Zoë",
                     "IsPrime": False, "NumberOfItemsShipped": 2, "PaymentMethodDetails": ["Standard"],
                     "HasRegulatedItems": False, "Extra": {"x": 1}}
    item = item_from_sp({"OrderItemId": "1", "IsGift": "true", "ProductInfo": {"NumberOfItems": "3"},
                         "BuyerInfo": {"GiftWrapPrice": {"CurrencyCode": "USD", "Amount": "1.00"}},
                         "PointsGranted": {"PointsNumber": 10, "PointsMonetaryValue": {"CurrencyCode": "JPY",
                                                                                      "Amount": "10"}}})
    assert item["IsGift"] is True and item["ProductInfo"] == {"NumberOfItems": 3}
    assert item["GiftWrapPrice"]["Amount"] == "1.00" and "BuyerInfo" not in item
    assert retype({"QuantityOrdered": "x"}, "OrderItem") == {"QuantityOrdered": "x"}, "unreadable values are kept"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sandbox_sp_json_read_back_equals_the_mws_order(seed):
    """The sandbox renders an order as SP-API does; the client's conversion gives back the MWS order."""
    factory = OrderFactory(seed, "ATVPDKIKX0DER")
    for order in factory.generate(60, datetime(2026, 1, 1, tzinfo=timezone.utc)):
        full = frozenset({"buyerInfo", "shippingAddress"})
        wire = json.loads(json.dumps(sp_order(order, full)))
        expected = {k: v for k, v in order.items() if k != "OrderItems"}
        assert order_from_sp(wire) == expected
        for item in order["OrderItems"]:
            assert item_from_sp(json.loads(json.dumps(sp_item(item, full)))) == item
        public = sp_order(order, frozenset())
        assert "BuyerInfo" not in public and set(public.get("ShippingAddress", {})) <= {
            "City", "StateOrRegion", "PostalCode", "CountryCode"}


def _body(code: str, message: str, details: str = "") -> bytes:
    return json.dumps({"errors": [{"code": code, "message": message, "details": details}]}).encode()


@pytest.mark.parametrize("status, body, kind, action", [
    (429, _body("QuotaExceeded", "You exceeded your quota for the requested resource."), Throttled, Action.WAIT),
    (403, _body("Unauthorized", "Access to requested resource is denied.",
                "The access token you provided has expired."), TokenRejected, Action.REFRESH),
    (403, _body("Unauthorized", "Access to requested resource is denied."), AccessDenied, Action.FAIL),
    (404, _body("NotFound", "Order not found"), NotFound, Action.FAIL),
    (400, _body("InvalidInput", "Invalid input"), InvalidParameter, Action.FAIL),
    (500, _body("InternalFailure", "boom"), ServerError, Action.RETRY),
    (503, b"<html>busy</html>", ServerError, Action.RETRY),
])
def test_sp_errors_map_onto_the_shared_kinds_and_table(status, body, kind, action):
    err = sp_error(status, {"x-amzn-RequestId": "rid-1"}, body)
    assert type(err) is kind and err.request_id == "rid-1" and err.http_status == status
    decision = decide(err, retries_done=0, restore_seconds=60.0)
    assert decision.action is action
    if action is Action.WAIT:
        assert decision.delay == 60.0


@pytest.mark.parametrize("status, error, field", [
    (401, "invalid_client", "lwaClientId"), (400, "invalid_grant", "refreshToken"),
    (400, "unsupported_grant_type", "lwaTokenUrl"),
])
def test_lwa_refusals_name_the_wrong_credential(status, error, field):
    err = lwa_error(status, json.dumps({"error": error, "error_description": "nope"}).encode())
    assert isinstance(err, LwaError) and err.field == field and str(err).startswith(f"{error}: {field}:")


def test_lwa_outage_is_retried_not_blamed_on_a_credential():
    err = lwa_error(503, b"")
    assert isinstance(err, ServerError) and decide(err, retries_done=0, restore_seconds=0).action is Action.RETRY


def test_a_getorders_page_is_shaped_when_its_orders_are_first_read(monkeypatch):
    """The prefetch thread that decodes a reply does not shape it (that delayed the next request); the
    reader shapes it once, and the page then reads as any OrdersPage."""
    from amazon_mws.spapi import orders as sp_orders

    calls: list[str] = []
    real = sp_orders.order_from_sp
    monkeypatch.setattr(sp_orders, "order_from_sp", lambda o: calls.append(o["AmazonOrderId"]) or real(o))
    raw = [{"AmazonOrderId": "111-1111111-1111111", "IsPrime": "true", "BuyerInfo": {"BuyerEmail": "a@b.c"}}]
    page = sp_orders.SpOrdersPage(orders=raw, next_token="n", last_updated_before=None, created_before=None,
                                  request_id="r")
    assert calls == []
    assert page.orders == [{"AmazonOrderId": "111-1111111-1111111", "IsPrime": True, "BuyerEmail": "a@b.c"}]
    assert page.orders is page.orders and calls == ["111-1111111-1111111"]  # shaped once
    assert raw[0]["IsPrime"] == "true" and "BuyerInfo" in raw[0]  # Amazon's objects are not changed
