"""What a processed order feed does to the order book, as on Amazon.

OrderFulfillment ships items (the order becomes PartiallyShipped or Shipped; more than is left to
ship is error 18021 and changes nothing); OrderAcknowledgement records the seller's order id, and
with StatusCode Failure cancels the order. Feeds naming orders the sandbox does not hold are
accepted without effect, so the hand-written example feeds process cleanly.
"""

from __future__ import annotations

from lxml import etree

from amazon_mws.sandbox.feed_report import Outcome, Result
from amazon_mws.sandbox.store import OrderStore

QUANTITY_TOO_LARGE = 18021


def apply_feed(store: OrderStore, outcome: Outcome) -> None:
    for message in outcome.messages:
        mid = int((message.findtext("MessageID") or "0").strip() or 0)
        fulfillment = message.find("OrderFulfillment")
        if fulfillment is not None:
            _fulfil(store, outcome, mid, fulfillment)
        ack = message.find("OrderAcknowledgement")
        if ack is not None:
            _acknowledge(store, ack)


def _fulfil(store: OrderStore, outcome: Outcome, mid: int, el: etree._Element) -> None:
    oid = (el.findtext("AmazonOrderID") or "").strip()
    with store.lock:
        order = store.get(oid)
        if order is None or order["OrderStatus"] in ("Canceled", "Pending", "PendingAvailability"):
            return
        items = {i["OrderItemId"]: dict(i) for i in order.get("OrderItems", [])}
        lines = el.findall("Item")
        wanted: dict[str, int] = {}
        if lines:
            for line in lines:
                code = (line.findtext("AmazonOrderItemCode") or "").strip()
                qty_text = (line.findtext("Quantity") or "").strip()
                item = items.get(code)
                left = (item["QuantityOrdered"] - item["QuantityShipped"]) if item else 0
                wanted[code] = wanted.get(code, 0) + (int(qty_text) if qty_text.isdigit() else left)
        else:
            wanted = {code: i["QuantityOrdered"] - i["QuantityShipped"] for code, i in items.items()}
        for code, qty in wanted.items():
            item = items.get(code)
            left = (item["QuantityOrdered"] - item["QuantityShipped"]) if item else 0
            if qty > left:
                outcome.results.append(
                    Result(
                        mid,
                        QUANTITY_TOO_LARGE,
                        f"The quantities you provided for order id ({oid}) were larger than the "
                        "quantities that could be fulfilled. Please review the quantity from the order "
                        "report and take into account any items that have been cancelled or already "
                        "fulfilled.",
                        order_id=oid,
                    )
                )
                return
        for code, qty in wanted.items():
            items[code]["QuantityShipped"] += qty
        new_items = list(items.values())
        shipped = sum(i["QuantityShipped"] for i in new_items)
        ordered = sum(i["QuantityOrdered"] for i in new_items)
        store.update(
            oid,
            {
                "OrderItems": new_items,
                "OrderStatus": "Shipped" if shipped >= ordered else "PartiallyShipped",
                "NumberOfItemsShipped": shipped,
                "NumberOfItemsUnshipped": ordered - shipped,
            },
        )


def _acknowledge(store: OrderStore, el: etree._Element) -> None:
    oid = (el.findtext("AmazonOrderID") or "").strip()
    with store.lock:
        order = store.get(oid)
        if order is None:
            return
        changes: dict[str, object] = {}
        merchant_order = (el.findtext("MerchantOrderID") or "").strip()
        if merchant_order and order.get("SellerOrderId") != merchant_order:
            changes["SellerOrderId"] = merchant_order
        if (el.findtext("StatusCode") or "").strip() == "Failure" and order["OrderStatus"] in (
            "Pending",
            "Unshipped",
            "PendingAvailability",
        ):
            changes.update({"OrderStatus": "Canceled", "NumberOfItemsUnshipped": 0})
        if changes:
            store.update(oid, changes)
