"""Ship Order through a backend's confirmShipment call (SP-API Orders v0): one package per input message,
no feed.

Why an alternative to the OrderFulfillment feed: confirmShipment answers at once (no feed to wait for),
and it is the call Amazon points SP-API sellers to for merchant-fulfilled shipments. The input stays Ship
Order's (the same schema), and the output keeps the feed actions' shape, so a flow does not change: the
"report" holds one result per package Amazon refused, and Amazon's refusals are data, as in a feed report.
Every message is checked before the first call: one that cannot become a package fails the whole input
and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from amazon_mws.core.backend import ShipmentsBackend
from amazon_mws.core.times import parse_time, to_amazon
from amazon_mws.feeds.errors import FeedInputError

FEED_TYPE = "confirmShipment"  # the output's feedType: no feed is involved


def _package(
    index: int, message: Mapping[str, Any], problems: list[str]
) -> tuple[str, dict[str, Any], str | None]:
    where = f"messages[{index}]"
    order_id: str = message.get("amazonOrderID") or ""
    if not order_id:
        problems.append(f"{where}.amazonOrderID: is required with confirmShipment (merchantOrderID is feed-only)")
    carrier = message.get("carrierCode") or ("Other" if message.get("carrierName") else None)
    if not carrier:
        problems.append(f"{where}.carrierCode: is required with confirmShipment (or carrierName)")
    if not message.get("shipperTrackingNumber"):
        problems.append(f"{where}.shipperTrackingNumber: is required with confirmShipment")
    items = message.get("items") or []
    if not items:
        problems.append(f"{where}.items: confirmShipment needs the items and quantities shipped")
    lines = []
    for n, item in enumerate(items):
        if not item.get("amazonOrderItemCode"):
            problems.append(f"{where}.items[{n}].amazonOrderItemCode: is required with confirmShipment")
        lines.append({"orderItemId": item.get("amazonOrderItemCode"), "quantity": item.get("quantity", 1)})
    try:
        ship_date = to_amazon(parse_time(message.get("fulfillmentDate") or "", f"{where}.fulfillmentDate"))
    except ValueError as exc:
        problems.append(str(exc))
        ship_date = None
    package = {
        "packageReferenceId": str(message.get("merchantFulfillmentID") or index + 1),
        "carrierCode": carrier,
        "carrierName": message.get("carrierName"),
        "shippingMethod": message.get("shippingMethod"),
        "trackingNumber": message.get("shipperTrackingNumber"),
        "shipDate": ship_date,
        "orderItems": lines,
    }
    cod: str | None = message.get("codCollectionMethod")
    return order_id, {k: v for k, v in package.items() if v is not None}, cod


def confirm_shipments(api: ShipmentsBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    """Confirm every message's package with `api.confirm_shipment`; the feed actions' output shape.
    The backend's `shipment_refusals` (Amazon's "no" to one package) are reported, not raised."""
    problems: list[str] = []
    planned = [_package(i, m, problems) for i, m in enumerate(body.get("messages") or [])]
    if problems:
        raise FeedInputError(problems, what="Ship Order input")
    results = []
    for number, (order_id, package, cod) in enumerate(planned, start=1):
        try:
            api.confirm_shipment(order_id, package, cod_collection_method=cod)
        except api.shipment_refusals as exc:
            results.append(
                {
                    "messageId": number,
                    "resultCode": "Error",
                    "resultMessageCode": exc.code or "",
                    "resultDescription": exc.message,
                    "additionalInfo": {"AmazonOrderID": order_id},
                }
            )
    return {
        "feedSubmissionId": "",
        "feedType": FEED_TYPE,
        "status": "_DONE_",
        "processingReport": {
            "statusCode": "Complete",
            "messagesProcessed": len(planned),
            "messagesSuccessful": len(planned) - len(results),
            "messagesWithError": len(results),
            "messagesWithWarning": 0,
            "results": results,
        },
    }
