"""Orders v0 in the sandbox: the same order book, rules, frozen result sets and NextTokens as the MWS
section (the query is translated into MWS parameters and answered by `sandbox.orders_api`), rendered in
SP-API's JSON shape.

Shape differences from MWS, as Amazon made them: buyer fields inside `BuyerInfo`, gift fields of items
inside the item's `BuyerInfo`, `IsGift` and `ProductInfo.NumberOfItems` as strings. Restricted data
(buyer, the address's name/street/phone, gift fields) is returned only to a Restricted Data Token that
covers the call; a plain access token sees the address's city, region, postal code and country only.
confirmShipment ships items through the same code as an OrderFulfillment feed (`feed_effects`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from lxml import etree

from amazon_mws.sandbox.errors import SandboxError
from amazon_mws.sandbox.feed_effects import _fulfil
from amazon_mws.sandbox.feed_report import Outcome
from amazon_mws.sandbox.spapi.auth import SpRefusal

ORDER_BUYER = ("BuyerEmail", "BuyerName", "BuyerCounty", "BuyerTaxInfo", "PurchaseOrderNumber")
ITEM_BUYER = ("GiftWrapPrice", "GiftWrapTax", "GiftMessageText", "GiftWrapLevel", "BuyerCustomizedInfo")
PUBLIC_ADDRESS = ("City", "StateOrRegion", "PostalCode", "CountryCode")
# getOrders filters: SP-API name -> MWS parameter (lists become enumerated parameters)
LIST_FILTERS = {
    "MarketplaceIds": "MarketplaceId.Id",
    "OrderStatuses": "OrderStatus.Status",
    "FulfillmentChannels": "FulfillmentChannel.Channel",
    "PaymentMethods": "PaymentMethod.Method",
}
PLAIN_FILTERS = ("CreatedAfter", "CreatedBefore", "LastUpdatedAfter", "LastUpdatedBefore", "BuyerEmail",
                 "SellerOrderId", "MaxResultsPerPage")


def sp_order(order: Mapping[str, Any], elements: frozenset[str]) -> dict[str, Any]:
    out = {k: v for k, v in order.items() if k != "OrderItems" and k not in ORDER_BUYER}
    if "buyerInfo" in elements:
        buyer = {k: order[k] for k in ORDER_BUYER if k in order}
        if buyer:
            out["BuyerInfo"] = buyer
    address = order.get("ShippingAddress")
    if isinstance(address, dict) and "shippingAddress" not in elements:
        out["ShippingAddress"] = {k: address[k] for k in PUBLIC_ADDRESS if k in address}
    return out


def sp_item(item: Mapping[str, Any], elements: frozenset[str]) -> dict[str, Any]:
    out = {k: v for k, v in item.items() if k not in ITEM_BUYER}
    if "buyerInfo" in elements:
        buyer = {k: item[k] for k in ITEM_BUYER if k in item}
        if buyer:
            out["BuyerInfo"] = buyer
    if isinstance(out.get("IsGift"), bool):
        out["IsGift"] = "true" if out["IsGift"] else "false"
    info = out.get("ProductInfo")
    if isinstance(info, dict) and isinstance(info.get("NumberOfItems"), int):
        out["ProductInfo"] = {**info, "NumberOfItems": str(info["NumberOfItems"])}
    return out


def _payload(result: Any, rows_key: str, convert: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """An MWS handler's (key, value) result as SP-API's ``{"payload": ...}``: its rows converted, empty
    values left out (v0 omits a NextToken it does not have)."""
    payload: dict[str, Any] = {}
    for key, value in result:
        if key == rows_key:
            payload[key] = [convert(row) for row in value]
        elif value is not None:
            payload[key] = value
    return {"payload": payload}


def _invalid(e: SandboxError) -> SpRefusal:
    if e.code == "NextTokenCorrupted":
        return SpRefusal(400, "InvalidInput", "Invalid NextToken.", e.message)
    return SpRefusal(400, "InvalidInput", e.message)


class SpOrders:
    def __init__(self, sandbox: Any) -> None:
        self.sb = sandbox
        self.packages: dict[str, list[dict[str, Any]]] = {}  # confirmed packages, as v2026 reports them

    def get_orders(self, q: Mapping[str, str], now: datetime, elements: frozenset[str]) -> dict[str, Any]:
        if not q.get("MarketplaceIds"):
            raise SpRefusal(400, "InvalidInput", "MarketplaceIds is required.")
        try:
            if q.get("NextToken"):
                result = self.sb.orders_api.handle("ListOrdersByNextToken", {"NextToken": q["NextToken"]}, now)
            else:
                p: dict[str, str] = {k: q[k] for k in PLAIN_FILTERS if q.get(k)}
                for name, prefix in LIST_FILTERS.items():
                    for i, value in enumerate([v for v in (q.get(name) or "").split(",") if v], start=1):
                        p[f"{prefix}.{i}"] = value
                result = self.sb.orders_api.handle("ListOrders", p, now, paired_statuses=False)
        except SandboxError as e:
            raise _invalid(e) from None
        return _payload(result, "Orders", lambda o: sp_order(o, elements))

    def get_order(self, order_id: str, elements: frozenset[str]) -> dict[str, Any]:
        order = self.sb.store.get(order_id)
        if order is None:
            raise SpRefusal(404, "NotFound", f"Order {order_id} was not found.")
        return {"payload": sp_order(order, elements)}

    def get_order_items(self, order_id: str, q: Mapping[str, str], now: datetime,
                        elements: frozenset[str]) -> dict[str, Any]:
        if self.sb.store.get(order_id) is None:
            raise SpRefusal(404, "NotFound", f"Order {order_id} was not found.")
        try:
            if q.get("NextToken"):
                cursor, _ = self.sb.cursors.resume(q["NextToken"], "items")
                if cursor.extra.get("order") != order_id:
                    raise SpRefusal(400, "InvalidInput", "Invalid NextToken.", "The token is for another order.")
                result = self.sb.orders_api.handle("ListOrderItemsByNextToken", {"NextToken": q["NextToken"]}, now)
            else:
                result = self.sb.orders_api.handle("ListOrderItems", {"AmazonOrderId": order_id}, now)
        except SandboxError as e:
            raise _invalid(e) from None
        return _payload(result, "OrderItems", lambda i: sp_item(i, elements))

    def confirm_shipment(self, order_id: str, body: Any) -> None:
        """Validate the ConfirmShipmentRequest, then ship the items as an OrderFulfillment feed would."""
        if not isinstance(body, dict):
            raise SpRefusal(400, "InvalidInput", "The request body must be a ConfirmShipmentRequest object.")
        if body.get("marketplaceId") != self.sb.marketplace_id:
            raise SpRefusal(400, "InvalidInput", f"marketplaceId {body.get('marketplaceId')!r} is not valid.")
        package = body.get("packageDetail")
        if not isinstance(package, dict):
            raise SpRefusal(400, "InvalidInput", "packageDetail is required.")
        for name in ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate", "orderItems"):
            if package.get(name) in (None, "", []):
                raise SpRefusal(400, "InvalidInput", f"packageDetail.{name} is required.")
        order = self.sb.store.get(order_id)
        if order is None:
            raise SpRefusal(404, "NotFound", f"Order {order_id} was not found.")
        if order["OrderStatus"] not in ("Unshipped", "PartiallyShipped"):
            raise SpRefusal(400, "InvalidInput", f"Order {order_id} is {order['OrderStatus']}: it cannot be shipped.")
        el = etree.Element("OrderFulfillment")
        etree.SubElement(el, "AmazonOrderID").text = order_id
        for n, line in enumerate(package["orderItems"]):
            if not isinstance(line, dict) or not line.get("orderItemId"):
                raise SpRefusal(400, "InvalidInput", f"packageDetail.orderItems[{n}].orderItemId is required.")
            qty = line.get("quantity")
            if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
                raise SpRefusal(400, "InvalidInput", f"packageDetail.orderItems[{n}].quantity must be >= 1.")
            item = etree.SubElement(el, "Item")
            etree.SubElement(item, "AmazonOrderItemCode").text = str(line["orderItemId"])
            etree.SubElement(item, "Quantity").text = str(qty)
        known = {i["OrderItemId"] for i in order.get("OrderItems", [])}
        unknown = [str(line["orderItemId"]) for line in package["orderItems"] if str(line["orderItemId"]) not in known]
        if unknown:
            raise SpRefusal(400, "InvalidInput", f"orderItemId {unknown[0]} is not an item of order {order_id}.")
        outcome = Outcome()
        _fulfil(self.sb.store, outcome, 1, el)
        if outcome.results:
            raise SpRefusal(400, "InvalidInput", outcome.results[0].description)
        self.packages.setdefault(order_id, []).append({
            "packageReferenceId": str(package["packageReferenceId"]), "carrier": str(package["carrierCode"]),
            "trackingNumber": str(package["trackingNumber"]), "shipTime": str(package["shipDate"]),
            "packageStatus": {"status": "SHIPPED"},
            "packageItems": [{"orderItemId": str(line["orderItemId"]), "quantity": line["quantity"]}
                             for line in package["orderItems"]],
        })

    def marketplace_participations(self) -> dict[str, Any]:
        from amazon_mws.core.marketplaces import MARKETPLACES
        from amazon_mws.sandbox.data import MARKETPLACES as CURRENCIES

        mid = self.sb.marketplace_id
        currency, channel, country = CURRENCIES[mid]
        market = MARKETPLACES.get(mid)
        return {"payload": [{
            "marketplace": {"id": mid, "countryCode": country, "name": market.name if market else channel,
                            "defaultCurrencyCode": currency, "defaultLanguageCode": "en_US",
                            "domainName": channel.lower()},
            "participation": {"isParticipating": True, "hasSuspendedListings": False},
        }]}
