"""POST /amazon/order/poll over real HTTP against the sandbox: hub message in, order:import messages out."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from amazon_mws.core.times import parse_time, to_amazon

SEEDS = Path(__file__).resolve().parents[3] / ".." / "shared" / "seeds"
IMPORTED = ("Unshipped", "PartiallyShipped", "Shipped")  # the server's default spree.orderStatus


def usd(amount: str) -> dict:
    return {"CurrencyCode": "USD", "Amount": amount}


def seed_order_example() -> dict:
    """The order of the seed's order_import.json example (the test's oracle for the shape)."""
    text = (SEEDS / "spree-amazon-endpoint.md").resolve().read_text(encoding="utf-8")
    start = text.index('"order": {') + len('"order": ')
    depth = 0
    for pos in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[pos], 0)
        if depth == 0:
            return json.loads(text[start : pos + 1])
    raise AssertionError("the seed's example order is not balanced")


def assert_same_shape(ours, seed, where="order"):
    """Every key of the seed is in ours, with the same kind of value (numbers, strings, lists, objects)."""
    if isinstance(seed, dict):
        assert isinstance(ours, dict), f"{where}: {ours!r} is not an object"
        missing = set(seed) - set(ours)
        assert not missing, f"{where}: missing {sorted(missing)}"
        for key, value in seed.items():
            assert_same_shape(ours[key], value, f"{where}.{key}")
    elif isinstance(seed, list):
        assert isinstance(ours, list), f"{where}: {ours!r} is not a list"
        if seed and ours:
            for i, item in enumerate(ours):
                assert_same_shape(item, seed[min(i, len(seed) - 1)], f"{where}[{i}]")
    elif isinstance(seed, bool) or seed is None:
        assert ours is seed or ours == seed, f"{where}: {ours!r} should be {seed!r}"
    elif isinstance(seed, (int, float)):
        assert isinstance(ours, (int, float)) and not isinstance(ours, bool), f"{where}: {ours!r} is not a number"
        assert type(ours) is type(seed), f"{where}: {ours!r} should be a {type(seed).__name__}"
    else:
        assert isinstance(ours, type(seed)), f"{where}: {ours!r} should be a {type(seed).__name__}"


def sums(order: dict) -> dict[str, Decimal]:
    """Independent oracle: Amazon's amounts added up per kind, from the sandbox's own copy of the order."""
    out: dict[str, Decimal] = {}
    for item in order["OrderItems"]:
        for key, value in item.items():
            if isinstance(value, dict) and "Amount" in value:
                out[key] = out.get(key, Decimal(0)) + Decimal(value["Amount"])
    return out


def add_rich_orders(sb):
    """Orders with promotions, shipping discounts, gift wrap, several items and quantities > 1."""
    big = sb.add_order(OrderStatus="Unshipped", OrderItems=[
        {"SellerSKU": "MUG-3", "QuantityOrdered": 3, "ItemPrice": usd("30.00"), "ShippingPrice": usd("5.00"),
         "ItemTax": usd("2.40"), "ShippingTax": usd("0.40"), "PromotionDiscount": usd("3.00"),
         "ShippingDiscount": usd("5.00"), "GiftWrapPrice": usd("4.00"), "GiftWrapTax": usd("0.32")},
        {"SellerSKU": "LAMP", "QuantityOrdered": 1, "ItemPrice": usd("19.99"), "ShippingPrice": usd("3.99"),
         "ItemTax": usd("1.60"), "ShippingTax": usd("0.32"), "PromotionDiscount": usd("0.00"),
         "ShippingDiscount": usd("0.00"), "GiftWrapPrice": usd("0.00"), "GiftWrapTax": usd("0.00")},
        {"SellerSKU": "PEN-7", "QuantityOrdered": 7, "ItemPrice": usd("10.00"), "ShippingPrice": usd("0.00"),
         "ItemTax": usd("0.80"), "ShippingTax": usd("0.00"), "PromotionDiscount": usd("1.00"),
         "ShippingDiscount": usd("0.00"), "GiftWrapPrice": usd("2.50"), "GiftWrapTax": usd("0.20")},
    ], ShippingAddress={"Name": "Patrick Cook", "AddressLine1": "7159 edwards rd", "AddressLine2": "Apartment A-12",
                        "City": "Seymour", "StateOrRegion": "PA", "PostalCode": "37284", "CountryCode": "US",
                        "Phone": "471-543-4073"})
    shipped = sb.add_order(OrderStatus="Shipped", OrderItems=[
        {"SellerSKU": "SOCKS", "QuantityOrdered": 4, "QuantityShipped": 4, "ItemPrice": usd("12.00"),
         "ShippingPrice": usd("4.99"), "ItemTax": usd("0.96"), "ShippingTax": usd("0.40"),
         "PromotionDiscount": usd("1.20"), "ShippingDiscount": usd("4.99"), "GiftWrapPrice": usd("0.00"),
         "GiftWrapTax": usd("0.00")}])
    pending = sb.add_order(OrderStatus="Pending")
    return big, shipped, pending


def test_poll_imports_orders_with_discounts_gift_wrap_and_several_items(served):
    sb = served.sandbox
    start = to_amazon(sb.now() - timedelta(minutes=1))
    big, shipped, pending = add_rich_orders(sb)
    sb.advance_clock(121)

    reply = served.post("/amazon/order/poll", json=served.hub_message(start))
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["message_id"] == "1234567"
    assert [m["message"] for m in body["messages"]] == ["order:import", "order:import"]
    orders = {m["payload"]["order"]["number"]: m["payload"]["order"] for m in body["messages"]}
    assert set(orders) == {big["AmazonOrderId"], shipped["AmazonOrderId"]}, "Pending is not imported by default"

    seed = seed_order_example()
    for amazon in (big, shipped):
        spree = orders[amazon["AmazonOrderId"]]
        assert_same_shape(spree, seed)
        s = sums(sb.orders[amazon["AmazonOrderId"]])
        expected = {
            "item": s["ItemPrice"],
            "shipping": s["ShippingPrice"],
            "tax": s["ItemTax"] + s["ShippingTax"] + s["GiftWrapTax"],
            "adjustment": s["GiftWrapPrice"] - s["PromotionDiscount"] - s["ShippingDiscount"],
            "order": Decimal(amazon["OrderTotal"]["Amount"]),
            "payment": Decimal(amazon["OrderTotal"]["Amount"]),
        }
        assert spree["totals"] == {k: float(v) for k, v in expected.items()}
        assert expected["item"] + expected["shipping"] + expected["tax"] + expected["adjustment"] == expected["order"]
        assert spree["warnings"] == []
        assert {a["name"]: a["value"] for a in spree["adjustments"]} == {
            "Shipping Discount": -float(s["ShippingDiscount"]),
            "Promotion Discount": -float(s["PromotionDiscount"]),
            "Amazon Tax": float(s["ItemTax"] + s["ShippingTax"]),
            "Gift Wrap Price": float(s["GiftWrapPrice"]),
            "Gift Wrap Tax": float(s["GiftWrapTax"]),
        }
        assert spree["payments"] == [{"amount": float(expected["order"]), "payment_method": "Amazon",
                                      "status": "complete"}]
        assert spree["status"] == amazon["OrderStatus"] and spree["currency"] == "USD"
        assert spree["placed_on"] == amazon["PurchaseDate"] and spree["email"] == amazon["BuyerEmail"]
        assert spree["shipments"][0]["cost"] == float(s["ShippingPrice"])
        assert spree["shipments"][0]["items"] == spree["line_items"]

    lines = {li["sku"]: li for li in orders[big["AmazonOrderId"]]["line_items"]}
    assert {sku: (li["price"], li["quantity"]) for sku, li in lines.items()} == {
        "MUG-3": (10.0, 3), "LAMP": (19.99, 1), "PEN-7": (1.43, 7)}  # 10.00 / 7 rounded to the cent
    address = orders[big["AmazonOrderId"]]["shipping_address"]
    assert address == {"firstname": "Patrick", "lastname": "Cook", "address1": "7159 edwards rd",
                       "address2": "Apartment A-12", "city": "Seymour", "zipcode": "37284", "phone": "471-543-4073",
                       "country": "US", "state": "Pennsylvania"}
    assert orders[big["AmazonOrderId"]]["billing_address"] == address

    # the next cursor is the LastUpdatedBefore Amazon returned: two minutes behind Amazon's clock
    (param,) = body["parameters"]
    assert param["name"] == "amazon.last_updated_after"
    cursor = parse_time(param["value"], "cursor")
    assert abs(cursor - (sb.now() - timedelta(minutes=2))) < timedelta(seconds=5)
    assert all(parse_time(o["LastUpdateDate"], "d") < cursor for o in (big, shipped, pending))


def test_next_poll_starts_at_the_returned_cursor_and_sees_only_changes(served):
    sb = served.sandbox
    first_order = sb.add_order(OrderStatus="Unshipped")
    sb.advance_clock(121)
    first = served.post("/amazon/order/poll", json=served.hub_message("2001-01-01T00:00:00Z")).json()
    assert [m["payload"]["order"]["number"] for m in first["messages"]] == [first_order["AmazonOrderId"]]
    cursor = first["parameters"][0]["value"]

    again = served.post("/amazon/order/poll", json=served.hub_message(cursor)).json()
    assert again["messages"] == []
    later = sb.add_order(OrderStatus="Unshipped")
    sb.update_order(first_order["AmazonOrderId"], OrderStatus="Shipped")
    sb.advance_clock(121)
    third = served.post("/amazon/order/poll", json=served.hub_message(again["parameters"][0]["value"])).json()
    got = {m["payload"]["order"]["number"]: m["payload"]["order"]["status"] for m in third["messages"]}
    assert got == {later["AmazonOrderId"]: "Unshipped", first_order["AmazonOrderId"]: "Shipped"}


def test_every_page_is_read_no_30_order_cap(make_served):
    served = make_served(orders=180, seed=21)
    sb = served.sandbox
    reply = served.post("/amazon/order/poll", json=served.hub_message("1970-01-01T00:00:00Z"))
    assert reply.status_code == 200, reply.text
    body = reply.json()
    cursor = parse_time(body["parameters"][0]["value"], "cursor")
    expected = {o["AmazonOrderId"] for o in sb.orders.values()
                if o["OrderStatus"] in IMPORTED and parse_time(o["LastUpdateDate"], "d") < cursor}
    numbers = [m["payload"]["order"]["number"] for m in body["messages"]]
    assert len(numbers) == len(set(numbers)) == len(expected) > 100
    assert set(numbers) == expected
    assert served.amazon_requests("ListOrdersByNextToken"), "more than one page was followed"
    for message in body["messages"]:
        order = message["payload"]["order"]
        amazon = sb.orders[order["number"]]
        assert sum(li["quantity"] for li in order["line_items"]) == sum(
            i["QuantityOrdered"] for i in amazon["OrderItems"])
        assert order["warnings"] == [], order["warnings"]  # the sandbox's totals always add up


def test_a_window_whose_orders_are_all_filtered_out_still_moves_the_cursor(served):
    sb = served.sandbox
    start = to_amazon(sb.now() - timedelta(minutes=1))
    sb.add_order(OrderStatus="Pending")
    sb.add_order(OrderStatus="Canceled")
    sb.advance_clock(121)
    body = served.post("/amazon/order/poll", json=served.hub_message(start)).json()
    assert body["messages"] == []
    assert parse_time(body["parameters"][0]["value"], "c") > parse_time(start, "s") + timedelta(seconds=60)


def test_a_total_that_does_not_add_up_is_reported(served):
    sb = served.sandbox
    odd = sb.add_order(OrderStatus="Unshipped", OrderTotal=usd("999.99"))
    sb.advance_clock(121)
    body = served.post("/amazon/order/poll", json=served.hub_message("2001-01-01T00:00:00Z")).json()
    (message,) = body["messages"]
    order = message["payload"]["order"]
    assert order["totals"]["order"] == 999.99 and order["totals"]["payment"] == 999.99
    assert len(order["warnings"]) == 1 and "differs from the sum of its parts" in order["warnings"][0]
    assert f"{odd['AmazonOrderId']}: totals: Amazon's order total 999.99 USD" in body["summary"]


def test_parameters_as_a_list_of_name_value_pairs_and_no_secret_in_the_answer(served):
    sb = served.sandbox
    sb.add_order(OrderStatus="Unshipped")
    sb.advance_clock(121)
    message = served.hub_message("2001-01-01T00:00:00Z", message_id="abc")
    message["parameters"] = [{"name": k, "value": v} for k, v in message["parameters"].items()]
    reply = served.post("/amazon/order/poll", json=message)
    assert reply.status_code == 200, reply.text
    assert len(reply.json()["messages"]) == 1
    for secret in (sb.credentials["secretKey"], sb.credentials["mwsAuthToken"]):
        assert secret not in reply.text


def test_bad_hub_messages_are_400_naming_every_field_and_send_nothing(served):
    def problems(message) -> list[str]:
        reply = served.post("/amazon/order/poll", json=message)
        assert reply.status_code == 400, reply.text
        return reply.json()["problems"]

    good = served.hub_message("2001-01-01T00:00:00Z")
    assert problems({**good, "message": "order:poll"}) == ["message: must be 'amazon:order:poll', got 'order:poll'"]
    assert problems({k: v for k, v in good.items() if k != "message_id"}) == ["message_id: is required (a string)"]
    missing = served.hub_message("2001-01-01T00:00:00Z", **{"amazon.secret_key": None, "amazon.seller_id": ""})
    assert problems(missing) == ["parameters.amazon.secret_key: is required",
                                 "parameters.amazon.seller_id: is required"]
    bad_time = served.hub_message("last tuesday")
    assert problems(bad_time) == ["parameters.amazon.last_updated_after: 'last tuesday' is not a time; use "
                                  "1970-01-01T00:00:00.000 +0000 or ISO 8601"]
    assert problems([1, 2]) == ["(body): must be a JSON object (a hub message)"]
    reply = served.post("/amazon/order/poll", data=b"{not json", headers={"Content-Type": "application/json"})
    assert reply.status_code == 400 and reply.json()["problems"][0].startswith("(body): is not JSON")
    assert served.amazon_requests() == [], "nothing may reach Amazon for bad input"


def test_amazon_refusing_the_hubs_keys_is_502_with_amazons_code_and_no_secret(served):
    wrong = served.hub_message("2001-01-01T00:00:00Z", **{"amazon.secret_key": "not-the-secret-key-123456"})
    reply = served.post("/amazon/order/poll", json=wrong)
    assert reply.status_code == 502, reply.text
    body = reply.json()
    assert body["type"] == "SignatureMismatch" and body["message_id"] == "1234567"
    assert "not-the-secret-key-123456" not in reply.text
