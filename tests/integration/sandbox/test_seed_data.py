"""Seeded orders: deterministic per seed, a realistic mix, Amazon's availability rules kept."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from amazon_mws.sandbox import Sandbox
from amazon_mws.sandbox.clock import parse_iso


@pytest.fixture(scope="module")
def book():
    sb = Sandbox(orders=400, seed=42)  # never started: the data exists from construction
    return sb, sb.orders


def without_dates(order):
    dates = {
        "PurchaseDate",
        "LastUpdateDate",
        "EarliestShipDate",
        "LatestShipDate",
        "EarliestDeliveryDate",
        "LatestDeliveryDate",
    }
    return {k: v for k, v in order.items() if k not in dates}


def test_same_seed_same_orders_other_seed_other_orders(book):
    _, orders = book
    again = Sandbox(orders=400, seed=42).orders
    assert list(again) == list(orders)
    assert [without_dates(o) for o in again.values()] == [without_dates(o) for o in orders.values()]
    other = Sandbox(orders=400, seed=43).orders
    assert set(other).isdisjoint(orders)


def test_dates_are_relative_to_the_clock_at_seeding(book):
    sb, orders = book
    other = Sandbox(orders=400, seed=42)
    shifts = {
        (parse_iso(b[key]) - parse_iso(a[key])).total_seconds()
        for a, b in zip(orders.values(), other.orders.values(), strict=True)
        for key in ("PurchaseDate", "LatestShipDate")
    }
    assert max(shifts) - min(shifts) <= 0.002  # one shift for all (millisecond rounding aside)
    assert min(shifts) >= 0


def test_realistic_mix_of_statuses_and_channels(book):
    _, orders = book
    statuses = Counter(o["OrderStatus"] for o in orders.values())
    assert {"Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled", "Unfulfillable"} <= set(
        statuses
    )
    assert statuses.most_common(1)[0][0] == "Shipped"
    assert statuses["InvoiceUnconfirmed"] + statuses["PendingAvailability"] < 0.1 * len(orders)
    channels = Counter(o["FulfillmentChannel"] for o in orders.values())
    assert channels["MFN"] > channels["AFN"] > 0
    assert all(
        o["FulfillmentChannel"] == "AFN" for o in orders.values() if o["OrderStatus"] == "Unfulfillable"
    )


def test_items_per_order_and_many_item_orders(book):
    _, orders = book
    counts = [len(o["OrderItems"]) for o in orders.values()]
    assert min(counts) >= 1 and sum(1 for c in counts if c <= 5) > 0.8 * len(counts)
    assert any(c > 5 for c in counts)
    for o in orders.values():
        assert o["NumberOfItemsShipped"] == sum(i["QuantityShipped"] for i in o["OrderItems"])
        assert all(re.fullmatch(r"\d{14}", i["OrderItemId"]) for i in o["OrderItems"])


def test_pending_orders_carry_no_total_address_or_buyer(book):
    _, orders = book
    pending = [o for o in orders.values() if o["OrderStatus"] == "Pending"]
    assert pending
    for o in pending:
        assert not {"OrderTotal", "ShippingAddress", "BuyerEmail", "BuyerName"} & set(o)
        assert all("ItemPrice" not in i for i in o["OrderItems"])


def test_money_is_in_the_marketplace_currency_and_adds_up(book):
    _, orders = book
    for o in orders.values():
        if "OrderTotal" not in o:
            continue
        assert o["OrderTotal"]["CurrencyCode"] == "USD"
        assert re.fullmatch(r"\d+\.\d{2}", o["OrderTotal"]["Amount"])
        items = o["OrderItems"]
        if all("ItemPrice" in i for i in items):
            assert Decimal(o["OrderTotal"]["Amount"]) >= sum(
                Decimal(i["ItemPrice"]["Amount"]) for i in items
            ) - sum(Decimal(i["PromotionDiscount"]["Amount"]) for i in items)


def test_non_ascii_buyers_and_dates_in_the_last_thirty_days(book):
    sb, orders = book
    names = {o["ShippingAddress"]["Name"] for o in orders.values() if "ShippingAddress" in o}
    assert any(not n.isascii() for n in names)
    assert any(re.search(r"[\u3040-\u9fff\uac00-\ud7af]", n) for n in names)  # CJK names too
    now = sb.now()
    for o in orders.values():
        purchase, update = parse_iso(o["PurchaseDate"]), parse_iso(o["LastUpdateDate"])
        assert now - timedelta(days=30, seconds=1) <= purchase <= update <= now
        assert re.fullmatch(r"\d{3}-\d{7}-\d{7}", o["AmazonOrderId"])


def test_other_marketplace_uses_its_currency():
    sb = Sandbox(orders=20, seed=1, credentials={"marketplaceId": "A1PA6795UKMFR9"})
    totals = {o["OrderTotal"]["CurrencyCode"] for o in sb.orders.values() if "OrderTotal" in o}
    assert totals == {"EUR"}
    with pytest.raises(ValueError, match="marketplaceId"):
        Sandbox(orders=1, credentials={"marketplaceId": "NOPE"})
