"""Get Order and List Order Items: every page, every batch, in the caller's order."""

from __future__ import annotations

from typing import Any

from amazon_mws.core.backend import OrdersBackend
from amazon_mws.core.orders import GET_ORDER_IDS
from amazon_mws.core.paging import NextTokenWalker


def order_items(api: OrdersBackend, amazon_order_id: str) -> list[dict[str, Any]]:
    """All items of one order, following NextToken; a repeated token is an error, not a loop."""
    walker = NextTokenWalker(
        api.list_order_items_by_next_token,
        lambda: api.list_order_items(amazon_order_id),
        what=f"ListOrderItems of {amazon_order_id}",
    )
    return [item for page in walker for item in page.items]


def get_orders(api: OrdersBackend, amazon_order_ids: list[str]) -> dict[str, list[Any]]:
    """Orders for the given ids in input order (duplicates asked once), and the ids Amazon did not know."""
    wanted = list(dict.fromkeys(amazon_order_ids))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), GET_ORDER_IDS):
        for order in api.get_order(wanted[start : start + GET_ORDER_IDS]):
            found[order["AmazonOrderId"]] = order
    return {
        "orders": [found[i] for i in wanted if i in found],
        "notFound": [i for i in wanted if i not in found],
    }
