"""Response XML in Amazon's shape: `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>`.

Orders and items are plain dicts keyed by Amazon's element names; `ELEMENT_ORDER` says in which order
Amazon emitted them (from the official client mocks and captured responses), `LIST_CHILD` which
wrapper holds which repeated element. Keys a dict has beyond the table follow in insertion order, so
a test can add an element Amazon introduced later without touching this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from amazon_mws.core.model import DATATYPES

ORDERS_NS = "https://mws.amazonservices.com/Orders/2013-09-01"
FEEDS_NS = "http://mws.amazonaws.com/doc/2009-01-01/"
SELLERS_NS = "https://mws.amazonservices.com/Sellers/2011-07-01"
GENERIC_NS = "https://mws.amazonservices.com/"

ELEMENT_ORDER: dict[str, tuple[str, ...]] = {
    "Order": (
        "AmazonOrderId",
        "SellerOrderId",
        "PurchaseDate",
        "LastUpdateDate",
        "OrderStatus",
        "FulfillmentChannel",
        "SalesChannel",
        "OrderChannel",
        "ShipServiceLevel",
        "ShippingAddress",
        "OrderTotal",
        "NumberOfItemsShipped",
        "NumberOfItemsUnshipped",
        "PaymentExecutionDetail",
        "PaymentMethod",
        "PaymentMethodDetails",
        "IsReplacementOrder",
        "MarketplaceId",
        "BuyerEmail",
        "BuyerName",
        "ShipmentServiceLevelCategory",
        "ShippedByAmazonTFM",
        "OrderType",
        "EarliestShipDate",
        "LatestShipDate",
        "EarliestDeliveryDate",
        "LatestDeliveryDate",
        "IsBusinessOrder",
        "IsPrime",
        "IsPremiumOrder",
        "IsGlobalExpressEnabled",
        "IsSoldByAB",
        "IsISPU",
    ),
    "ShippingAddress": (
        "Name",
        "AddressLine1",
        "AddressLine2",
        "AddressLine3",
        "City",
        "County",
        "District",
        "StateOrRegion",
        "PostalCode",
        "CountryCode",
        "Phone",
        "AddressType",
    ),
    "OrderItem": (
        "ASIN",
        "SellerSKU",
        "OrderItemId",
        "Title",
        "QuantityOrdered",
        "QuantityShipped",
        "PointsGranted",
        "ProductInfo",
        "ItemPrice",
        "ShippingPrice",
        "GiftWrapPrice",
        "ItemTax",
        "ShippingTax",
        "GiftWrapTax",
        "ShippingDiscount",
        "ShippingDiscountTax",
        "PromotionDiscount",
        "PromotionDiscountTax",
        "PromotionIds",
        "CODFee",
        "CODFeeDiscount",
        "IsGift",
        "GiftMessageText",
        "GiftWrapLevel",
        "ConditionNote",
        "ConditionId",
        "ConditionSubtypeId",
        "ScheduledDeliveryStartDate",
        "ScheduledDeliveryEndDate",
        "PriceDesignation",
        "IsTransparency",
    ),
    "Money": ("CurrencyCode", "Amount"),
    "FeedSubmissionInfo": (
        "FeedSubmissionId",
        "FeedType",
        "SubmittedDate",
        "FeedProcessingStatus",
        "StartedProcessingDate",
        "CompletedProcessingDate",
    ),
}
# the elements that hold a Money (CurrencyCode, Amount), as the client's declared model has them
MONEY_ELEMENTS = frozenset(
    name for fields in DATATYPES.values() for name, kind in fields.items() if kind == "Money"
)
LIST_CHILD = {
    "Orders": "Order",
    "OrderItems": "OrderItem",
    "PaymentMethodDetails": "PaymentMethodDetail",
    "PaymentExecutionDetail": "PaymentExecutionDetailItem",
    "PromotionIds": "PromotionId",
    "Messages": "Message",
    "ListParticipations": "Participation",
    "ListMarketplaces": "Marketplace",
}
# keys kept in the store but never rendered inside an Order
INTERNAL_KEYS = {"OrderItems"}


def _order_for(tag: str) -> tuple[str, ...]:
    return ELEMENT_ORDER["Money"] if tag in MONEY_ELEMENTS else ELEMENT_ORDER.get(tag, ())


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Builder:
    """Builds elements in one namespace (Amazon's responses use a default namespace per section)."""

    def __init__(self, ns: str) -> None:
        self.ns = ns

    def q(self, tag: str) -> str:
        return f"{{{self.ns}}}{tag}" if self.ns else tag

    def root(self, tag: str) -> etree._Element:
        # None keys the default namespace (lxml's API; its stubs type the keys as str)
        return etree.Element(self.q(tag), nsmap={None: self.ns} if self.ns else None)  # type: ignore[dict-item]

    def sub(self, parent: etree._Element, tag: str, value: Any = None) -> etree._Element:
        """Append `tag` rendering `value`: dicts in Amazon's element order, lists in their wrapper."""
        el = etree.SubElement(parent, self.q(tag))
        if isinstance(value, Mapping):
            self.fill(el, tag, value)
        elif isinstance(value, (list, tuple)):
            child = LIST_CHILD.get(tag, "member")
            for item in value:
                self.sub(el, child, item)
        elif value is not None:
            el.text = _text(value)
        return el

    def fill(self, el: etree._Element, tag: str, fields: Mapping[str, Any]) -> None:
        order = _order_for(tag)
        keys = [k for k in order if k in fields] + [k for k in fields if k not in order]
        for key in keys:
            if key in INTERNAL_KEYS or fields[key] is None:
                continue
            self.sub(el, key, fields[key])


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def response(ns: str, action: str, request_id: str, result: Iterable[tuple[str, Any]] | None) -> bytes:
    """`<{action}Response>` with a `<{action}Result>` holding `result` (pairs of tag, value) in order."""
    b = Builder(ns)
    root = b.root(f"{action}Response")
    if result is not None:
        res = b.sub(root, f"{action}Result")
        for tag, value in result:
            if value is not None:
                b.sub(res, tag, value)
    meta = b.sub(root, "ResponseMetadata")
    b.sub(meta, "RequestId", request_id)
    return serialize(root)


def error_response(ns: str, code: str, message: str, error_type: str, request_id: str) -> bytes:
    b = Builder(ns)
    root = b.root("ErrorResponse")
    err = b.sub(root, "Error")
    b.sub(err, "Type", error_type)
    b.sub(err, "Code", code)
    b.sub(err, "Message", message)
    b.sub(err, "Detail")
    b.sub(root, "RequestId", request_id)
    return serialize(root)
