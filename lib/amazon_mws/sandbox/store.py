"""The order book: seeded orders plus what tests add or change, behind one lock.

Orders are replaced, never mutated in place (copy on write), so a result set frozen for a NextToken
keeps the orders as they were at the first call while updates carry on. Dates are normalised to
Amazon's millisecond form on the way in, so they compare correctly as strings.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from amazon_mws.sandbox.clock import iso_ms, parse_iso
from amazon_mws.sandbox.data import OrderFactory, order_total

ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
DATE_FIELDS = (
    "PurchaseDate",
    "LastUpdateDate",
    "EarliestShipDate",
    "LatestShipDate",
    "EarliestDeliveryDate",
    "LatestDeliveryDate",
)


def _normalise_dates(fields: dict[str, Any]) -> None:
    for key in DATE_FIELDS:
        value = fields.get(key)
        if isinstance(value, datetime):
            fields[key] = iso_ms(value)
        elif isinstance(value, str):
            try:
                fields[key] = iso_ms(parse_iso(value))
            except ValueError:
                raise ValueError(f"{key}: {value!r} is not an ISO 8601 date-time") from None


class OrderStore:
    def __init__(self, factory: OrderFactory, now: Callable[[], datetime]) -> None:
        self.factory = factory
        self._now = now
        self.lock = threading.RLock()
        self.orders: dict[str, dict[str, Any]] = {}

    def seed(self, count: int) -> None:
        with self.lock:
            for order in self.factory.generate(count, self._now()):
                self.orders[order["AmazonOrderId"]] = order

    def all(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.orders.values())

    def get(self, order_id: str) -> dict[str, Any] | None:
        with self.lock:
            return self.orders.get(order_id)

    def add(self, fields: dict[str, Any]) -> dict[str, Any]:
        """A new order, complete by default (Unshipped, 1-5 items), overlaid with `fields`."""
        fields = dict(fields)
        now = self._now()
        oid = fields.get("AmazonOrderId")
        if oid is not None and not ORDER_ID.match(str(oid)):
            raise ValueError(f"AmazonOrderId: {oid!r} must look like 123-1234567-1234567 (3-7-7 digits)")
        _normalise_dates(fields)
        with self.lock:
            if oid in self.orders:
                raise ValueError(f"AmazonOrderId: {oid} already exists; use update_order")
            status = fields.get("OrderStatus", "Unshipped")
            purchase = parse_iso(fields["PurchaseDate"]) if "PurchaseDate" in fields else now
            items = fields.pop("OrderItems", None)
            order = self.factory.new_order(
                status=status, purchase=purchase, now=now, item_count=len(items) if items else None
            )
            if oid is not None:
                self.factory.used_ids.add(oid)
            if items:
                defaults = order["OrderItems"]
                order["OrderItems"] = [self._item(i, d) for i, d in zip(items, defaults, strict=False)]
                if "OrderTotal" in order and "OrderTotal" not in fields:
                    order["OrderTotal"] = order_total(order["OrderItems"], self.factory.currency)
                shipped = sum(int(i.get("QuantityShipped", 0)) for i in order["OrderItems"])
                ordered = sum(int(i.get("QuantityOrdered", 0)) for i in order["OrderItems"])
                order["NumberOfItemsShipped"] = shipped
                if status not in ("Canceled", "Unfulfillable"):
                    order["NumberOfItemsUnshipped"] = ordered - shipped
            order.update(fields)
            if "LastUpdateDate" not in fields:
                order["LastUpdateDate"] = iso_ms(now)
            self.orders[order["AmazonOrderId"]] = order
            return order

    @staticmethod
    def _item(given: dict[str, Any], default: dict[str, Any]) -> dict[str, Any]:
        return {**default, **given}

    def update(self, order_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Replace `order_id` with its changes applied; LastUpdateDate moves to now unless given."""
        changes = dict(changes)
        _normalise_dates(changes)
        with self.lock:
            old = self.orders.get(order_id)
            if old is None:
                raise KeyError(f"AmazonOrderId: {order_id} is not in the sandbox")
            new = {**old, **changes}
            status = changes.get("OrderStatus")
            if status in ("Shipped", "Canceled") and "OrderItems" not in changes:
                shipped = status == "Shipped"
                new["OrderItems"] = [
                    {**i, "QuantityShipped": i["QuantityOrdered"] if shipped else i.get("QuantityShipped", 0)}
                    for i in old.get("OrderItems", [])
                ]
                new["NumberOfItemsShipped"] = sum(i["QuantityShipped"] for i in new["OrderItems"])
                new["NumberOfItemsUnshipped"] = 0
            if "LastUpdateDate" not in changes:
                new["LastUpdateDate"] = iso_ms(self._now())
            new["AmazonOrderId"] = order_id
            self.orders[order_id] = new
            return new
