"""The OpenAPI document against the running service: requests generated from the document's own schemas
(Hypothesis) must get documented statuses with bodies that match the documented schemas; a 400 never
reaches Amazon; nothing answers 500. Plus: the document is valid and agrees with the feed schemas."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from amazon_mws.core.times import parse_time, to_amazon

from .openapi_requests import check_response, form_strategy, query_strategy, resolve, value_strategy

REPO = Path(__file__).resolve().parents[3]
PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
                    derandomize=False)


@pytest.fixture
def time_scale() -> float:
    return 0.001  # quotas restore 1000x faster: generated requests are many


@pytest.fixture
def doc(served) -> dict:
    reply = served.get("/openapi.json")
    assert reply.status_code == 200
    return reply.json()


def run_checked(served, doc, method: str, path: str, **kw) -> tuple[int, object]:
    before = len(served.sandbox.requests)
    reply = served.session.request(method, served.url + path, timeout=60, **kw)
    operation = doc["paths"][path.split("?")[0]][method.lower()]
    body = reply.json() if reply.content else None
    check_response(doc, operation, reply.status_code, body)
    event(f"{method} {path.split('?')[0]} -> {reply.status_code}")
    assert reply.status_code != 500, body
    if reply.status_code == 400 and body.get("type") != "InvalidParameter":
        assert len(served.sandbox.requests) == before, f"a 400 reached Amazon: {body}"
    return reply.status_code, body


def test_the_document_is_valid_and_complete(doc):
    assert doc["openapi"] == "3.1.0"
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    open_to_all = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if operation.get("security") == []:
                open_to_all.append(path)
            else:
                assert "401" in operation["responses"], (method, path)
            for status, response in operation["responses"].items():
                resolved = resolve(doc, response)
                assert "application/json" in resolved["content"], (method, path, status)
    text = json.dumps(doc)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
        resolve(doc, {"$ref": ref})  # every reference resolves
    assert open_to_all == ["/healthz"]  # the one route without a token says nothing but "ok"


def test_form_fields_agree_with_the_feed_action_schemas(doc):
    """The document is written by hand; this catches it drifting from the schemas the feeds validate with."""
    def feed_props(step: str) -> dict:
        schema = json.loads((REPO / "schemas" / "feeds" / f"{step}.in.json").read_text())
        return schema["properties"]["messages"]["items"]["properties"]

    forms = doc["components"]["schemas"]
    compared = 0
    for form_name, step in [("AcknowledgementForm", "updateOrder"), ("FulfillmentForm", "shipOrder"),
                            ("AdjustmentForm", "adjustOrder")]:
        props = feed_props(step)
        item_props = props.get("items", {}).get("items", {}).get("properties", {})
        for field, schema in forms[form_name]["properties"].items():
            key = field[0].lower() + field[1:]
            source = props.get(key) or item_props.get(key) or {}
            for keyword in ("enum", "pattern", "maxLength"):
                if keyword in source:
                    assert schema.get(keyword) == source[keyword], (form_name, field, keyword)
                    compared += 1
    assert compared >= 20


def repaired(params: dict, now, kind: str) -> dict:
    """Exactly one of CreatedAfter/LastUpdatedAfter (in the past), its own Before, statuses paired."""
    other = "LastUpdated" if kind == "Created" else "Created"
    out = {k: v for k, v in params.items() if k not in (f"{other}After", f"{other}Before", "NextToken")}
    out[f"{kind}After"] = min(out.get(f"{kind}After", "2001-01-01T00:00:00Z"), "2020-01-01T00:00:00Z")
    if f"{kind}Before" in out:
        out[f"{kind}Before"] = to_amazon(now - timedelta(minutes=5))
    statuses = set(out.get("OrderStatus", []))
    if statuses & {"Unshipped", "PartiallyShipped"}:
        out["OrderStatus"] = sorted(statuses | {"Unshipped", "PartiallyShipped"})
    out.pop("MarketplaceId", None)
    return out


@PROPERTY
@given(data=st.data())
def test_list_orders_requests_from_the_document(served, doc, data):
    params = data.draw(query_strategy(doc, doc["paths"]["/order"]["get"]))
    if data.draw(st.booleans()):  # half the time, repaired to follow Amazon's cross-field rules
        params = repaired(params, served.sandbox.now(), data.draw(st.sampled_from(["Created", "LastUpdated"])))
    status, body = run_checked(served, doc, "GET", "/order", params=params)
    if status == 200:
        token = body["ListOrdersResult"]["NextToken"]
        if token:  # the token comes back as it went out
            run_checked(served, doc, "GET", "/order", params={"NextToken": token})


@pytest.fixture
def stocked(make_served):
    return make_served(orders=8, seed=17, items_page_size=2)


@PROPERTY
@given(data=st.data())
def test_order_item_requests_from_the_document(stocked, data):
    served, doc = stocked, stocked.get("/openapi.json").json()
    orders = list(served.sandbox.orders)
    params = data.draw(query_strategy(doc, doc["paths"]["/order/item"]["get"]) | st.sampled_from(orders).map(
        lambda oid: {"AmazonOrderId": oid}) | st.dictionaries(st.sampled_from(["AmazonOrderId", "x"]), st.text()))
    run_checked(served, doc, "GET", "/order/item", params=params)


VALID_FORMS = {  # AmazonOrderID and item codes are replaced by a real order's (real=True)
    "acknowledgement": {"AmazonOrderID": "111-1111111-1111111", "StatusCode": "Success"},
    "fulfillment": {"AmazonOrderID": "111-1111111-1111111", "FulfillmentDate": "2026-01-02T10:00:00Z",
                    "CarrierCode": "UPS", "ShipperTrackingNumber": "1Z999AA10123456784",
                    "AmazonOrderItemCode": "12345678901234", "Quantity": "1"},
    "adjustment": {"AmazonOrderID": "111-1111111-1111111", "AdjustmentReason": "CustomerReturn", "Currency": "USD",
                   "AmazonOrderItemCode": "12345678901234", "ItemPriceAdjustments": "5"},
}


@pytest.mark.parametrize("route", ["acknowledgement", "fulfillment", "adjustment"])
def test_feed_forms_from_the_document(make_served, route):
    served = make_served(orders=3, seed=13)
    doc = served.get("/openapi.json").json()
    operation = doc["paths"][f"/order/{route}"]["post"]
    schema = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    orders = list(served.sandbox.orders.values())
    codes = [i["OrderItemId"] for o in orders for i in o["OrderItems"]]

    @PROPERTY
    @given(form=form_strategy(doc, schema), real=st.booleans(), wait=st.sampled_from([None, "true", "false"]),
           as_json=st.booleans(), order=st.sampled_from(orders), code=st.sampled_from(codes))
    # one form each route accepts for sure, so "both outcomes" below does not hang on what the draw finds
    @example(form=VALID_FORMS[route], real=True, wait="true", as_json=False, order=orders[0], code=codes[0])
    def check(form, real, wait, as_json, order, code):
        if real:  # now and then about a real order, so Amazon's processing report is exercised too
            form = {**form, "AmazonOrderID": order["AmazonOrderId"]}
            form.pop("MerchantOrderID", None)
            form = {k: (code if k.startswith("AmazonOrderItemCode") else v) for k, v in form.items()}
        kw = {"json": form} if as_json else {"data": form}
        path = f"/order/{route}" + (f"?wait={wait}" if wait else "")
        status, body = run_checked(served, doc, "POST", path, **kw)
        statuses.append(status)
        if status == 200 and wait == "true":
            assert body["status"] == "_DONE_" and body["processingReport"] is not None

    statuses: list[int] = []
    check()
    print(route, sorted(Counter(statuses).items()))
    assert 200 in statuses and 400 in statuses, "the generated forms should reach both outcomes"


@PROPERTY
@given(data=st.data())
def test_spree_polls_from_the_document(served, doc, data):
    schema = resolve(doc, doc["components"]["schemas"]["SpreeParameters"])
    message = served.hub_message(data.draw(value_strategy(doc, schema["properties"]["amazon.last_updated_after"])),
                                 message_id=data.draw(st.text(min_size=1, max_size=20).filter(str.strip)))
    start = parse_time(message["parameters"]["amazon.last_updated_after"], "start")
    if data.draw(st.booleans()):
        message["parameters"] = [{"name": k, "value": v} for k, v in message["parameters"].items()]
    status, body = run_checked(served, doc, "POST", "/amazon/order/poll", json=message)
    if status == 400:  # Amazon refuses a start later than its "now minus two minutes"; the hub must fix it
        assert body["type"] == "InvalidParameter" and start > served.sandbox.now() - timedelta(minutes=2), body
    else:
        assert status == 200, body
    assert body["message_id"] == message["message_id"]


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                      max_size=3), max_leaves=8)


@PROPERTY
@given(body=json_values | st.fixed_dictionaries({"message": st.just("amazon:order:poll"), "message_id": json_values,
                                                  "parameters": json_values}))
def test_any_other_json_to_the_spree_endpoint_is_a_documented_400(served, doc, body):
    status, _ = run_checked(served, doc, "POST", "/amazon/order/poll", json=body)
    assert status == 400
