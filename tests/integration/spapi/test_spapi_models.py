"""Amazon's OpenAPI models (../shared/amazon/sp-api/models) as the oracle: what our client sends and what the
sandbox answers must fit ordersV0 and feeds_2021-06-30 (jsonschema over the models' definitions)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests

from amazon_mws.core.errors import InvalidParameter
from amazon_mws.spapi.connection import SpConnection
from amazon_mws.spapi.credentials import SpCredentials
from amazon_mws.spapi.feeds import SpFeedsApi
from amazon_mws.spapi.orders import SpOrdersApi

from .spapi_support import TIME_SCALE, model_validator, sp_requests


class RecordingSession(requests.Session):
    """A real session that also keeps the JSON bodies it sent (to validate them against the models)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, object]] = []

    def request(self, method, url, *args, **kwargs):  # noqa: ANN001 - requests' signature
        data = kwargs.get("data")
        if isinstance(data, bytes) and data[:1] == b"{":
            self.sent.append((method, url.split("?")[0], json.loads(data)))
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def conn(sandbox):
    return SpConnection(SpCredentials.from_config(sandbox.sp_credentials), time_scale=TIME_SCALE,
                        session=RecordingSession())


def _errors(validator, instance) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_orders_replies_fit_the_model_with_and_without_restricted_data(sandbox, conn, orders_model):
    shipped = next(o for o in sandbox.orders.values() if o["OrderStatus"] == "Shipped")
    for rdt in (True, False):
        api = SpOrdersApi(conn, restricted_data=rdt)
        page = api.conn.request("getOrders", "GET", "/orders/v0/orders", params={
            "MarketplaceIds": [sandbox.marketplace_id], "LastUpdatedAfter": "1970-01-01T00:00:00Z",
            "OrderStatuses": ["Shipped", "Canceled"], "MaxResultsPerPage": 30})
        assert _errors(model_validator(orders_model, "GetOrdersResponse"), page.data) == []
        assert len(page.data["payload"]["Orders"]) == 30 and page.data["payload"]["NextToken"]
        one = conn.request("getOrder", "GET", f"/orders/v0/orders/{shipped['AmazonOrderId']}")
        assert _errors(model_validator(orders_model, "GetOrderResponse"), one.data) == []
        items = conn.request("getOrderItems", "GET", f"/orders/v0/orders/{shipped['AmazonOrderId']}/orderItems")
        assert _errors(model_validator(orders_model, "GetOrderItemsResponse"), items.data) == []


def test_the_clients_orders_requests_fit_the_models_parameters(sandbox, conn, orders_model):
    api = SpOrdersApi(conn)
    page = api.list_orders(last_updated_after="1970-01-01T00:00:00Z", statuses=["Unshipped", "PartiallyShipped"],
                           fulfillment_channels=["MFN"], max_results=20)
    api.list_orders_by_next_token(page.next_token)
    declared = {p["name"]: p for p in orders_model["paths"]["/orders/v0/orders"]["get"]["parameters"]}
    for request in sp_requests(sandbox, "getOrders"):
        for name, value in request["params"].items():
            spec = declared[name]
            if spec["type"] == "array":
                allowed = spec["items"].get("enum")
                assert all(v in allowed for v in value.split(",")) if allowed else value
                assert len(value.split(",")) <= spec.get("maxItems", 50)
            elif spec["type"] == "integer":
                assert spec.get("minimum", 1) <= int(value) <= spec.get("maximum", 100)
        assert "MarketplaceIds" in request["params"]


def test_error_bodies_fit_the_error_list(sandbox, conn, orders_model):
    token = conn.tokens.get()
    sandbox.inject_fault("throttle", operation="getOrders")
    throttled = requests.get(f"{sandbox.endpoint}/orders/v0/orders", params={"MarketplaceIds": sandbox.marketplace_id},
                             headers={"x-amz-access-token": token}, timeout=10)
    missing = requests.get(f"{sandbox.endpoint}/orders/v0/orders/999-0000000-0000000",
                           headers={"x-amz-access-token": token}, timeout=10)
    denied = requests.get(f"{sandbox.endpoint}/orders/v0/orders/999-0000000-0000000",
                          headers={"x-amz-access-token": "Atza|forged"}, timeout=10)
    assert (throttled.status_code, missing.status_code, denied.status_code) == (429, 404, 403)
    assert throttled.json()["errors"][0]["code"] == "QuotaExceeded"
    for reply in (throttled, missing, denied):
        assert _errors(model_validator(orders_model, "GetOrderResponse"), reply.json()) == []
        assert reply.headers["x-amzn-RequestId"]
    assert float(throttled.headers["x-amzn-RateLimit-Limit"]) == pytest.approx(0.0167)


def test_confirm_shipment_ships_the_items_and_its_body_fits_the_model(sandbox, conn, orders_model):
    order = sandbox.add_order(OrderStatus="Unshipped", FulfillmentChannel="MFN")
    lines = [{"orderItemId": i["OrderItemId"], "quantity": i["QuantityOrdered"]} for i in order["OrderItems"]]
    package = {"packageReferenceId": "1", "carrierCode": "UPS", "trackingNumber": "1Z999", "shipDate":
               "2026-01-01T10:00:00Z", "orderItems": lines}
    api = SpOrdersApi(conn)
    api.confirm_shipment(order["AmazonOrderId"], package)
    assert sandbox.orders[order["AmazonOrderId"]]["OrderStatus"] == "Shipped"
    [(_, _, body)] = [s for s in conn.session.sent if s[1].endswith("/shipmentConfirmation")]
    assert _errors(model_validator(orders_model, "ConfirmShipmentRequest"), body) == []
    with pytest.raises(InvalidParameter) as again:
        api.confirm_shipment(order["AmazonOrderId"], package)
    assert "Shipped" in str(again.value)


def test_feeds_requests_and_replies_fit_the_model(sandbox, conn, feeds_model):
    api = SpFeedsApi(conn)
    info = api.submit_feed(b"<?xml version='1.0'?><AmazonEnvelope/>", "_POST_ORDER_ACKNOWLEDGEMENT_DATA_")
    sandbox.advance_clock(10)
    feed = api.get_feed(info["FeedSubmissionId"])
    assert _errors(model_validator(feeds_model, "Feed"), feed) == []
    document = api.get_feed_document(feed["resultFeedDocumentId"])
    assert _errors(model_validator(feeds_model, "FeedDocument"), document) == []
    listed = conn.request("getFeeds", "GET", "/feeds/2021-06-30/feeds",
                          params={"feedTypes": ["POST_ORDER_ACKNOWLEDGEMENT_DATA"]}).data
    assert _errors(model_validator(feeds_model, "GetFeedsResponse"), listed) == []
    assert [f["feedId"] for f in listed["feeds"]] == [info["FeedSubmissionId"]]
    bodies = {url.rsplit("/", 1)[1]: body for _, url, body in conn.session.sent}
    assert _errors(model_validator(feeds_model, "CreateFeedDocumentSpecification"), bodies["documents"]) == []
    assert _errors(model_validator(feeds_model, "CreateFeedSpecification"), bodies["feeds"]) == []


def test_payment_method_and_buyer_email_filters_on_sp_api(sandbox, conn):
    api = SpOrdersApi(conn)
    sandbox.add_order(PaymentMethod="COD", PurchaseDate=sandbox.now() - timedelta(days=1))  # US seeds are all Other
    cod = api.list_orders(created_after="1970-01-01T00:00:00Z", payment_methods=["COD"])
    expected = {o["AmazonOrderId"] for o in sandbox.orders.values() if o.get("PaymentMethod") == "COD"}
    assert expected and {o["AmazonOrderId"] for o in cod.orders} == expected  # fewer than a page of COD orders
    sent = [r for r in sp_requests(sandbox, "getOrders")][-1]
    assert "COD" in str(sent["params"].get("PaymentMethods"))
    buyer = next(o for o in sandbox.orders.values() if o.get("BuyerEmail"))
    page = api.list_orders(created_after="1970-01-01T00:00:00Z", buyer_email=buyer["BuyerEmail"])
    assert buyer["AmazonOrderId"] in {o["AmazonOrderId"] for o in page.orders}
    with pytest.raises(ValueError, match="tfm_statuses: SP-API getOrders has no TFMShipmentStatus filter"):
        api.list_orders(created_after="1970-01-01T00:00:00Z", tfm_statuses=["Delivered"])
