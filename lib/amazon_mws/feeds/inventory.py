"""Inventory feed (`_POST_INVENTORY_AVAILABILITY_DATA_`): updateItem (SKU and Quantity) and
submitInventory (the whole message). Both speak Amazon's element names, so updateItem's input is simply
the smallest Inventory message.
"""

from __future__ import annotations

from typing import Any

from amazon_mws.feeds._common import Built, operation, root
from amazon_mws.feeds.envelope import Fields

_AVAILABILITY = ("Available", "Quantity", "Lookup")


def inventory(msg: dict[str, Any], f: Fields, opts: dict[str, Any], problems: list[str]) -> Built:
    elem = root("Inventory", f)
    f.leaf(elem, "SKU", msg.get("SKU"), "SKU")
    f.opt(elem, "FulfillmentCenterID", msg, "FulfillmentCenterID")
    given = [k for k in _AVAILABILITY if msg.get(k) is not None]
    if len(given) != 1:
        problems.append(
            f"{f.base}: exactly one of Quantity, Available, Lookup is required"
            + (f" (got {', '.join(given)})" if given else "")
        )
    for key in given[:1]:
        f.leaf(elem, key, msg[key], key)
    f.opt(elem, "RestockDate", msg, "RestockDate")
    f.opt(elem, "FulfillmentLatency", msg, "FulfillmentLatency")
    f.opt(elem, "SwitchFulfillmentTo", msg, "SwitchFulfillmentTo")
    return elem, operation(msg, opts, key="OperationType")
