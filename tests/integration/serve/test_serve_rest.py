"""The Order REST API over real HTTP against the sandbox: orders, items, and the three feeds to their reports."""

from __future__ import annotations

import pytest

from amazon_mws.core.times import parse_time

FEED_ACTIONS = ("SubmitFeed", "GetFeedSubmissionList", "GetFeedSubmissionResult")


def unshipped_order(sb, items: int = 2) -> dict:
    order = sb.add_order(OrderStatus="Unshipped", OrderItems=[{"QuantityOrdered": 2} for _ in range(items)])
    sb.advance_clock(121)
    return order


def test_list_orders_pages_through_next_token_to_exactly_the_visible_orders(make_served):
    served = make_served(orders=60, seed=8)
    seen: list[str] = []
    reply = served.get("/order", params={"LastUpdatedAfter": "1970-01-01T00:00:00Z", "MaxResultsPerPage": "25",
                                         "OrderStatus": ["Unshipped", "PartiallyShipped", "Shipped"]})
    pages = 0
    while True:
        assert reply.status_code == 200, reply.text
        result = reply.json()["ListOrdersResult"]
        assert reply.json()["ResponseMetadata"]["RequestId"]
        seen += [o["AmazonOrderId"] for o in result["Orders"]]
        pages += 1
        before = before if pages > 1 else parse_time(result["LastUpdatedBefore"], "LastUpdatedBefore")  # noqa: F821
        if not result["NextToken"]:
            break
        reply = served.get("/order", params={"NextToken": result["NextToken"]})
    visible = {o["AmazonOrderId"] for o in served.sandbox.orders.values()
               if o["OrderStatus"] in ("Unshipped", "PartiallyShipped", "Shipped")
               and parse_time(o["LastUpdateDate"], "d") < before}
    assert pages >= 2 and len(seen) == len(set(seen)) and set(seen) == visible
    assert len(served.amazon_requests("ListOrdersByNextToken")) == pages - 1


def test_list_orders_bad_parameters_are_400_by_name_and_nothing_is_sent(served):
    def problems(params) -> list[str]:
        reply = served.get("/order", params=params)
        assert reply.status_code == 400, reply.text
        return reply.json()["problems"]

    assert problems({}) == ["CreatedAfter: give exactly one of CreatedAfter and LastUpdatedAfter"]
    assert problems({"CreatedAfter": "2020-01-01T00:00:00Z", "LastUpdatedAfter": "2020-01-01T00:00:00Z"}) == [
        "CreatedAfter: give exactly one of CreatedAfter and LastUpdatedAfter"]
    assert problems({"LastUpdatedAfter": "yesterday", "MaxResultsPerPage": "500", "Colour": "red"}) == [
        "Colour: unknown query parameter",
        "LastUpdatedAfter: 'yesterday' is not a time; use 1970-01-01T00:00:00.000 +0000 or ISO 8601",
        "MaxResultsPerPage: '500' is not a whole number from 1 to 100"]
    assert problems({"LastUpdatedAfter": "2020-01-01T00:00:00Z", "OrderStatus": "Unshipped"}) == [
        "OrderStatus: Unshipped and PartiallyShipped must be requested together"]
    assert problems({"LastUpdatedAfter": "2020-01-01T00:00:00Z", "OrderStatus": "Lost,Shipped",
                     "FulfillmentChannel": "XYZ"})[1] == "FulfillmentChannel: 'XYZ' is not AFN or MFN"
    assert problems({"NextToken": "abc", "MaxResultsPerPage": "5"}) == [
        "MaxResultsPerPage: cannot be combined with NextToken (the token carries the filters)"]
    assert problems({"LastUpdatedAfter": "2020-01-01T00:00:00Z", "BuyerEmail": "a@b.c"}) == [
        "BuyerEmail: not allowed with LastUpdatedAfter (use CreatedAfter)"]
    assert problems({"CreatedAfter": "2020-01-01T00:00:00Z", "PaymentMethod": "Cash"}) == [
        "PaymentMethod: 'Cash' is not one of COD, CVS, Other"]
    assert served.amazon_requests() == []


def test_created_after_and_comma_separated_statuses(served):
    sb = served.sandbox
    order = unshipped_order(sb)
    reply = served.get("/order", params={"CreatedAfter": "2001-01-01T00:00:00Z",
                                         "OrderStatus": "Unshipped,PartiallyShipped"})
    assert reply.status_code == 200, reply.text
    assert [o["AmazonOrderId"] for o in reply.json()["ListOrdersResult"]["Orders"]] == [order["AmazonOrderId"]]
    assert reply.json()["ListOrdersResult"]["CreatedBefore"]


def test_order_items_every_page(make_served):
    served = make_served(items_page_size=2)
    order = served.sandbox.add_order(OrderStatus="Shipped", OrderItems=[{"QuantityOrdered": 1} for _ in range(5)])
    reply = served.get("/order/item", params={"AmazonOrderId": order["AmazonOrderId"]})
    assert reply.status_code == 200, reply.text
    result = reply.json()["ListOrderItemsResult"]
    assert result["AmazonOrderId"] == order["AmazonOrderId"]
    assert [i["OrderItemId"] for i in result["OrderItems"]] == [i["OrderItemId"] for i in order["OrderItems"]]
    assert len(served.amazon_requests("ListOrderItemsByNextToken")) == 2
    bad = served.get("/order/item", params={"AmazonOrderId": "12-34"})
    assert bad.status_code == 400
    assert bad.json()["problems"] == [
        "AmazonOrderId: '12-34' is not an Amazon order id (3-7-7 digits, 123-1234567-1234567)"]
    assert served.get("/order/item").json()["problems"] == ["AmazonOrderId: is required"]
    unknown = served.get("/order/item", params={"AmazonOrderId": "902-0000000-0000000"})
    assert unknown.status_code == 404, unknown.text  # Amazon does not know it: not a 502
    assert "902-0000000-0000000" in unknown.text


def test_acknowledgement_waits_for_the_processing_report(served):
    sb = served.sandbox
    order = unshipped_order(sb)
    codes = [i["OrderItemId"] for i in order["OrderItems"]]
    reply = served.post("/order/acknowledgement", params={"wait": "true"}, data={
        "AmazonOrderID": order["AmazonOrderId"], "MerchantOrderID": "SHOP-1001", "StatusCode": "Success",
        "AmazonOrderItemCode_1": codes[0], "MerchantOrderItemID_1": "LINE-1",
        "AmazonOrderItemCode_2": codes[1], "MerchantOrderItemID_2": "LINE-2"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["feedType"] == "_POST_ORDER_ACKNOWLEDGEMENT_DATA_" and body["status"] == "_DONE_"
    report = body["processingReport"]
    assert report["messagesProcessed"] == 2 and report["messagesSuccessful"] == 2 and report["messagesWithError"] == 0
    assert body["feedSubmissionId"] in sb.feeds
    assert sb.orders[order["AmazonOrderId"]].get("SellerOrderId") == "SHOP-1001"  # Amazon took the merchant id


def test_fulfillment_without_wait_returns_the_submission_then_the_order_ships(served):
    sb = served.sandbox
    order = unshipped_order(sb)
    items = order["OrderItems"]
    form = {"AmazonOrderID": order["AmazonOrderId"], "FulfillmentDate": "2024-01-02T10:00:00Z",
            "CarrierCode": "UPS", "ShippingMethod": "Second Day", "ShipperTrackingNumber": "1Z999",
            "MerchantFulfillmentID": "77"}
    for n, item in enumerate(items, start=1):
        form[f"AmazonOrderItemCode_{n}"] = item["OrderItemId"]
        form[f"Quantity_{n}"] = str(item["QuantityOrdered"])
    reply = served.post("/order/fulfillment", data=form)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["processingReport"] is None and body["status"] in ("_SUBMITTED_", "_IN_PROGRESS_")
    assert body["feedType"] == "_POST_ORDER_FULFILLMENT_DATA_"
    assert served.amazon_requests("SubmitFeed") and not served.amazon_requests("GetFeedSubmissionResult")
    # the same form with ?wait=true goes all the way to the report, and Amazon marks the order shipped
    waited = served.post("/order/fulfillment?wait=true", data={**form, "MerchantFulfillmentID": "78"})
    assert waited.status_code == 200, waited.text
    assert waited.json()["status"] == "_DONE_" and waited.json()["processingReport"]["messagesProcessed"] == 1
    assert sb.orders[order["AmazonOrderId"]]["OrderStatus"] == "Shipped"


def test_adjustment_as_json_with_defaults_for_every_item(served):
    sb = served.sandbox
    order = unshipped_order(sb)
    codes = [i["OrderItemId"] for i in order["OrderItems"]]
    reply = served.post("/order/adjustment?wait=1", json={
        "AmazonOrderID": order["AmazonOrderId"], "AdjustmentReason": "CustomerReturn", "Currency": "USD",
        "AmazonOrderItemCode_1": codes[0], "ItemPriceAdjustments_1": "Principal:10.23,Shipping:2.00",
        "AmazonOrderItemCode_2": codes[1], "ItemPriceAdjustments_2": "5", "MerchantAdjustmentItemID_2": "ADJ-2",
        "PromotionAdjustments_2": "Principal:-1.00"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["feedType"] == "_POST_PAYMENT_ADJUSTMENT_DATA_" and body["status"] == "_DONE_"
    assert body["processingReport"]["messagesProcessed"] == 1


@pytest.mark.parametrize(("route", "form", "expected"), [
    ("acknowledgement", {"AmazonOrderID": "111-1111111-1111111", "StatusCode": "Shipped",
                         "AmazonOrderItemCode_1": "123"},
     ["AmazonOrderItemCode_1: '123' does not match '^[0-9]{14}$'",
      "StatusCode: 'Shipped' is not one of ['Success', 'Failure']"]),
    ("acknowledgement", {"AmazonOrderID": "111-1111111-1111111", "StatusCode": "Success", "Colour": "red",
                         "StatusCode_2": "Success", "AmazonOrderItemCode": "12345678901234",
                         "AmazonOrderItemCode_1": "12345678901234"},
     ["Colour: unknown field (known: AmazonOrderID, MerchantOrderID, StatusCode, AmazonOrderItemCode[_N], "
      "MerchantOrderItemID[_N], CancelReason[_N])",
      "StatusCode_2: StatusCode is an order field and takes no _N item number",
      "AmazonOrderItemCode: identifies one item; with numbered items send AmazonOrderItemCode_N for each"]),
    ("fulfillment", {"AmazonOrderID": "111-1111111-1111111", "MerchantOrderID": "M1", "FulfillmentDate": "soon",
                     "CarrierCode": "UPS", "AmazonOrderItemCode_1": "12345678901234", "Quantity_1": "2",
                     "AmazonOrderItemCode_2": "12345678901234", "Quantity_2": "two"},
     ["Quantity_2: 'two' is not a whole number"]),
    ("fulfillment", {"AmazonOrderID": "111-1111111-1111111", "MerchantOrderID": "M1", "FulfillmentDate": "soon",
                     "AmazonOrderItemCode_1": "12345678901234", "Quantity_1": "0"},
     ["FulfillmentDate: 'soon' does not match", "Quantity_1: 0 is less than the minimum of 1"]),
    ("fulfillment", {"AmazonOrderID": "111-1111111-1111111", "MerchantOrderID": "M1",
                     "FulfillmentDate": "2024-01-02T10:00:00Z", "ShipperTrackingNumber": "1Z"},
     ["(form): exactly one of AmazonOrderID, MerchantOrderID is required",
      "(form): CarrierCode or CarrierName is required with shipping details"]),
    ("adjustment", {"AmazonOrderID": "111-1111111-1111111", "AmazonOrderItemCode": "12345678901234",
                    "AdjustmentReason": "Success", "ItemPriceAdjustments": "ten", "Currency": "EUR"},
     ["ItemPriceAdjustments: 'ten' is not an amount (10.23) or a typed amount (Principal:10.23)"]),
    ("adjustment", {"AmazonOrderID": "111-1111111-1111111", "AmazonOrderItemCode": "12345678901234",
                    "AdjustmentReason": "Success", "ItemPriceAdjustments": "Bonus:10.23", "Currency": "EUR"},
     ["AdjustmentReason: 'Success' is not one of", "ItemPriceAdjustments[0].type: 'Bonus' is not one of"]),
    ("adjustment", {"AmazonOrderID": "111-1111111-1111111"}, ["items (the _N fields): is required"]),
])
def test_bad_forms_are_400_naming_the_form_fields_and_send_nothing(served, route, form, expected):
    reply = served.post(f"/order/{route}?wait=true", data=form)
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert len(body["problems"]) == len(expected), body["problems"]
    for line, start in zip(body["problems"], expected, strict=True):
        assert line.startswith(start), (line, start)
    assert body["message"].startswith("invalid request, nothing was sent to Amazon")
    assert served.amazon_requests() == []


def test_other_content_types_and_query_parameters_are_refused(served):
    reply = served.post("/order/acknowledgement", data=b"<xml/>", headers={"Content-Type": "text/xml"})
    assert reply.status_code == 415 and "application/x-www-form-urlencoded" in reply.json()["message"]
    reply = served.post("/order/acknowledgement?wait=maybe", data={"AmazonOrderID": "111-1111111-1111111"})
    assert reply.status_code == 400 and reply.json()["problems"] == ["wait: 'maybe' is not true or false"]
    reply = served.post("/order/acknowledgement?StatusCode=Success", data={"AmazonOrderID": "111-1111111-1111111"})
    assert reply.json()["problems"] == ["StatusCode: unknown query parameter (form fields go in the body)"]
    reply = served.post("/order/acknowledgement", json={"AmazonOrderID": ["a", "b"]})
    assert reply.json()["problems"] == ["AmazonOrderID: must be a string or a number"]
    reply = served.post("/order/acknowledgement", data='{"AmazonOrderID": "é"}'.encode("latin-1"),
                        headers={"Content-Type": "application/json"})
    assert reply.status_code == 400 and reply.json()["problems"] == ["(body): is not UTF-8"]
    reply = served.post("/order/acknowledgement", data=b"{", headers={"Content-Type": "application/json"})
    assert reply.status_code == 400 and reply.json()["problems"][0].startswith("(body): is not JSON (Expecting")
    assert served.get("/order/fulfillment").status_code == 405
    assert served.get("/order/fulfillment").headers["Allow"] == "POST"
    assert served.get("/nowhere").status_code == 404
    assert served.amazon_requests() == []


def test_amazon_failures_become_502_with_amazons_code(served):
    served.sandbox.inject_fault("500", count=10, operation="ListOrders")
    reply = served.get("/order", params={"LastUpdatedAfter": "2020-01-01T00:00:00Z"})
    assert reply.status_code == 502, reply.text
    assert reply.json()["amazonCode"] and reply.json()["type"] in ("ServerError", "TransportError")


def test_a_token_amazon_refuses_is_400_with_amazons_code(served):
    reply = served.get("/order", params={"NextToken": "not-a-token-amazon-gave"})
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert body["type"] == "InvalidParameter" and body["amazonCode"] and body["amazonRequestId"]


def test_a_feed_still_processing_at_the_check_cap_is_504_with_its_submission_id(make_served, monkeypatch):
    served = make_served(feed_processing_seconds=100_000)
    monkeypatch.setenv("FEED_CHECK_MAX_ATTEMPTS", "2")
    order = unshipped_order(served.sandbox)
    reply = served.post("/order/acknowledgement?wait=true",
                        data={"AmazonOrderID": order["AmazonOrderId"], "StatusCode": "Success"})
    assert reply.status_code == 504, reply.text
    body = reply.json()
    assert body["feedSubmissionId"] in served.sandbox.feeds and "getFeedSubmissionResult" in body["message"]
    assert len(served.amazon_requests("GetFeedSubmissionList")) == 2


def test_concurrent_requests_are_served_in_parallel(make_served):
    from concurrent.futures import ThreadPoolExecutor

    served = make_served(orders=40, seed=3)
    sb = served.sandbox
    order = sb.add_order(OrderStatus="Unshipped")
    sb.advance_clock(121)
    calls = [
        lambda: served.post("/amazon/order/poll", json=served.hub_message("1970-01-01T00:00:00Z")),
        lambda: served.get("/order", params={"LastUpdatedAfter": "1970-01-01T00:00:00Z"}),
        lambda: served.get("/order/item", params={"AmazonOrderId": order["AmazonOrderId"]}),
        lambda: served.post("/order/acknowledgement?wait=true",
                            data={"AmazonOrderID": order["AmazonOrderId"], "StatusCode": "Success"}),
    ] * 3
    with ThreadPoolExecutor(len(calls)) as pool:
        replies = list(pool.map(lambda call: call(), calls))
    assert [r.status_code for r in replies] == [200] * len(calls), [r.text for r in replies if r.status_code != 200]
    polls = [r.json() for r in replies[::4]]
    assert polls[0]["messages"] == polls[1]["messages"] == polls[2]["messages"]
