"""Order feeds: OrderAcknowledgement (updateOrder), OrderFulfillment (shipOrder) and OrderAdjustment
(adjustOrder). Elements are written in the order the XSDs' sequences require; a choice the schema
cannot express in draft-03 (AmazonOrderID *or* MerchantOrderID) is checked here with a clear error.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from amazon_mws.feeds._common import Built, root
from amazon_mws.feeds.envelope import Fields


def _order_id(parent: etree._Element, msg: dict[str, Any], f: Fields, problems: list[str]) -> None:
    """Exactly one of amazonOrderID / merchantOrderID identifies the order (an XSD choice)."""
    has_amazon, has_merchant = msg.get("amazonOrderID") is not None, msg.get("merchantOrderID") is not None
    if has_amazon == has_merchant:
        problems.append(f"{f.base}: exactly one of amazonOrderID, merchantOrderID is required")
    if has_amazon:
        f.leaf(parent, "AmazonOrderID", msg["amazonOrderID"], "amazonOrderID")
    elif has_merchant:
        f.leaf(parent, "MerchantOrderID", msg["merchantOrderID"], "merchantOrderID")


def _item_id(
    parent: etree._Element, item: dict[str, Any], f: Fields, where: tuple, problems: list[str]
) -> None:
    has_amazon = item.get("amazonOrderItemCode") is not None
    has_merchant = item.get("merchantOrderItemID") is not None
    if has_amazon == has_merchant:
        problems.append(
            f"{f.path(*where)}: exactly one of amazonOrderItemCode, merchantOrderItemID is required"
        )
    if has_amazon:
        f.leaf(parent, "AmazonOrderItemCode", item["amazonOrderItemCode"], *where, "amazonOrderItemCode")
    elif has_merchant:
        f.leaf(parent, "MerchantOrderItemID", item["merchantOrderItemID"], *where, "merchantOrderItemID")


def acknowledgement(msg: dict[str, Any], f: Fields, opts: dict[str, Any], problems: list[str]) -> Built:
    """One OrderAcknowledgement per input message, with at most one Item (the reference's shape)."""
    top = root("OrderAcknowledgement", f)
    f.leaf(top, "AmazonOrderID", msg.get("amazonOrderID"), "amazonOrderID")
    f.opt(top, "MerchantOrderID", msg, "merchantOrderID")
    f.leaf(top, "StatusCode", msg.get("statusCode"), "statusCode")
    if msg.get("amazonOrderItemCode") is not None:
        item = f.node(top, "Item")
        f.leaf(item, "AmazonOrderItemCode", msg["amazonOrderItemCode"], "amazonOrderItemCode")
        f.opt(item, "MerchantOrderItemID", msg, "merchantOrderItemID")
        f.opt(item, "CancelReason", msg, "cancelReason")
    else:
        for key in ("merchantOrderItemID", "cancelReason"):
            if msg.get(key) is not None:
                problems.append(f"{f.path(key)}: needs amazonOrderItemCode (it describes an order item)")
    return top, None


def fulfillment(msg: dict[str, Any], f: Fields, opts: dict[str, Any], problems: list[str]) -> Built:
    """A shipment confirmation: carrier (code from Amazon's list, or a free name), tracking, items."""
    top = root("OrderFulfillment", f)
    _order_id(top, msg, f, problems)
    f.opt(top, "MerchantFulfillmentID", msg, "merchantFulfillmentID")
    f.leaf(top, "FulfillmentDate", msg.get("fulfillmentDate"), "fulfillmentDate")
    carrier_keys = [k for k in ("carrierCode", "carrierName") if msg.get(k) is not None]
    if len(carrier_keys) > 1:
        problems.append(f"{f.base}: give carrierCode or carrierName, not both")
    if carrier_keys or msg.get("shippingMethod") is not None or msg.get("shipperTrackingNumber") is not None:
        data = f.node(top, "FulfillmentData")
        if not carrier_keys:
            problems.append(f"{f.base}: carrierCode or carrierName is required with shipping details")
        else:
            key = carrier_keys[0]
            f.leaf(data, "CarrierCode" if key == "carrierCode" else "CarrierName", msg[key], key)
        f.opt(data, "ShippingMethod", msg, "shippingMethod")
        f.opt(data, "ShipperTrackingNumber", msg, "shipperTrackingNumber")
    f.opt(top, "CODCollectionMethod", msg, "codCollectionMethod")
    for i, item in enumerate(msg.get("items") or []):
        node = f.node(top, "Item", "items", i)
        _item_id(node, item, f, ("items", i), problems)
        f.opt(node, "MerchantFulfillmentItemID", item, "merchantFulfillmentItemID", "items", i)
        f.opt(node, "Quantity", item, "quantity", "items", i)
    return top, None


def _components(
    parent: etree._Element, tag: str, components: list[dict[str, Any]], currency: Any, f: Fields, where: tuple
) -> None:
    wrapper = f.node(parent, tag, *where)
    for j, comp in enumerate(components):
        node = f.node(wrapper, "Component", *where, j)
        f.leaf(node, "Type", comp.get("type"), *where, j, "type")
        f.leaf(
            node,
            "Amount",
            comp.get("amount"),
            *where,
            j,
            "amount",
            attrs={"currency": comp.get("currency") or currency},
        )


def adjustment(msg: dict[str, Any], f: Fields, opts: dict[str, Any], problems: list[str]) -> Built:
    """A refund or cancellation, broken into price components per item (Amazon wants the split)."""
    top = root("OrderAdjustment", f)
    _order_id(top, msg, f, problems)
    f.opt(top, "ActionType", msg, "actionType")
    f.opt(top, "CODCollectionMethod", msg, "codCollectionMethod")
    items = msg.get("items") or []
    if not items:
        problems.append(f"{f.path('items')}: at least one adjusted item is required")
    for i, item in enumerate(items):
        node = f.node(top, "AdjustedItem", "items", i)
        _item_id(node, item, f, ("items", i), problems)
        f.opt(node, "MerchantAdjustmentItemID", item, "merchantAdjustmentItemID", "items", i)
        f.leaf(node, "AdjustmentReason", item.get("adjustmentReason"), "items", i, "adjustmentReason")
        currency = item.get("currency")
        if item.get("itemPriceAdjustments"):
            _components(
                node,
                "ItemPriceAdjustments",
                item["itemPriceAdjustments"],
                currency,
                f,
                ("items", i, "itemPriceAdjustments"),
            )
        for k, promo in enumerate(item.get("promotionAdjustments") or []):
            where = ("items", i, "promotionAdjustments", k)
            pnode = f.node(node, "PromotionAdjustments", *where)
            f.opt(pnode, "PromotionClaimCode", promo, "promotionClaimCode", *where)
            f.opt(pnode, "MerchantPromotionID", promo, "merchantPromotionID", *where)
            for j, comp in enumerate(promo.get("components") or []):
                cnode = f.node(pnode, "Component", *where, "components", j)
                f.leaf(cnode, "Type", comp.get("type"), *where, "components", j, "type")
                f.leaf(
                    cnode,
                    "Amount",
                    comp.get("amount"),
                    *where,
                    "components",
                    j,
                    "amount",
                    attrs={"currency": comp.get("currency") or currency},
                )
        f.opt(node, "QuantityCancelled", item, "quantityCancelled", "items", i)
        f.opt(node, "Quantity", item, "quantity", "items", i)
    return top, None
