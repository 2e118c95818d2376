"""SP-API orders and items in the MWS shape, so the trigger and actions emit the same JSON on both backends.

Amazon kept the Orders field names from MWS to SP-API v0; what differs:
- buyer data moved into `BuyerInfo` (BuyerEmail, BuyerName, BuyerCounty, BuyerTaxInfo, PurchaseOrderNumber)
  on orders, and the gift fields into `BuyerInfo` (GiftWrapPrice, GiftWrapTax, GiftMessageText,
  GiftWrapLevel, BuyerCustomizedInfo) on items: they are lifted back to the top level, as MWS has them;
- a few leaves are strings in the SP-API model where MWS has numbers or booleans (`IsGift` "true"/"false",
  `ProductInfo.NumberOfItems` "1"): typed by the same declared model as MWS (`mws.model.DATATYPES`).
Fields SP-API adds (AutomatedShippingSettings, HasRegulatedItems, BuyerTaxInformation, ...) are kept as
Amazon sent them, as the MWS model keeps elements it does not know.
"""

from __future__ import annotations

from typing import Any

from amazon_mws.core.model import BOOL, DATATYPES, INT, Kind, ListOf, Many

ORDER_BUYER_FIELDS = ("BuyerEmail", "BuyerName", "BuyerCounty", "BuyerTaxInfo", "PurchaseOrderNumber")
ITEM_BUYER_FIELDS = ("GiftWrapPrice", "GiftWrapTax", "GiftMessageText", "GiftWrapLevel", "BuyerCustomizedInfo")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _leaf(value: Any, kind: Kind) -> Any:
    if kind == INT and isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return value
    if kind == BOOL and isinstance(value, str):
        low = value.strip().lower()
        return True if low in _TRUE else False if low in _FALSE else value
    return value


def retype(value: Any, datatype: str) -> Any:
    """Apply the MWS model's types to an SP-API JSON object (lists stay lists, unknown keys stay)."""
    fields = DATATYPES.get(datatype)
    if fields is None or not isinstance(value, dict):
        return value
    out = dict(value)
    for name, kind in fields.items():
        if name not in out:
            continue
        item = out[name]
        if isinstance(kind, (ListOf, Many)):
            inner = kind.item
            if isinstance(item, list):
                out[name] = [retype(v, inner) if inner in DATATYPES else _leaf(v, inner) for v in item]
        elif kind in DATATYPES:
            out[name] = retype(item, kind)
        else:
            out[name] = _leaf(item, kind)
    return out


def _lift(obj: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    info = obj.pop("BuyerInfo", None)
    if isinstance(info, dict):
        for name in fields:
            if name in info and name not in obj:
                obj[name] = info[name]
    return obj


def order_from_sp(order: dict[str, Any]) -> dict[str, Any]:
    return retype(_lift(dict(order), ORDER_BUYER_FIELDS), "Order")


def item_from_sp(item: dict[str, Any]) -> dict[str, Any]:
    return retype(_lift(dict(item), ITEM_BUYER_FIELDS), "OrderItem")
