"""amazon_mws.mapping.spree.to_spree_order: the seed's example exactly, the totals rules, and what it reports."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amazon_mws.mapping.spree import ADJUSTMENT_NAMES, from_trigger_order, split_name, to_spree_order


def money(amount: str, currency: str = "USD") -> dict:
    return {"CurrencyCode": currency, "Amount": amount}


def amazon_item(sku: str, title: str, qty: int, price: str, **amounts: str) -> dict:
    item = {"ASIN": "B0EXAMPLE1", "OrderItemId": "12345678901234", "SellerSKU": sku, "Title": title,
            "QuantityOrdered": qty, "QuantityShipped": 0, "ItemPrice": money(price)}
    item.update({key: money(value) for key, value in amounts.items()})
    return item


def seed_like_amazon_order() -> tuple[dict, list[dict]]:
    """The Amazon side of the seed's example: two T-shirts, no tax, no shipping."""
    order = {
        "AmazonOrderId": "100-EXAMPLE-1000000",
        "SalesChannel": "Amazon.com",
        "OrderStatus": "Unshipped",
        "PurchaseDate": "2013-08-16T01:25:00Z",
        "LastUpdateDate": "2013-08-16T01:30:00Z",
        "BuyerEmail": "ceth5ni9mo4whyc@marketplace.amazon.com",
        "OrderTotal": money("64.00"),
        "ShipmentServiceLevelCategory": "Standard",
        "ShippingAddress": {"Name": "Patrick Cook", "AddressLine1": "7159 edwards rd",
                            "AddressLine2": "Apartment A-12", "City": "Seymour", "PostalCode": "37284",
                            "Phone": "471-543-4073", "CountryCode": "US", "StateOrRegion": "PA"},
    }
    items = [
        amazon_item("100TSBXXL", "T-Shirt, Black, XX-Large", 1, "29.00", ShippingPrice="0.00", ItemTax="0.00"),
        amazon_item("100TSWXXL", "T-Shirt, White, XX-Large", 1, "35.00"),
    ]
    return order, items


def test_the_seed_example_comes_out_exactly(seed_order):
    order, items = seed_like_amazon_order()
    out = to_spree_order(order, items)
    assert out.pop("warnings") == []
    assert out == seed_order


def test_inputs_are_not_modified():
    order, items = seed_like_amazon_order()
    before = copy.deepcopy((order, items))
    to_spree_order(order, items)
    assert (order, items) == before


def test_discounts_gift_wrap_taxes_and_several_items_add_up():
    items = [
        amazon_item("A", "Mug", 3, "30.00", ShippingPrice="5.00", ItemTax="2.40", ShippingTax="0.40",
                    PromotionDiscount="3.00", ShippingDiscount="5.00", GiftWrapPrice="4.00", GiftWrapTax="0.32"),
        amazon_item("B", "Lamp", 1, "19.99", ShippingPrice="3.99", ItemTax="1.60", ShippingTax="0.32"),
    ]
    # 30 + 5 + 2.40 + .40 + 4 + .32 - 3 - 5 = 34.12 ; 19.99 + 3.99 + 1.60 + .32 = 25.90 ; total 60.02
    order = {"AmazonOrderId": "111-0000001-0000001", "OrderStatus": "Unshipped", "OrderTotal": money("60.02")}
    out = to_spree_order(order, items)
    assert out["totals"] == {"item": 49.99, "shipping": 8.99, "tax": 5.04, "adjustment": -4.0,
                             "order": 60.02, "payment": 60.02}
    assert dict((a["name"], a["value"]) for a in out["adjustments"]) == {
        "Shipping Discount": -5.0, "Promotion Discount": -3.0, "Amazon Tax": 4.72,
        "Gift Wrap Price": 4.0, "Gift Wrap Tax": 0.32,
    }
    assert [a["name"] for a in out["adjustments"]] == list(ADJUSTMENT_NAMES)
    assert [(li["sku"], li["price"], li["quantity"]) for li in out["line_items"]] == [("A", 10.0, 3), ("B", 19.99, 1)]
    assert out["payments"] == [{"amount": 60.02, "payment_method": "Amazon", "status": "complete"}]
    assert out["shipments"][0]["cost"] == 8.99
    assert out["shipments"][0]["items"] == out["line_items"]
    assert out["warnings"] == ["order.ShippingAddress: Amazon sent no address (it withholds it while an order is "
                               "Pending or after it is Canceled)"]
    assert out["shipping_address"] is None and out["billing_address"] is None


def test_a_total_that_does_not_match_its_parts_is_reported_not_hidden():
    order, items = seed_like_amazon_order()
    order["OrderTotal"] = money("70.00")
    out = to_spree_order(order, items)
    assert out["totals"]["order"] == 70.0 and out["totals"]["payment"] == 70.0  # what the buyer paid
    assert out["totals"]["item"] == 64.0
    assert len(out["warnings"]) == 1
    assert "70.00 USD differs from the sum of its parts 64.00" in out["warnings"][0]
    assert "by 6.00" in out["warnings"][0]


def test_unit_price_is_item_price_divided_by_quantity_rounded_to_the_currency():
    out = to_spree_order({"OrderTotal": money("10.00")}, [amazon_item("X", "Pen", 3, "10.00")])
    assert out["line_items"][0]["price"] == 3.33
    assert out["totals"]["item"] == 10.0  # the total keeps Amazon's exact sum
    yen = to_spree_order({"OrderTotal": money("1000", "JPY")},
                         [{"SellerSKU": "Y", "QuantityOrdered": 3, "ItemPrice": money("1000", "JPY")}])
    assert yen["currency"] == "JPY" and yen["line_items"][0]["price"] == 333.0
    zero = to_spree_order({}, [amazon_item("Z", "Gone", 0, "0.00")])
    assert zero["line_items"][0]["price"] == 0.0


def test_names_addresses_and_states():
    assert split_name("Patrick Cook") == ("Patrick", "Cook")
    assert split_name("  Anna  Maria Rossi ") == ("Anna", "Maria Rossi")
    assert split_name("山田太郎") == ("山田太郎", "")
    assert split_name(None) == ("", "")
    order, items = seed_like_amazon_order()
    order["ShippingAddress"] = {"Name": "Zoë Müller", "AddressLine1": "", "AddressLine2": "Königstraße 5",
                                "AddressLine3": "Hinterhaus", "City": "München", "PostalCode": "80331",
                                "CountryCode": "DE", "StateOrRegion": "Bayern"}
    address = to_spree_order(order, items)["shipping_address"]
    assert address == {"firstname": "Zoë", "lastname": "Müller", "address1": "Königstraße 5",
                       "address2": "Hinterhaus", "city": "München", "zipcode": "80331", "phone": "",
                       "country": "DE", "state": "Bayern"}
    order["ShippingAddress"] = {"Name": "A B", "CountryCode": "US", "StateOrRegion": "wa"}
    assert to_spree_order(order, items)["shipping_address"]["state"] == "Washington"
    order["ShippingAddress"]["StateOrRegion"] = "Not A State"
    assert to_spree_order(order, items)["shipping_address"]["state"] == "Not A State"


def test_pending_order_without_total_uses_the_items_and_says_so():
    items = [{"SellerSKU": "P", "QuantityOrdered": 1, "Title": "Pending thing"}]  # Pending items carry no prices
    out = to_spree_order({"AmazonOrderId": "111-0000001-0000002", "OrderStatus": "Pending"}, items)
    assert out["totals"]["order"] == 0.0 and out["currency"] == ""
    assert any("no order total" in w for w in out["warnings"])


def test_bad_amounts_name_the_field():
    with pytest.raises(ValueError, match=r"items\[1\]\.ShippingPrice\.Amount: 'abc' is not a decimal amount"):
        to_spree_order({}, [amazon_item("A", "a", 1, "1.00"), amazon_item("B", "b", 1, "1.00", ShippingPrice="abc")])
    with pytest.raises(ValueError, match=r"items\[0\]\.QuantityOrdered: 'two' is not a whole number"):
        to_spree_order({}, [{"QuantityOrdered": "two", "ItemPrice": money("1.00")}])
    with pytest.raises(ValueError, match="order: expected an object"):
        to_spree_order([], [])  # type: ignore[arg-type]


def test_other_currencies_in_items_are_reported():
    out = to_spree_order({"OrderTotal": money("2.00")},
                         [amazon_item("A", "a", 1, "1.00"), {"QuantityOrdered": 1, "ItemPrice": money("1.00", "EUR")}])
    assert any("currency EUR differs from the order's USD" in w for w in out["warnings"])


def test_from_trigger_order_reads_order_items():
    order, items = seed_like_amazon_order()
    assert from_trigger_order({**order, "orderItems": items}) == to_spree_order(order, items)


cents = st.integers(min_value=0, max_value=500_00).map(lambda c: Decimal(c) / 100)


@st.composite
def priced_items(draw):
    count = draw(st.integers(min_value=1, max_value=6))
    items = []
    for i in range(count):
        amounts = {key: str(draw(cents)) for key in ("ShippingPrice", "ItemTax", "ShippingTax", "GiftWrapPrice",
                                                     "GiftWrapTax", "PromotionDiscount", "ShippingDiscount")}
        items.append(amazon_item(f"S{i}", f"T{i}", draw(st.integers(1, 9)), str(draw(cents)), **amounts))
    return items


@settings(max_examples=150, deadline=None)
@given(priced_items())
def test_totals_identity_holds_for_any_items_whose_total_amazon_computed(items):
    parts = [Decimal(i[k]["Amount"]) * (-1 if k.endswith("Discount") else 1)
             for i in items for k in i if isinstance(i[k], dict)]
    order = {"OrderTotal": money(str(sum(parts, Decimal(0)))), "ShippingAddress": {"Name": "x"}}
    out = to_spree_order(order, items)
    t = out["totals"]
    assert out["warnings"] == []
    assert round(t["item"] + t["shipping"] + t["tax"] + t["adjustment"], 2) == t["order"] == t["payment"]
    # the named adjustments are the adjustment plus the tax, broken down
    assert round(sum(a["value"] for a in out["adjustments"]), 2) == round(t["adjustment"] + t["tax"], 2)
    assert t["item"] == float(sum((Decimal(i["ItemPrice"]["Amount"]) for i in items), Decimal(0)))
    for li, item in zip(out["line_items"], items, strict=True):
        assert abs(li["price"] * li["quantity"] - float(item["ItemPrice"]["Amount"])) <= 0.005 * li["quantity"] + 1e-9


@settings(max_examples=50, deadline=None)
@given(priced_items(), st.integers(min_value=1, max_value=10_000))
def test_any_difference_from_the_parts_is_reported(items, cents_off):
    exact = to_spree_order({"OrderTotal": money("0.00")}, items)["totals"]
    parts = Decimal(str(exact["item"] + exact["shipping"] + exact["tax"] + exact["adjustment"]))
    parts = parts.quantize(Decimal("0.01"))
    out = to_spree_order({"OrderTotal": money(str(parts + Decimal(cents_off) / 100))}, items)
    assert any(w.startswith("totals: Amazon's order total") for w in out["warnings"])
