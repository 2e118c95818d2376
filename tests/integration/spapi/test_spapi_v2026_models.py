"""The sandbox's Orders API v2026-01-01 against Amazon's model (orders_2026-01-01.json) as the oracle: replies fit
its definitions, the client's requests its parameters, and the rules the model states are the sandbox's."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from amazon_mws.core.times import to_amazon
from amazon_mws.sandbox import Sandbox
from amazon_mws.spapi.connection import SpConnection
from amazon_mws.spapi.credentials import SpCredentials
from amazon_mws.spapi.orders_v2026 import ORDERS_PATH, SpOrdersV2026Api

from .spapi_support import TIME_SCALE, load_model, model_validator, sp_requests

EVERYTHING = ["BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION", "FULFILLMENT", "PACKAGES",
              "TAX", "PAYMENT", "FULFILLMENT_ORDERS"]


@pytest.fixture(scope="module")
def model() -> dict:
    return load_model("orders-api-model/orders_2026-01-01.json")


def _fresh_token(sb: Sandbox) -> str:
    """An access token straight from the sandbox's LWA (the client's cache would hand back an old one)."""
    cfg = sb.sp_credentials
    reply = requests.post(cfg["lwaTokenUrl"], data={"grant_type": "refresh_token", "refresh_token": cfg["refreshToken"],
                                                    "client_id": cfg["lwaClientId"],
                                                    "client_secret": cfg["lwaClientSecret"]}, timeout=10)
    return reply.json()["access_token"]


@pytest.fixture
def token(sandbox) -> str:
    return _fresh_token(sandbox)


def _errors(validator, instance) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def _get(sb: Sandbox, token: str, path: str, **params) -> requests.Response:
    return requests.get(sb.endpoint + path, params=params, headers={"x-amz-access-token": token}, timeout=10)


def test_search_and_get_replies_fit_the_model_for_every_dataset(sandbox, token, model):
    order = sandbox.add_order(OrderStatus="Unshipped", FulfillmentChannel="MFN", SellerOrderId="MY-1",
                              PurchaseDate=sandbox.now() - timedelta(days=1),
                              LastUpdateDate=sandbox.now() - timedelta(minutes=10))
    lines = [{"orderItemId": i["OrderItemId"], "quantity": i["QuantityOrdered"]} for i in order["OrderItems"]]
    SpOrdersV2026Api(SpConnection(SpCredentials.from_config(sandbox.sp_credentials), time_scale=TIME_SCALE)
                     ).confirm_shipment(order["AmazonOrderId"], {"packageReferenceId": "1", "carrierCode": "UPS",
                                                                 "trackingNumber": "1Z9", "shipDate":
                                                                 "2026-01-01T10:00:00Z", "orderItems": lines})
    for included in ([], EVERYTHING):
        page = _get(sandbox, token, ORDERS_PATH, lastUpdatedAfter="1970-01-01T00:00:00Z", maxResultsPerPage=40,
                    includedData=",".join(included))
        assert page.status_code == 200, page.text
        assert _errors(model_validator(model, "SearchOrdersResponse"), page.json()) == []
        assert len(page.json()["orders"]) == 40 and page.json()["pagination"]["nextToken"]
        assert float(page.headers["x-amzn-RateLimit-Limit"]) == pytest.approx(0.0056)
        one = _get(sandbox, token, f"{ORDERS_PATH}/{order['AmazonOrderId']}", includedData=",".join(included))
        assert _errors(model_validator(model, "GetOrderResponse"), one.json()) == []
        assert float(one.headers["x-amzn-RateLimit-Limit"]) == pytest.approx(0.5)
    full = one.json()["order"]
    assert full["orderAliases"] == [{"aliasId": "MY-1", "aliasType": "SELLER_ORDER_ID"}]
    assert full["packages"][0]["trackingNumber"] == "1Z9" and full["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert {"buyer", "recipient", "proceeds", "payment"} <= set(full)
    bare = _get(sandbox, token, f"{ORDERS_PATH}/{order['AmazonOrderId']}").json()["order"]
    assert not {"buyer", "recipient", "proceeds", "fulfillment", "packages"} & set(bare) and bare["orderItems"]


def test_the_clients_requests_fit_the_models_parameters(sandbox, model):
    conn = SpConnection(SpCredentials.from_config(sandbox.sp_credentials), time_scale=TIME_SCALE)
    api = SpOrdersV2026Api(conn)
    page = api.list_orders(last_updated_after="1970-01-01T00:00:00Z", statuses=["Unshipped", "Shipped"],
                           fulfillment_channels=["MFN"], max_results=20)
    api.list_orders_by_next_token(page.next_token)
    api.get_order([page.orders[0]["AmazonOrderId"]])
    declared = {p["name"]: p for p in model["paths"][ORDERS_PATH]["get"]["parameters"]}
    calls = sp_requests(sandbox, "searchOrders", "getOrder@2026-01-01")
    assert [c["action"] for c in calls] == ["searchOrders", "searchOrders", "getOrder@2026-01-01"]
    for call in calls:
        for name, value in call["params"].items():
            spec = declared[name]  # every parameter sent is one the model declares
            if spec["type"] == "array":
                allowed = spec["items"].get("enum")
                assert not allowed or all(v in allowed for v in value.split(",")), (name, value)
                assert len(value.split(",")) <= spec.get("maxItems", 50)
            elif spec["type"] == "integer":
                assert 1 <= int(value) <= 100
    first, second = calls[0]["params"], calls[1]["params"]
    assert first["fulfillmentStatuses"] == "UNSHIPPED,SHIPPED" and first["fulfilledBy"] == "MERCHANT"
    assert {k: v for k, v in second.items() if k != "paginationToken"} == first  # sent again, as the model says


def test_the_models_rules(sandbox, token):
    def refused(**params) -> str:
        reply = _get(sandbox, token, ORDERS_PATH, **params)
        assert reply.status_code == 400, reply.text
        return reply.json()["errors"][0]["message"]

    assert "Exactly one" in refused(createdAfter="2026-01-01T00:00:00Z", lastUpdatedAfter="2026-01-01T00:00:00Z")
    assert "Exactly one" in refused(maxResultsPerPage=5)
    assert "createdBefore" in refused(lastUpdatedAfter="2026-01-01T00:00:00Z", createdBefore="2026-02-01T00:00:00Z")
    recent = to_amazon(sandbox.now() - timedelta(seconds=60))
    assert "two minutes" in refused(lastUpdatedAfter="2026-01-01T00:00:00Z", lastUpdatedBefore=recent)
    assert "fulfillmentStatuses" in refused(lastUpdatedAfter="2026-01-01T00:00:00Z", fulfillmentStatuses="Shipped")
    assert "includedData" in refused(lastUpdatedAfter="2026-01-01T00:00:00Z", includedData="EVERYTHING")
    assert "marketplaceId A1PA6795UKMFR9" in refused(lastUpdatedAfter="2026-01-01T00:00:00Z",
                                                     marketplaceIds="ATVPDKIKX0DER,A1PA6795UKMFR9")
    ok = _get(sandbox, token, ORDERS_PATH, lastUpdatedAfter="1970-01-01T00:00:00Z", fulfillmentStatuses="UNSHIPPED",
              marketplaceIds="ATVPDKIKX0DER,A2EUQ1WTGCTBG2", MarketplaceId="ignored")  # same region; unknown ignored
    expected = {o["AmazonOrderId"] for o in sandbox.orders.values() if o["OrderStatus"] == "Unshipped"}
    assert {o["orderId"] for o in ok.json()["orders"]} == expected  # no PartiallyShipped pairing on v2026


def test_a_pagination_token_wants_the_same_query_and_expires_after_24_hours(sandbox, token):
    query = {"lastUpdatedAfter": "1970-01-01T00:00:00Z", "maxResultsPerPage": 10}
    first = _get(sandbox, token, ORDERS_PATH, **query).json()
    nxt = first["pagination"]["nextToken"]
    again = _get(sandbox, token, ORDERS_PATH, **{**query, "maxResultsPerPage": 30}, paginationToken=nxt,
                 includedData="TAX")
    assert again.status_code == 200 and len(again.json()["orders"]) == 30  # page size and datasets may change
    changed = _get(sandbox, token, ORDERS_PATH, lastUpdatedAfter="2000-01-01T00:00:00Z", paginationToken=nxt)
    assert changed.status_code == 400 and "lastUpdatedAfter" in changed.json()["errors"][0]["message"]
    sandbox.advance_clock(24 * 3600 + 1)
    token = _fresh_token(sandbox)  # the first one has expired too
    expired = _get(sandbox, token, ORDERS_PATH, **query, paginationToken=nxt)
    assert expired.status_code == 400 and "expired" in expired.json()["errors"][0]["message"]


def test_unknown_sp_api_paths_get_sp_api_json_and_mws_paths_mws_xml(sandbox, token, model):
    unknown = _get(sandbox, token, "/orders/2099-01-01/orders")
    assert unknown.status_code == 404 and unknown.headers["Content-Type"].startswith("application/json")
    assert _errors(model_validator(model, "ErrorList"), unknown.json()) == []
    mws = requests.get(sandbox.endpoint + "/Products/2011-10-01", timeout=10)
    assert mws.headers["Content-Type"].startswith("text/xml") and b"<ErrorResponse" in mws.content


def test_after_the_removal_date_v0_orders_reads_are_refused_and_confirm_shipment_and_v2026_still_work(model):
    with Sandbox(orders=20, seed=3, time_scale=TIME_SCALE, orders_v0_removed=True) as sb:
        token = _fresh_token(sb)
        some = next(iter(sb.orders))
        for path in ("/orders/v0/orders", f"/orders/v0/orders/{some}", f"/orders/v0/orders/{some}/orderItems"):
            reply = _get(sb, token, path, MarketplaceIds=sb.marketplace_id, LastUpdatedAfter="2020-01-01T00:00:00Z")
            assert reply.status_code == 403 and "2027-03-27" in reply.json()["errors"][0]["details"]
            assert _errors(model_validator(model, "ErrorList"), reply.json()) == []
        assert _get(sb, token, ORDERS_PATH, lastUpdatedAfter="2020-01-01T00:00:00Z").status_code == 200
        order = sb.add_order(OrderStatus="Unshipped", FulfillmentChannel="MFN")
        shipped = requests.post(f"{sb.endpoint}/orders/v0/orders/{order['AmazonOrderId']}/shipmentConfirmation",
                                json={"marketplaceId": sb.marketplace_id, "packageDetail": {
                                    "packageReferenceId": "1", "carrierCode": "UPS", "trackingNumber": "1Z",
                                    "shipDate": "2026-01-01T10:00:00Z", "orderItems": [
                                        {"orderItemId": i["OrderItemId"], "quantity": i["QuantityOrdered"]}
                                        for i in order["OrderItems"]]}},
                                headers={"x-amz-access-token": token}, timeout=10)
        assert shipped.status_code == 204


def test_an_app_without_the_pii_roles_is_refused_buyer_and_recipient(sandbox, token):
    sandbox.sp.orders_v2026.pii_roles = False
    for dataset in ("BUYER", "RECIPIENT"):
        reply = _get(sandbox, token, ORDERS_PATH, lastUpdatedAfter="2020-01-01T00:00:00Z", includedData=dataset)
        assert reply.status_code == 403 and dataset in reply.json()["errors"][0]["details"]
    assert _get(sandbox, token, ORDERS_PATH, lastUpdatedAfter="2020-01-01T00:00:00Z",
                includedData="PROCEEDS").status_code == 200
