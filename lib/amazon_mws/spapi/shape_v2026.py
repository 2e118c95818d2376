"""Orders v2026-01-01 orders and items in the MWS shape (pure functions), so the trigger and actions emit the
same JSON on every backend. docs/sp-api.md has the table: every output field, its v2026 source, and the MWS
fields v2026 no longer has (those are absent here, never guessed).

What changed in v2026 and how it comes back:
- statuses are `fulfillment.fulfillmentStatus` in UPPER_SNAKE (`CANCELLED` -> `Canceled`); MWS's
  `InvoiceUnconfirmed` has no v2026 status (such orders are SHIPPED);
- `fulfillment.fulfilledBy` AMAZON / MERCHANT -> `FulfillmentChannel` AFN / MFN;
- booleans became `programs[]` (PRIME -> IsPrime, AMAZON_BUSINESS -> IsBusinessOrder, ...): a program not
  listed is a false flag, since the list is always sent;
- money is `proceeds` broken down by category: ITEM -> ItemPrice, SHIPPING -> ShippingPrice, GIFT_WRAP ->
  GiftWrapPrice, COD_FEE -> CODFee, TAX's detailed breakdowns -> ItemTax / ShippingTax / GiftWrapTax /
  PromotionDiscountTax, DISCOUNT's -> PromotionDiscount / ShippingDiscount (v2026 counts a discount
  negative, MWS positive); the order's `proceeds.grandTotal` -> OrderTotal;
- items come inside the order (`orderItems`), so the order's item counts are their sums.
Types follow the MWS model (`core.model.DATATYPES`) through `shape.retype`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from amazon_mws.spapi.shape import retype

STATUS_FROM_V2026 = {
    "PENDING_AVAILABILITY": "PendingAvailability",
    "PENDING": "Pending",
    "UNSHIPPED": "Unshipped",
    "PARTIALLY_SHIPPED": "PartiallyShipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Canceled",
    "UNFULFILLABLE": "Unfulfillable",
}
STATUS_TO_V2026 = {mws: v2026 for v2026, mws in STATUS_FROM_V2026.items()}
CHANNEL_FROM_V2026 = {"AMAZON": "AFN", "MERCHANT": "MFN"}
CHANNEL_TO_V2026 = {mws: v2026 for v2026, mws in CHANNEL_FROM_V2026.items()}
PAYMENT_FROM_V2026 = {"CashOnDelivery": "COD", "ConvenienceStore": "CVS"}
PROGRAM_FLAGS = {"PRIME": "IsPrime", "AMAZON_BUSINESS": "IsBusinessOrder", "PREMIUM": "IsPremiumOrder",
                 "IN_STORE_PICK_UP": "IsISPU"}
ITEM_MONEY = {"ITEM": "ItemPrice", "SHIPPING": "ShippingPrice", "GIFT_WRAP": "GiftWrapPrice", "COD_FEE": "CODFee"}
TAX_MONEY = {"ITEM": "ItemTax", "SHIPPING": "ShippingTax", "GIFT_WRAP": "GiftWrapTax",
             "DISCOUNT": "PromotionDiscountTax"}
DISCOUNT_MONEY = {"ITEM": "PromotionDiscount", "SHIPPING": "ShippingDiscount"}


def camel(value: str) -> str:
    """`NEXT_DAY` -> `NextDay`, `RESIDENTIAL` -> `Residential`: v2026's enums in MWS's spelling."""
    return "".join(part.capitalize() for part in value.split("_"))


def _money(value: Any, sign: int = 1) -> dict[str, str] | None:
    if not isinstance(value, Mapping) or value.get("amount") is None:
        return None
    amount = str(value["amount"])
    if sign < 0:
        amount = str(-Decimal(amount))
    return {"CurrencyCode": str(value.get("currencyCode") or ""), "Amount": amount}


def _put(out: dict[str, Any], name: str, value: Any) -> None:
    if value is not None and value != "":
        out[name] = value


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _window(out: dict[str, Any], window: Any, start: str, end: str) -> None:
    _put(out, start, _get(window, "earliestDateTime"))
    _put(out, end, _get(window, "latestDateTime"))


# -- items --------------------------------------------------------------------------------------------


def _item_money(out: dict[str, Any], proceeds: Any) -> None:
    for breakdown in _get(proceeds, "breakdowns") or []:
        kind = breakdown.get("type")
        if kind in ITEM_MONEY:
            _put(out, ITEM_MONEY[kind], _money(breakdown.get("subtotal")))
        details = {d.get("subtype"): d.get("value") for d in breakdown.get("detailedBreakdowns") or []}
        if kind == "TAX":
            for subtype, name in TAX_MONEY.items():
                _put(out, name, _money(details.get(subtype)))
        elif kind == "DISCOUNT":
            for subtype, name in DISCOUNT_MONEY.items():
                _put(out, name, _money(details.get(subtype), -1))


def item_from_v2026(item: Mapping[str, Any]) -> dict[str, Any]:
    """One v2026 `OrderItem` as an MWS `OrderItem`."""
    product = item.get("product") or {}
    fulfillment = item.get("fulfillment")
    out: dict[str, Any] = {}
    _put(out, "ASIN", product.get("asin"))
    _put(out, "SellerSKU", product.get("sellerSku"))
    _put(out, "OrderItemId", item.get("orderItemId"))
    _put(out, "Title", product.get("title"))
    _put(out, "QuantityOrdered", item.get("quantityOrdered"))
    _put(out, "QuantityShipped", _get(fulfillment, "quantityFulfilled"))
    points = _get(item, "expense", "pointsCost", "pointsGranted")
    if isinstance(points, Mapping):
        out["PointsGranted"] = {k: v for k, v in (("PointsNumber", points.get("pointsNumber")),
                                                  ("PointsMonetaryValue", _money(points.get("pointsMonetaryValue"))))
                                if v is not None}
    _item_money(out, item.get("proceeds"))
    promotions = [p.get("promotionId") for p in _get(item, "promotion", "breakdowns") or [] if p.get("promotionId")]
    _put(out, "PromotionIds", promotions or None)
    gift = _get(fulfillment, "packing", "giftOption")
    _put(out, "GiftMessageText", _get(gift, "giftMessage"))
    _put(out, "GiftWrapLevel", _get(gift, "giftWrapLevel"))
    condition = product.get("condition") or {}
    _put(out, "ConditionNote", condition.get("conditionNote"))
    _put(out, "ConditionId", camel(condition["conditionType"]) if condition.get("conditionType") else None)
    _put(out, "ConditionSubtypeId", camel(condition["conditionSubtype"]) if condition.get("conditionSubtype") else None)
    _window(out, _get(fulfillment, "shipping", "scheduledDeliveryWindow"), "ScheduledDeliveryStartDate",
            "ScheduledDeliveryEndDate")
    _put(out, "PriceDesignation", _get(product, "price", "priceDesignation"))
    if isinstance(fulfillment, Mapping):  # the FULFILLMENT dataset was asked for: its absences are facts
        out["IsGift"] = gift is not None
        out["SerialNumberRequired"] = _get(fulfillment, "packing", "serialNumberRequirement",
                                           "requirementType") == "REQUIRED"
    out["IsTransparency"] = "TRANSPARENCY" in (item.get("programs") or [])
    collection = (_get(item, "tax", "taxCollections") or [None])[0]
    if isinstance(collection, Mapping):
        out["TaxCollection"] = {k: v for k, v in (("Model", collection.get("model")),
                                                  ("ResponsibleParty", collection.get("responsibleParty"))) if v}
    url = _get(product, "customization", "customizedUrl")
    if url:
        out["BuyerCustomizedInfo"] = {"CustomizedURL": url}
    _put(out, "IossNumber", _get(fulfillment, "shipping", "internationalShipping", "iossNumber"))
    return retype(out, "OrderItem")


# -- orders -------------------------------------------------------------------------------------------


def _address(address: Any) -> dict[str, Any] | None:
    if not isinstance(address, Mapping):
        return None
    out: dict[str, Any] = {}
    for mws, v2026 in (("Name", "name"), ("AddressLine1", "addressLine1"), ("AddressLine2", "addressLine2"),
                       ("AddressLine3", "addressLine3"), ("City", "city"), ("County", "districtOrCounty"),
                       ("StateOrRegion", "stateOrRegion"), ("PostalCode", "postalCode"),
                       ("CountryCode", "countryCode"), ("Phone", "phone")):
        _put(out, mws, address.get(v2026))
    if address.get("addressType"):
        out["AddressType"] = camel(address["addressType"])
    return out


def _payment(out: dict[str, Any], payment: Any) -> None:
    executions = _get(payment, "paymentExecutions") or []
    if not executions:
        return
    methods = [PAYMENT_FROM_V2026.get(e.get("paymentMethod"), "Other") for e in executions]
    out["PaymentMethod"] = methods[0]
    if methods[0] == "COD":  # MWS lists the executions of COD orders only
        out["PaymentExecutionDetail"] = [
            {"Payment": _money(e.get("paymentAmount")), "PaymentMethod": e.get("paymentMethod")}
            for e in executions if e.get("paymentAmount")
        ]


def _buyer_tax(order: Mapping[str, Any]) -> dict[str, Any] | None:
    company = _get(order, "buyer", "buyerCompanyName")
    registrations = [r for r in _get(order, "tax", "taxRegistrations") or [] if r.get("entityType") == "BUYER"]
    classes = [{"Name": r.get("taxRegistrationType"), "Value": r.get("taxRegistrationNumber")} for r in registrations]
    company = company or next((r.get("legalName") for r in registrations if r.get("legalName")), None)
    info: dict[str, Any] = {}
    _put(info, "CompanyLegalName", company)
    if classes:
        info["TaxClassifications"] = classes
    return info or None


def order_from_v2026(order: Mapping[str, Any]) -> dict[str, Any]:
    """One v2026 `Order` as an MWS `Order` (its items, in the MWS shape, under `OrderItems`)."""
    fulfillment = order.get("fulfillment")
    out: dict[str, Any] = {"AmazonOrderId": order.get("orderId")}
    alias = next((a.get("aliasId") for a in order.get("orderAliases") or [] if a.get("aliasType") == "SELLER_ORDER_ID"),
                 None)
    _put(out, "SellerOrderId", alias)
    _put(out, "PurchaseDate", order.get("createdTime"))
    _put(out, "LastUpdateDate", order.get("lastUpdatedTime"))
    status = _get(fulfillment, "fulfillmentStatus")
    _put(out, "OrderStatus", STATUS_FROM_V2026.get(status, status))
    by = _get(fulfillment, "fulfilledBy")
    _put(out, "FulfillmentChannel", CHANNEL_FROM_V2026.get(by, by))
    _put(out, "SalesChannel", _get(order, "salesChannel", "marketplaceName"))
    _put(out, "ShippingAddress", _address(_get(order, "recipient", "deliveryAddress")))
    _put(out, "OrderTotal", _money(_get(order, "proceeds", "grandTotal")))
    items = order.get("orderItems") or []
    if isinstance(fulfillment, Mapping) and items:
        out["NumberOfItemsShipped"] = sum(int(_get(i, "fulfillment", "quantityFulfilled") or 0) for i in items)
        out["NumberOfItemsUnshipped"] = sum(int(_get(i, "fulfillment", "quantityUnfulfilled") or 0) for i in items)
    _payment(out, order.get("payment"))
    _put(out, "MarketplaceId", _get(order, "salesChannel", "marketplaceId"))
    _put(out, "BuyerEmail", _get(order, "buyer", "buyerEmail"))
    _put(out, "BuyerName", _get(order, "buyer", "buyerName"))
    _put(out, "BuyerTaxInfo", _buyer_tax(order))
    level = _get(fulfillment, "fulfillmentServiceLevel")
    _put(out, "ShipmentServiceLevelCategory", camel(level) if level else None)
    programs = order.get("programs") or []
    if "PREORDER" in programs:
        out["OrderType"] = "Preorder"
    _window(out, _get(fulfillment, "shipByWindow"), "EarliestShipDate", "LatestShipDate")
    _window(out, _get(fulfillment, "deliverByWindow"), "EarliestDeliveryDate", "LatestDeliveryDate")
    for program, flag in PROGRAM_FLAGS.items():
        out[flag] = program in programs
    replaced = next((a.get("orderId") for a in order.get("associatedOrders") or []
                     if a.get("associationType") == "REPLACEMENT_ORIGINAL_ID"), None)
    out["IsReplacementOrder"] = replaced is not None
    _put(out, "ReplacedOrderId", replaced)
    _put(out, "PurchaseOrderNumber", _get(order, "buyer", "buyerPurchaseOrderNumber"))
    return retype(out, "Order")
