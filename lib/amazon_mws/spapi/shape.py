"""SP-API orders and items in the MWS shape, so the trigger and actions emit the same JSON on both backends.

Amazon kept the Orders field names from MWS to SP-API v0; what differs:
- buyer data moved into `BuyerInfo` (BuyerEmail, BuyerName, BuyerCounty, BuyerTaxInfo, PurchaseOrderNumber)
  on orders, and the gift fields into `BuyerInfo` (GiftWrapPrice, GiftWrapTax, GiftMessageText,
  GiftWrapLevel, BuyerCustomizedInfo) on items: they are lifted back to the top level, as MWS has them;
- a few leaves are strings in the SP-API model where MWS has numbers or booleans (`IsGift` "true"/"false",
  `ProductInfo.NumberOfItems` "1"): typed by the same declared model as MWS (`mws.model.DATATYPES`).
Fields SP-API adds (AutomatedShippingSettings, HasRegulatedItems, BuyerTaxInformation, ...) are kept as
Amazon sent them, as the MWS model keeps elements it does not know.

Speed: most of the model is strings, which need nothing, and SP-API already sends most numbers and
booleans typed. So each datatype is reduced once to a plan of the fields that might need work (a leaf
to type, a nested datatype whose own plan is not empty), and an object is copied only when one of them
changes; the rest of the order is passed through as json.loads made it.
"""

from __future__ import annotations

from typing import Any

from amazon_mws.core.model import BOOL, DATATYPES, INT, ListOf, Many

ORDER_BUYER_FIELDS = ("BuyerEmail", "BuyerName", "BuyerCounty", "BuyerTaxInfo", "PurchaseOrderNumber")
ITEM_BUYER_FIELDS = ("GiftWrapPrice", "GiftWrapTax", "GiftMessageText", "GiftWrapLevel", "BuyerCustomizedInfo")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _leaf(value: Any, kind: str) -> Any:
    if not isinstance(value, str):
        return value
    if kind == INT:
        try:
            return int(value.strip())
        except ValueError:
            return value
    if kind == BOOL:
        low = value.strip().lower()
        return True if low in _TRUE else False if low in _FALSE else value
    return value


LEAF, NESTED, LEAVES, NESTED_LIST = range(4)
Plan = tuple[tuple[str, int, str], ...]


def _plans() -> dict[str, Plan]:
    """datatype -> the (field, how, kind) that may change; datatypes with an empty plan are left out."""
    plans: dict[str, Plan] = {}

    def plan(datatype: str) -> Plan:
        if datatype not in plans:
            plans[datatype] = ()  # the model has no cycles; this only stops a bad edit from recursing forever
            steps = []
            for name, kind in DATATYPES[datatype].items():
                inner = kind.item if isinstance(kind, (ListOf, Many)) else kind
                many = isinstance(kind, (ListOf, Many))
                if inner in DATATYPES:
                    if plan(inner):
                        steps.append((name, NESTED_LIST if many else NESTED, inner))
                elif inner in (INT, BOOL):
                    steps.append((name, LEAVES if many else LEAF, inner))
            plans[datatype] = tuple(steps)
        return plans[datatype]

    for datatype in DATATYPES:
        plan(datatype)
    return {name: steps for name, steps in plans.items() if steps}


PLANS = _plans()


def retype(value: Any, datatype: str) -> Any:
    """Apply the MWS model's types to an SP-API JSON object (lists stay lists, unknown keys stay).

    The object is returned as it is when nothing needed typing, else as a typed copy (the input is never
    changed)."""
    steps = PLANS.get(datatype)
    if steps is None or not isinstance(value, dict):
        return value
    return _typed(value, steps, None)


def _typed(value: dict[str, Any], steps: Plan, out: dict[str, Any] | None) -> dict[str, Any]:
    """`value` typed by `steps`, written into `out` (a copy made on the first change when None)."""
    for name, how, kind in steps:
        item = value.get(name)
        if item is None:
            continue
        if how == LEAF:
            new = _leaf(item, kind)
        elif how == NESTED:
            new = retype(item, kind)
        elif not isinstance(item, list):
            continue
        else:
            typed = [_leaf(v, kind) for v in item] if how == LEAVES else [retype(v, kind) for v in item]
            new = item if all(a is b for a, b in zip(typed, item, strict=True)) else typed
        if new is not item:
            if out is None:
                out = dict(value)
            out[name] = new
    return value if out is None else out


def _lift(obj: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    info = obj.pop("BuyerInfo", None)
    if isinstance(info, dict):
        for name in fields:
            if name in info and name not in obj:
                obj[name] = info[name]
    return obj


def _from_sp(obj: dict[str, Any], fields: tuple[str, ...], datatype: str) -> dict[str, Any]:
    own = _lift(dict(obj), fields)
    return _typed(own, PLANS[datatype], own)  # `own` is already a copy: typed in place


def order_from_sp(order: dict[str, Any]) -> dict[str, Any]:
    return _from_sp(order, ORDER_BUYER_FIELDS, "Order")


def item_from_sp(item: dict[str, Any]) -> dict[str, Any]:
    return _from_sp(item, ITEM_BUYER_FIELDS, "OrderItem")
