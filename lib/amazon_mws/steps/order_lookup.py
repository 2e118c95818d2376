"""Get Order and List Order Items: every page, every batch, in the caller's order."""

from __future__ import annotations

from typing import Any

from amazon_mws.mws.orders import OrdersApi

GET_ORDER_BATCH = 50  # Amazon's limit of AmazonOrderId.Id.N per GetOrder call


def order_items(api: OrdersApi, amazon_order_id: str) -> list[dict[str, Any]]:
    """All items of one order, following NextToken; a repeated token is an error, not a loop."""
    page = api.list_order_items(amazon_order_id)
    items = list(page.items)
    seen: set[str] = set()
    while page.next_token:
        if page.next_token in seen:
            raise RuntimeError(f"ListOrderItemsByNextToken for {amazon_order_id} returned a token twice")
        seen.add(page.next_token)
        page = api.list_order_items_by_next_token(page.next_token)
        items.extend(page.items)
    return items


def get_orders(api: OrdersApi, amazon_order_ids: list[str]) -> dict[str, list]:
    """Orders for the given ids in input order (duplicates asked once), and the ids Amazon did not know."""
    wanted = list(dict.fromkeys(amazon_order_ids))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), GET_ORDER_BATCH):
        for order in api.get_order(wanted[start : start + GET_ORDER_BATCH]):
            found[order["AmazonOrderId"]] = order
    return {
        "orders": [found[i] for i in wanted if i in found],
        "notFound": [i for i in wanted if i not in found],
    }
