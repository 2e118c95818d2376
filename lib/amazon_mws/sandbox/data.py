"""Deterministic seeded orders: a realistic mix, the same for the same seed.

Every random choice comes from one `random.Random(seed)` in a fixed order, and dates are offsets from
the clock at seeding time, so two sandboxes with one seed hold the same orders (ids, statuses, items,
buyers) and differ only in where "now" is. Amazon's availability rules are kept: Pending orders carry
no OrderTotal, address or buyer; items of Pending orders carry no prices; PurchaseDate <= LastUpdateDate.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from amazon_mws.sandbox.clock import iso_ms

# marketplace id -> (currency, sales channel, country)
MARKETPLACES: dict[str, tuple[str, str, str]] = {
    "ATVPDKIKX0DER": ("USD", "Amazon.com", "US"),
    "A2EUQ1WTGCTBG2": ("CAD", "Amazon.ca", "CA"),
    "A1AM78C64UM0Y8": ("MXN", "Amazon.com.mx", "MX"),
    "A1F83G8C2ARO7P": ("GBP", "Amazon.co.uk", "GB"),
    "A1PA6795UKMFR9": ("EUR", "Amazon.de", "DE"),
    "A13V1IB3VIYZZH": ("EUR", "Amazon.fr", "FR"),
    "A1RKKUPIHCS9HS": ("EUR", "Amazon.es", "ES"),
    "APJ6JRA9NG5V4": ("EUR", "Amazon.it", "IT"),
    "A1VC38T7YXB528": ("JPY", "Amazon.co.jp", "JP"),
    "A39IBJ37TRP1C6": ("AUD", "Amazon.com.au", "AU"),
}

# (status, weight): Shipped dominates real order books; the rare ones appear now and then
STATUS_WEIGHTS = [
    ("Shipped", 44),
    ("Unshipped", 18),
    ("Pending", 12),
    ("Canceled", 10),
    ("PartiallyShipped", 7),
    ("Unfulfillable", 3),
    ("InvoiceUnconfirmed", 2),
    ("PendingAvailability", 2),
]
FIRST = [
    "Zoë",
    "José",
    "Anna",
    "Łukasz",
    "Chloé",
    "Björn",
    "Mia",
    "Liam",
    "Amélie",
    "Jürgen",
    "Siobhán",
    "María",
    "Oliver",
    "Emma",
    "Noah",
    "Søren",
    "İlkay",
    "Renée",
]
LAST = [
    "Müller",
    "Núñez",
    "Smith",
    "García",
    "Kowalski",
    "Østergaard",
    "Johnson",
    "Dubois",
    "O'Brien",
    "Nguyễn",
    "Brown",
    "Schäfer",
    "Peña",
    "Taylor",
]
CJK_NAMES = ["山田太郎", "佐藤花子", "王小明", "김민준"]
STREETS = [
    "Main St",
    "Oak Avenue",
    "Elm Street",
    "Maple Dr",
    "Pine Road",
    "Cedar Lane",
    "Calle Mayor",
    "Königstraße",
    "Rue de la Paix",
]
# country -> [(city, state or region, postal code)]
CITIES: dict[str, list[tuple[str, str, str]]] = {
    "US": [
        ("Seattle", "WA", "98109"),
        ("Austin", "TX", "78701"),
        ("Brooklyn", "NY", "11201"),
        ("Denver", "CO", "80202"),
        ("San José", "CA", "95113"),
        ("Miami", "FL", "33130"),
    ],
    "CA": [("Toronto", "ON", "M5H 2N2"), ("Montréal", "QC", "H2Y 1C6")],
    "MX": [("Ciudad de México", "CDMX", "06000")],
    "GB": [("London", "Greater London", "SW1A 1AA"), ("Manchester", "Greater Manchester", "M1 1AE")],
    "DE": [("München", "Bayern", "80331"), ("Köln", "NRW", "50667")],
    "FR": [("Paris", "Île-de-France", "75001")],
    "ES": [("Málaga", "Andalucía", "29015")],
    "IT": [("Milano", "Lombardia", "20121")],
    "JP": [("東京都", "渋谷区", "150-0002"), ("大阪市", "大阪府", "530-0001")],
    "AU": [("Sydney", "NSW", "2000")],
}
PRODUCTS = [
    "Stainless Steel Water Bottle",
    "Wireless Earbuds",
    "Yoga Mat",
    "Cast Iron Skillet",
    "LED Desk Lamp",
    "Crème Brûlée Torch",
    "Hiking Backpack 30L",
    "Ceramic Mug Set",
    "USB-C Charging Cable",
    "Bamboo Cutting Board",
    "Noise Cancelling Headphones",
    "Café Espresso Beans",
    "Running Shoes",
    "Mechanical Keyboard",
    "Notebook A5 Dotted",
    "Phone Stand",
]
SHIP_LEVELS = [
    ("Std US D2D Dom", "Standard"),
    ("Exp US D2D Dom", "Expedited"),
    ("NextDay", "NextDay"),
    ("SecondDay", "SecondDay"),
]


def _money(currency: str, amount: Decimal) -> dict[str, str]:
    quantum = Decimal("1") if currency == "JPY" else Decimal("0.01")
    return {"CurrencyCode": currency, "Amount": str(amount.quantize(quantum))}


class OrderFactory:
    """Builds orders and items; `generate(count, now)` is the seeded book, `new_order(...)` one order."""

    def __init__(self, seed: int, marketplace_id: str) -> None:
        if marketplace_id not in MARKETPLACES:
            raise ValueError(f"marketplaceId: {marketplace_id!r} is not a known marketplace")
        self.rng = random.Random(seed)
        self.marketplace_id = marketplace_id
        self.currency, self.channel, self.country = MARKETPLACES[marketplace_id]
        self.used_ids: set[str] = set()
        self.catalog = [self._product(i, name) for i, name in enumerate(PRODUCTS)]

    def _product(self, i: int, name: str) -> dict[str, Any]:
        rng = self.rng
        asin = "B0" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(8))
        price = Decimal(rng.randint(499, 12999)) / 100
        if self.currency == "JPY":
            price = (price * 100).quantize(Decimal("1"))
        return {"ASIN": asin, "SellerSKU": f"SKU-{i + 1:04d}", "Title": name, "price": price}

    def order_id(self) -> str:
        while True:
            prefix = self.rng.choice(["111", "112", "113", "114", "701", "702"])
            oid = f"{prefix}-{self.rng.randint(0, 9_999_999):07d}-{self.rng.randint(0, 9_999_999):07d}"
            if oid not in self.used_ids:
                self.used_ids.add(oid)
                return oid

    def generate(self, count: int, now: datetime) -> list[dict[str, Any]]:
        orders = []
        for _ in range(count):
            status = self.rng.choices([s for s, _ in STATUS_WEIGHTS], [w for _, w in STATUS_WEIGHTS])[0]
            purchase = now - timedelta(seconds=self.rng.randint(3 * 3600, 30 * 86400))
            orders.append(self.new_order(status=status, purchase=purchase, now=now))
        return orders

    def new_order(
        self, *, status: str, purchase: datetime, now: datetime, item_count: int | None = None
    ) -> dict[str, Any]:
        rng = self.rng
        afn = status == "Unfulfillable" or rng.random() < 0.3
        preorder = status == "PendingAvailability"
        if item_count is None:
            # most orders hold 1-5 lines; about one in twelve holds many, so item paging gets exercised
            item_count = rng.randint(8, 23) if rng.random() < 0.08 else rng.randint(1, 5)
        lag = {"Pending": 600, "PendingAvailability": 3600}.get(status, 3 * 86400)
        last_update = min(purchase + timedelta(seconds=rng.randint(60, lag)), now - timedelta(minutes=5))
        last_update = max(last_update, purchase)
        items = [self.new_item(status) for _ in range(item_count)]
        shipped = sum(i["QuantityShipped"] for i in items)
        ordered = sum(i["QuantityOrdered"] for i in items)
        level, category = rng.choice(SHIP_LEVELS)
        name = rng.choice(CJK_NAMES) if rng.random() < 0.1 else f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        city, region, postal = rng.choice(CITIES.get(self.country, CITIES["US"]))
        order: dict[str, Any] = {
            "AmazonOrderId": self.order_id(),
            "PurchaseDate": iso_ms(purchase),
            "LastUpdateDate": iso_ms(last_update),
            "OrderStatus": status,
            "FulfillmentChannel": "AFN" if afn else "MFN",
            "SalesChannel": self.channel,
            "ShipServiceLevel": level,
            "ShippingAddress": {
                "Name": name,
                "AddressLine1": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
                "City": city,
                "StateOrRegion": region,
                "PostalCode": postal,
                "CountryCode": self.country,
                "Phone": f"+1 206-555-{rng.randint(100, 199):04d}",
                "AddressType": rng.choice(["Residential", "Residential", "Commercial"]),
            },
            "OrderTotal": _money(self.currency, sum((_total(i) for i in items), Decimal(0))),
            "NumberOfItemsShipped": shipped,
            "NumberOfItemsUnshipped": 0 if status in ("Canceled", "Unfulfillable") else ordered - shipped,
            "PaymentMethod": "Other",
            "PaymentMethodDetails": ["Standard"],
            "IsReplacementOrder": rng.random() < 0.02,
            "MarketplaceId": self.marketplace_id,
            "BuyerEmail": f"{rng.getrandbits(48):012x}@marketplace.amazon.com",
            "BuyerName": name,
            "ShipmentServiceLevelCategory": category,
            "OrderType": "Preorder" if preorder else "StandardOrder",
            "EarliestShipDate": iso_ms(purchase + timedelta(hours=12)),
            "LatestShipDate": iso_ms(purchase + timedelta(days=2)),
            "EarliestDeliveryDate": iso_ms(purchase + timedelta(days=3)),
            "LatestDeliveryDate": iso_ms(purchase + timedelta(days=7)),
            "IsBusinessOrder": rng.random() < 0.05,
            "IsPrime": afn and rng.random() < 0.7,
            "IsPremiumOrder": False,
            "IsGlobalExpressEnabled": False,
            "OrderItems": items,
        }
        if status in ("Pending", "PendingAvailability", "Canceled"):
            # Amazon withholds the address (and, while Pending, the total and buyer) until payment clears
            order.pop("ShippingAddress")
            order.pop("EarliestDeliveryDate")
            order.pop("LatestDeliveryDate")
            if status != "Canceled":
                order.pop("OrderTotal")
                order.pop("PaymentMethodDetails")
            if status != "PendingAvailability":
                order.pop("BuyerEmail")
                order.pop("BuyerName")
        if afn:
            order.pop("EarliestShipDate")
        return order

    def new_item(self, status: str) -> dict[str, Any]:
        rng = self.rng
        product = rng.choice(self.catalog)
        qty = rng.choice([1, 1, 1, 1, 2, 2, 3, 5])
        shipped = {"Shipped": qty, "InvoiceUnconfirmed": qty, "PartiallyShipped": rng.randint(0, qty)}.get(
            status, 0
        )
        item: dict[str, Any] = {
            "ASIN": product["ASIN"],
            "SellerSKU": product["SellerSKU"],
            "OrderItemId": f"{rng.randint(10**13, 10**14 - 1)}",
            "Title": product["Title"],
            "QuantityOrdered": qty,
            "QuantityShipped": shipped,
            "ConditionId": "New",
            "ConditionSubtypeId": "New",
            "IsGift": False,
        }
        if status not in ("Pending", "PendingAvailability"):
            price = product["price"] * qty
            shipping = Decimal("0") if rng.random() < 0.5 else Decimal(rng.choice([399, 499, 599])) / 100
            promo = Decimal("0") if rng.random() < 0.85 else (price * Decimal("0.1"))
            item.update(
                {
                    "ItemPrice": _money(self.currency, price),
                    "ShippingPrice": _money(self.currency, shipping),
                    "ItemTax": _money(self.currency, price * Decimal("0.08")),
                    "ShippingTax": _money(self.currency, shipping * Decimal("0.08")),
                    "GiftWrapPrice": _money(self.currency, Decimal(0)),
                    "GiftWrapTax": _money(self.currency, Decimal(0)),
                    "ShippingDiscount": _money(self.currency, Decimal(0)),
                    "PromotionDiscount": _money(self.currency, promo),
                    "PromotionIds": ["SPRING-SALE"] if promo else [],
                }
            )
            if not promo:
                item.pop("PromotionIds")
        return item


def _total(item: dict[str, Any]) -> Decimal:
    def amount(key: str) -> Decimal:
        return Decimal(item[key]["Amount"]) if key in item else Decimal(0)

    return (
        amount("ItemPrice")
        + amount("ShippingPrice")
        + amount("ItemTax")
        + amount("ShippingTax")
        + amount("GiftWrapPrice")
        + amount("GiftWrapTax")
        - amount("ShippingDiscount")
        - amount("PromotionDiscount")
    )


def order_total(items: list[dict[str, Any]], currency: str) -> dict[str, str]:
    return _money(currency, sum((_total(i) for i in items), Decimal(0)))
