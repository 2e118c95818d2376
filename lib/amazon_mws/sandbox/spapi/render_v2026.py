"""The sandbox's order book (kept in the MWS shape) rendered as Orders API v2026-01-01 `Order` objects.

One book serves MWS, v0 and v2026, so a test can compare what the three APIs say about the same order.
What v2026 returns depends on `includedData`: the order's identity, dates, sales channel, programs and its
items (product, quantity) always; `buyer`, `recipient`, `proceeds`, `fulfillment`, `packages`, `payment`,
`tax` and the items' `proceeds`, `expense`, `promotion`, `fulfillment`, `tax` only for the dataset named.
Money becomes `{amount, currencyCode}`; statuses and enums become UPPER_SNAKE; proceeds are broken down
by category (ITEM, SHIPPING, GIFT_WRAP, TAX, DISCOUNT; a discount is negative: it lowers the proceeds).
MWS's `InvoiceUnconfirmed` is SHIPPED in v2026 (every item shipped) with the tax invoice `NOT_FOUND`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from amazon_mws.sandbox.data import MARKETPLACES
from amazon_mws.spapi.shape_v2026 import CHANNEL_TO_V2026
from amazon_mws.spapi.shape_v2026 import STATUS_TO_V2026 as _STATUSES

STATUS_TO_V2026 = {**_STATUSES, "InvoiceUnconfirmed": "SHIPPED"}
PAYMENT_TO_V2026 = {"COD": "CashOnDelivery", "CVS": "ConvenienceStore", "Other": "Other"}
# MWS boolean -> the v2026 program that says the same
PROGRAM_FLAGS = (
    ("IsPrime", "PRIME"),
    ("IsBusinessOrder", "AMAZON_BUSINESS"),
    ("IsPremiumOrder", "PREMIUM"),
    ("IsISPU", "IN_STORE_PICK_UP"),
)


def snake(value: str) -> str:
    """`NextDay` -> `NEXT_DAY`, `Standard` -> `STANDARD` (v2026 spells enums in UPPER_SNAKE)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value).upper()


def _money(value: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not isinstance(value, Mapping) or "Amount" not in value:
        return None
    return {"amount": str(value["Amount"]), "currencyCode": str(value["CurrencyCode"])}


def _sum(values: Iterable[Mapping[str, Any] | None], currency: str, sign: int = 1) -> dict[str, str]:
    total = sum((Decimal(v["Amount"]) for v in values if v), Decimal(0)) * sign
    return {"amount": str(total), "currencyCode": currency}


def _window(start: str | None, end: str | None) -> dict[str, str] | None:
    window = {k: v for k, v in (("earliestDateTime", start), ("latestDateTime", end)) if v}
    return window or None


def _prune(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v not in (None, {}, [])}


def _currency(order: Mapping[str, Any]) -> str:
    total = order.get("OrderTotal")
    if isinstance(total, Mapping) and total.get("CurrencyCode"):
        return str(total["CurrencyCode"])
    return MARKETPLACES.get(str(order.get("MarketplaceId")), ("USD",))[0]


# -- items --------------------------------------------------------------------------------------------


def _item_proceeds(item: Mapping[str, Any], currency: str) -> dict[str, Any] | None:
    if "ItemPrice" not in item:
        return None  # no prices yet (a Pending order)
    tax_parts = [("ITEM", "ItemTax"), ("SHIPPING", "ShippingTax"), ("GIFT_WRAP", "GiftWrapTax"),
                 ("DISCOUNT", "PromotionDiscountTax")]
    discount_parts = [("ITEM", "PromotionDiscount"), ("SHIPPING", "ShippingDiscount")]
    breakdowns: list[dict[str, Any]] = [
        {"type": kind, "subtotal": _money(item[name])}
        for kind, name in (("ITEM", "ItemPrice"), ("SHIPPING", "ShippingPrice"), ("GIFT_WRAP", "GiftWrapPrice"))
        if name in item
    ]
    taxes = [(sub, item[name]) for sub, name in tax_parts if name in item]
    if taxes:
        breakdowns.append({"type": "TAX", "subtotal": _sum((v for _, v in taxes), currency),
                           "detailedBreakdowns": [{"subtype": s, "value": _money(v)} for s, v in taxes]})
    discounts = [(sub, item[name]) for sub, name in discount_parts if name in item]
    if discounts:
        breakdowns.append({
            "type": "DISCOUNT", "subtotal": _sum((v for _, v in discounts), currency, -1),
            "detailedBreakdowns": [{"subtype": s, "value": _sum([v], currency, -1)} for s, v in discounts],
        })
    total = sum((Decimal(b["subtotal"]["amount"]) for b in breakdowns), Decimal(0))
    return {"proceedsTotal": {"amount": str(total), "currencyCode": currency}, "breakdowns": breakdowns}


def _item_fulfillment(item: Mapping[str, Any], closed: bool) -> dict[str, Any]:
    """`closed`: a cancelled or unfulfillable order, whose units no longer wait to be shipped."""
    shipped = int(item.get("QuantityShipped") or 0)
    gift = _prune({"giftMessage": item.get("GiftMessageText"), "giftWrapLevel": item.get("GiftWrapLevel")})
    packing = _prune({
        "giftOption": gift if gift or item.get("IsGift") else None,
        "serialNumberRequirement": {"requirementType": "REQUIRED"} if item.get("SerialNumberRequired") else None,
    })
    shipping = _prune({
        "scheduledDeliveryWindow": _window(item.get("ScheduledDeliveryStartDate"),
                                           item.get("ScheduledDeliveryEndDate")),
        "internationalShipping": {"iossNumber": item["IossNumber"]} if item.get("IossNumber") else None,
    })
    left = 0 if closed else int(item["QuantityOrdered"]) - shipped
    return _prune({"quantityFulfilled": shipped, "quantityUnfulfilled": left,
                   "packing": packing, "shipping": shipping})


def v2026_item(item: Mapping[str, Any], included: frozenset[str], currency: str,
               closed: bool = False) -> dict[str, Any]:
    qty = int(item["QuantityOrdered"])
    unit = None
    if "ItemPrice" in item and qty:
        price = Decimal(item["ItemPrice"]["Amount"])
        unit = {"amount": str((price / qty).quantize(price)), "currencyCode": currency}  # the price's precision
    condition = _prune({"conditionType": snake(item["ConditionId"]) if item.get("ConditionId") else None,
                        "conditionSubtype": snake(item["ConditionSubtypeId"]) if item.get("ConditionSubtypeId")
                        else None, "conditionNote": item.get("ConditionNote")})
    product = _prune({
        "asin": item.get("ASIN"), "title": item.get("Title"), "sellerSku": item.get("SellerSKU"),
        "condition": condition,
        "price": _prune({"unitPrice": unit, "priceDesignation": item.get("PriceDesignation")}),
        "customization": {"customizedUrl": item["BuyerCustomizedInfo"]["CustomizedURL"]}
        if isinstance(item.get("BuyerCustomizedInfo"), Mapping) else None,
    })
    out: dict[str, Any] = {"orderItemId": item["OrderItemId"], "quantityOrdered": qty,
                           "programs": ["TRANSPARENCY"] if item.get("IsTransparency") else [], "product": product}
    if "PROCEEDS" in included:
        out["proceeds"] = _item_proceeds(item, currency)
    points = item.get("PointsGranted")
    if "EXPENSE" in included and isinstance(points, Mapping):
        granted = _prune({"pointsNumber": points.get("PointsNumber"),
                          "pointsMonetaryValue": _money(points.get("PointsMonetaryValue"))})
        out["expense"] = {"pointsCost": {"pointsGranted": granted}}
    if "PROMOTION" in included and item.get("PromotionIds"):
        out["promotion"] = {"breakdowns": [{"promotionId": p} for p in item["PromotionIds"]]}
    if "FULFILLMENT" in included:
        out["fulfillment"] = _item_fulfillment(item, closed)
    collection = item.get("TaxCollection")
    if "TAX" in included and isinstance(collection, Mapping):
        out["tax"] = {"taxCollections": [_prune({"model": collection.get("Model"),
                                                 "responsibleParty": collection.get("ResponsibleParty")})]}
    return _prune(out) | {"programs": out["programs"]}


# -- orders -------------------------------------------------------------------------------------------


def _order_proceeds(order: Mapping[str, Any], items: list[dict[str, Any]], currency: str) -> dict[str, Any] | None:
    total = _money(order.get("OrderTotal"))
    if total is None:
        return None
    sums: dict[str, Decimal] = {}
    for item in items:
        for b in (item.get("proceeds") or {}).get("breakdowns", []):
            sums[b["type"]] = sums.get(b["type"], Decimal(0)) + Decimal(b["subtotal"]["amount"])
    breakdowns = [{"type": k, "subtotal": {"amount": str(v), "currencyCode": currency}} for k, v in sums.items()]
    return _prune({"grandTotal": total, "breakdowns": breakdowns})


def _address(address: Mapping[str, Any]) -> dict[str, Any]:
    return _prune({
        "name": address.get("Name"), "addressLine1": address.get("AddressLine1"),
        "addressLine2": address.get("AddressLine2"), "addressLine3": address.get("AddressLine3"),
        "city": address.get("City"), "districtOrCounty": address.get("County") or address.get("District"),
        "stateOrRegion": address.get("StateOrRegion"), "postalCode": address.get("PostalCode"),
        "countryCode": address.get("CountryCode"), "phone": address.get("Phone"),
        "addressType": snake(address["AddressType"]) if address.get("AddressType") else None,
    })


def _fulfillment(order: Mapping[str, Any]) -> dict[str, Any]:
    category = order.get("ShipmentServiceLevelCategory")
    return _prune({
        "fulfillmentStatus": STATUS_TO_V2026[order["OrderStatus"]],
        "fulfilledBy": CHANNEL_TO_V2026.get(str(order.get("FulfillmentChannel"))),
        "fulfillmentServiceLevel": snake(category) if category else None,
        "shipByWindow": _window(order.get("EarliestShipDate"), order.get("LatestShipDate")),
        "deliverByWindow": _window(order.get("EarliestDeliveryDate"), order.get("LatestDeliveryDate")),
    })


def _payment(order: Mapping[str, Any]) -> dict[str, Any] | None:
    executions = [{"paymentMethod": d.get("PaymentMethod"), "paymentAmount": _money(d.get("Payment"))}
                  for d in order.get("PaymentExecutionDetail") or []]
    if not executions and order.get("PaymentMethod"):
        executions = [_prune({"paymentMethod": PAYMENT_TO_V2026.get(order["PaymentMethod"], order["PaymentMethod"]),
                              "paymentAmount": _money(order.get("OrderTotal"))})]
    return {"paymentExecutions": executions} if executions else None


def _tax(order: Mapping[str, Any]) -> dict[str, Any] | None:
    info = order.get("BuyerTaxInfo")
    registrations = []
    if isinstance(info, Mapping):
        for c in info.get("TaxClassifications") or []:
            registrations.append(_prune({"entityType": "BUYER", "legalName": info.get("CompanyLegalName"),
                                         "taxRegistrationType": c.get("Name"),
                                         "taxRegistrationNumber": c.get("Value")}))
    invoicing = {"invoiceStatus": "NOT_FOUND"} if order["OrderStatus"] == "InvoiceUnconfirmed" else None
    return _prune({"taxRegistrations": registrations, "taxInvoicing": invoicing}) or None


def _programs(order: Mapping[str, Any]) -> list[str]:
    programs = [program for flag, program in PROGRAM_FLAGS if order.get(flag)]
    if order.get("OrderType") == "Preorder":
        programs.append("PREORDER")
    return programs


def v2026_order(order: Mapping[str, Any], included: frozenset[str],
                packages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One stored order as v2026 returns it for the datasets in `included`."""
    currency = _currency(order)
    market = str(order.get("MarketplaceId"))
    closed = order["OrderStatus"] in ("Canceled", "Unfulfillable")
    items = [v2026_item(i, included, currency, closed) for i in order.get("OrderItems", [])]
    out: dict[str, Any] = {
        "orderId": order["AmazonOrderId"],
        "orderAliases": [{"aliasId": order["SellerOrderId"], "aliasType": "SELLER_ORDER_ID"}]
        if order.get("SellerOrderId") else [],
        "createdTime": order["PurchaseDate"],
        "lastUpdatedTime": order["LastUpdateDate"],
        "programs": _programs(order),
        "associatedOrders": [{"orderId": order["ReplacedOrderId"], "associationType": "REPLACEMENT_ORIGINAL_ID"}]
        if order.get("ReplacedOrderId") else [],
        "salesChannel": _prune({"channelName": "AMAZON", "marketplaceId": market,
                                "marketplaceName": order.get("SalesChannel")}),
        "orderItems": items,
    }
    buyer = _prune({"buyerName": order.get("BuyerName"), "buyerEmail": order.get("BuyerEmail"),
                    "buyerCompanyName": (order.get("BuyerTaxInfo") or {}).get("CompanyLegalName"),
                    "buyerPurchaseOrderNumber": order.get("PurchaseOrderNumber")})
    if "BUYER" in included and buyer:
        out["buyer"] = buyer
    if "RECIPIENT" in included and isinstance(order.get("ShippingAddress"), Mapping):
        out["recipient"] = {"deliveryAddress": _address(order["ShippingAddress"])}
    if "PROCEEDS" in included:
        out["proceeds"] = _order_proceeds(order, items, currency)
    if "FULFILLMENT" in included:
        out["fulfillment"] = _fulfillment(order)
    if "PACKAGES" in included and order.get("FulfillmentChannel") == "MFN":
        out["packages"] = list(packages or [])
    if "PAYMENT" in included:
        out["payment"] = _payment(order)
    if "TAX" in included:
        out["tax"] = _tax(order)
    return {k: v for k, v in out.items() if v is not None}
