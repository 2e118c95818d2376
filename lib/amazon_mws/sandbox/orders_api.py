"""The Orders API section (2013-09-01): ListOrders and friends, with Amazon's parameter rules.

ListOrders freezes its result set at the first call: the NextToken names a stored cursor over the
orders (as they were then), so pages neither skip nor repeat while orders keep changing. The window
ends two minutes before now (orders touched more recently are not yet visible); a later Before is
clamped to it, and the value used is returned for the client to use as its next cursor.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from amazon_mws.core.orders import ORDER_STATUSES
from amazon_mws.sandbox.clock import iso_ms
from amazon_mws.sandbox.cursors import Cursor, Cursors
from amazon_mws.sandbox.errors import invalid, missing
from amazon_mws.sandbox.params import bounded_int, date_param, enumerated, one_of
from amazon_mws.sandbox.store import OrderStore

Result = list[tuple[str, Any]]

VISIBILITY_DELAY = timedelta(minutes=2)
MAX_GET_ORDER_IDS = 50


class OrdersApi:
    def __init__(
        self, store: OrderStore, cursors: Cursors, marketplace_id: str, items_page_size: int = 100
    ) -> None:
        if items_page_size < 1:
            raise ValueError(f"items_page_size must be at least 1, got {items_page_size}")
        self.store = store
        self.cursors = cursors
        self.marketplace_id = marketplace_id
        self.items_page_size = items_page_size

    def handle(self, action: str, p: Mapping[str, str], now: datetime, **rules: bool) -> Result:
        """`rules`: `paired_statuses=False` for SP-API's getOrders (no Unshipped/PartiallyShipped rule)."""
        return getattr(self, "_" + action)(p, now, **rules)

    # ListOrders ------------------------------------------------------------------------------------

    def _ListOrders(self, p: Mapping[str, str], now: datetime, paired_statuses: bool = True) -> Result:
        markets = enumerated(p, "MarketplaceId.Id")
        if not markets:
            raise missing("MarketplaceId.Id.1")
        if len(markets) > 50:
            raise invalid("MarketplaceId.Id accepts at most 50 values.")
        for market in markets:
            if market != self.marketplace_id:
                raise invalid(
                    f"Invalid MarketplaceId {market}: the seller is not registered in this marketplace."
                )
        created, updated = p.get("CreatedAfter"), p.get("LastUpdatedAfter")
        if created and updated:
            raise invalid("CreatedAfter and LastUpdatedAfter cannot both be specified.")
        if not created and not updated:
            raise invalid("Either CreatedAfter or LastUpdatedAfter must be specified.")
        if p.get("CreatedBefore") and not created:
            raise invalid("CreatedBefore can only be specified together with CreatedAfter.")
        if p.get("LastUpdatedBefore") and not updated:
            raise invalid("LastUpdatedBefore can only be specified together with LastUpdatedAfter.")
        buyer, seller_order = p.get("BuyerEmail"), p.get("SellerOrderId")
        if updated and (buyer or seller_order):
            raise invalid("BuyerEmail and SellerOrderId cannot be specified together with LastUpdatedAfter.")
        after_name, before_name, field = (
            ("LastUpdatedAfter", "LastUpdatedBefore", "LastUpdateDate")
            if updated
            else ("CreatedAfter", "CreatedBefore", "PurchaseDate")
        )
        after = date_param(p, after_name)
        limit = now - VISIBILITY_DELAY
        given_before = date_param(p, before_name)
        before = limit if given_before is None else min(given_before, limit)
        assert after is not None
        if after > before:
            raise invalid(
                f"{after_name} date {iso_ms(after)} cannot be after {before_name} date {iso_ms(before)}."
            )
        statuses = enumerated(p, "OrderStatus.Status")
        one_of(statuses, ORDER_STATUSES, "OrderStatus.Status")
        if paired_statuses and ("Unshipped" in statuses) != ("PartiallyShipped" in statuses):
            raise invalid("OrderStatus Unshipped and PartiallyShipped must be used together.")
        channels = enumerated(p, "FulfillmentChannel.Channel")
        one_of(channels, ("AFN", "MFN"), "FulfillmentChannel.Channel")
        methods = enumerated(p, "PaymentMethod.Method")
        one_of(methods, ("COD", "CVS", "Other"), "PaymentMethod.Method")
        if (buyer or seller_order) and (statuses or channels or methods):
            raise invalid(
                "BuyerEmail and SellerOrderId cannot be combined with status, channel or payment filters."
            )
        page_size = bounded_int(p, "MaxResultsPerPage", 1, 100, 100)

        lo, hi = iso_ms(after), iso_ms(before)
        rows = [
            o
            for o in self.store.all()
            if lo <= o[field] <= hi
            and (not statuses or o["OrderStatus"] in statuses)
            and (not channels or o.get("FulfillmentChannel") in channels)
            and (not methods or o.get("PaymentMethod") in methods)
            and (not buyer or o.get("BuyerEmail") == buyer)
            and (not seller_order or o.get("SellerOrderId") == seller_order)
            and o.get("MarketplaceId") in markets
        ]
        rows.sort(key=lambda o: (o[field], o["AmazonOrderId"]))
        cursor = Cursor("orders", rows, page_size, {"before": (before_name, hi)})
        return self._orders_page(cursor, 0)

    def _ListOrdersByNextToken(self, p: Mapping[str, str], now: datetime) -> Result:
        cursor, offset = self.cursors.resume(p.get("NextToken"), "orders")
        return self._orders_page(cursor, offset)

    def _orders_page(self, cursor: Cursor, offset: int) -> Result:
        rows, token = self.cursors.page(cursor, offset)
        return [("NextToken", token), cursor.extra["before"], ("Orders", rows)]

    # GetOrder, ListOrderItems, GetServiceStatus ------------------------------------------------------

    def _GetOrder(self, p: Mapping[str, str], now: datetime) -> Result:
        ids = enumerated(p, "AmazonOrderId.Id")
        if not ids:
            raise missing("AmazonOrderId.Id.1")
        if len(ids) > MAX_GET_ORDER_IDS:
            raise invalid(
                f"AmazonOrderId.Id accepts at most {MAX_GET_ORDER_IDS} values; {len(ids)} were given."
            )
        found = [self.store.get(oid) for oid in dict.fromkeys(ids)]
        return [("Orders", [o for o in found if o is not None])]

    def _ListOrderItems(self, p: Mapping[str, str], now: datetime) -> Result:
        oid = p.get("AmazonOrderId")
        if not oid:
            raise missing("AmazonOrderId")
        order = self.store.get(oid)
        if order is None:
            raise invalid(f"Invalid AmazonOrderId: {oid}")
        cursor = Cursor("items", list(order.get("OrderItems", [])), self.items_page_size, {"order": oid})
        return self._items_page(cursor, 0)

    def _ListOrderItemsByNextToken(self, p: Mapping[str, str], now: datetime) -> Result:
        cursor, offset = self.cursors.resume(p.get("NextToken"), "items")
        return self._items_page(cursor, offset)

    def _items_page(self, cursor: Cursor, offset: int) -> Result:
        rows, token = self.cursors.page(cursor, offset)
        return [("NextToken", token), ("AmazonOrderId", cursor.extra["order"]), ("OrderItems", rows)]

    def _GetServiceStatus(self, p: Mapping[str, str], now: datetime) -> Result:
        return [("Status", "GREEN"), ("Timestamp", iso_ms(now))]
