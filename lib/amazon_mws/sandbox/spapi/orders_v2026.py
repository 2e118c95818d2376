"""Orders API v2026-01-01 in the sandbox: searchOrders and getOrder over the same order book as MWS and v0.

The rules are the model's (../shared/amazon/sp-api/models/orders-api-model/orders_2026-01-01.json):
exactly one of `createdAfter` / `lastUpdatedAfter`, the other pair's bounds refused with it; a `...Before`
at or after its `...After` and at least two minutes before the request (refused, not clamped as v0 does:
the client must choose its bound from Amazon's clock); enums for `fulfillmentStatuses`, `fulfilledBy`,
`includedData`; at most 50 `marketplaceIds`, all in the seller's region; 1-100 per page. There is no
Unshipped + PartiallyShipped pairing. Parameters the model does not declare are ignored, as Amazon does.

`paginationToken` names a result set frozen at the first call (as the v0 and MWS tokens do); with it every
other parameter must be sent again with the values it was issued for (`maxResultsPerPage` and `includedData`
may change), and it expires 24 hours after it was issued (sandbox clock): both refusals are 400 InvalidInput.

Buyer and recipient data need no Restricted Data Token any more: an application with the PII roles gets
them by asking (`includedData` BUYER, RECIPIENT); `pii_roles = False` plays an application without them
(403 for either dataset).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from amazon_mws.core.marketplaces import region_of
from amazon_mws.sandbox.clock import iso_ms, parse_iso
from amazon_mws.sandbox.cursors import Cursor
from amazon_mws.sandbox.errors import SandboxError
from amazon_mws.sandbox.spapi.auth import ACCESS_DENIED, SpRefusal
from amazon_mws.sandbox.spapi.render_v2026 import CHANNEL_TO_V2026, STATUS_TO_V2026, v2026_order

FULFILLMENT_STATUSES = ("PENDING_AVAILABILITY", "PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED",
                        "CANCELLED", "UNFULFILLABLE")
FULFILLED_BY = ("MERCHANT", "AMAZON")
INCLUDED_DATA = ("BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION", "FULFILLMENT",
                 "PACKAGES", "TAX", "PAYMENT", "FULFILLMENT_ORDERS")
PII_DATA = ("BUYER", "RECIPIENT")
# sent again unchanged with a paginationToken (maxResultsPerPage and includedData may change)
REPEATED = ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore", "fulfillmentStatuses",
            "marketplaceIds", "fulfilledBy")
VISIBILITY_DELAY = timedelta(minutes=2)
TOKEN_LIFETIME = timedelta(hours=24)
FAMILY = "orders-2026"


def _bad(message: str) -> SpRefusal:
    return SpRefusal(400, "InvalidInput", message)


def _list(q: Mapping[str, str], name: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    values = [v.strip() for v in (q.get(name) or "").split(",") if v.strip()]
    for value in values:
        if allowed is not None and value not in allowed:
            raise _bad(f"{value} is not a valid value for {name}. Allowed: {', '.join(allowed)}.")
    return values


def _date(q: Mapping[str, str], name: str) -> datetime | None:
    raw = q.get(name)
    if not raw:
        return None
    try:
        return parse_iso(raw)
    except ValueError:
        raise _bad(f"{name} {raw!r} is not an ISO 8601 date-time.") from None


def _page_size(q: Mapping[str, str]) -> int:
    raw = q.get("maxResultsPerPage") or "100"
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise _bad(f"maxResultsPerPage {raw!r} must be an integer between 1 and 100.")
    return int(raw)


class SpOrdersV2026:
    def __init__(self, sandbox: Any, packages: Mapping[str, list[dict[str, Any]]]) -> None:
        self.sb = sandbox
        self.packages = packages  # order id -> packages confirmed through v0's confirmShipment
        self.pii_roles = True

    def _included(self, q: Mapping[str, str]) -> frozenset[str]:
        included = frozenset(_list(q, "includedData", INCLUDED_DATA))
        denied = sorted(included & set(PII_DATA)) if not self.pii_roles else []
        if denied:
            raise SpRefusal(403, "Unauthorized", ACCESS_DENIED,
                            f"The application has no role for the {', '.join(denied)} data.")
        return included

    def _markets(self, q: Mapping[str, str]) -> list[str]:
        markets = _list(q, "marketplaceIds") or [self.sb.marketplace_id]
        if len(markets) > 50:
            raise _bad("marketplaceIds accepts at most 50 values.")
        home = region_of(self.sb.marketplace_id)
        for market in markets:
            if region_of(market) != home:
                raise _bad(f"Invalid marketplaceId {market}: the seller does not sell there from this region.")
        return markets

    def search_orders(self, q: Mapping[str, str], now: datetime) -> dict[str, Any]:
        included = self._included(q)
        size = _page_size(q)
        if q.get("paginationToken"):
            return self._next_page(q, now, included, size)
        created, updated = _date(q, "createdAfter"), _date(q, "lastUpdatedAfter")
        if (created is None) == (updated is None):
            raise _bad("Exactly one of createdAfter and lastUpdatedAfter must be provided.")
        if created and (q.get("lastUpdatedBefore")):
            raise _bad("lastUpdatedBefore cannot be provided together with createdAfter.")
        if updated and (q.get("createdBefore")):
            raise _bad("createdBefore cannot be provided together with lastUpdatedAfter.")
        after_name, before_name, field = (("lastUpdatedAfter", "lastUpdatedBefore", "LastUpdateDate") if updated
                                          else ("createdAfter", "createdBefore", "PurchaseDate"))
        after = updated or created
        assert after is not None
        limit = now - VISIBILITY_DELAY
        before = _date(q, before_name)
        if before is not None and before > limit:
            raise _bad(f"{before_name} {iso_ms(before)} must be at least two minutes before the time of the "
                       f"request ({iso_ms(now)}).")
        before = before or limit
        if before < after:
            raise _bad(f"{before_name} must be equal to or after {after_name}.")
        statuses = set(_list(q, "fulfillmentStatuses", FULFILLMENT_STATUSES))
        by = set(_list(q, "fulfilledBy", FULFILLED_BY))
        markets = set(self._markets(q))
        lo, hi = iso_ms(after), iso_ms(before)
        rows = [o for o in self.sb.store.all()
                if lo <= o[field] <= hi and o.get("MarketplaceId") in markets
                and (not statuses or STATUS_TO_V2026[o["OrderStatus"]] in statuses)
                and (not by or CHANNEL_TO_V2026.get(o.get("FulfillmentChannel", "")) in by)]
        rows.sort(key=lambda o: (o[field], o["AmazonOrderId"]))
        repeated = {name: q.get(name) or "" for name in REPEATED}
        cursor = Cursor(FAMILY, rows, size, {"bound": (before_name, hi), "query": repeated, "issued": now})
        return self._page(cursor, 0, included, now)

    def _next_page(self, q: Mapping[str, str], now: datetime, included: frozenset[str], size: int) -> dict[str, Any]:
        try:
            cursor, offset = self.sb.cursors.resume(q["paginationToken"], FAMILY)
        except SandboxError:
            raise _bad("The paginationToken is not valid.") from None
        if now - cursor.extra["issued"] > TOKEN_LIFETIME:
            raise _bad("The paginationToken has expired: tokens expire after 24 hours.")
        changed = [n for n, v in cursor.extra["query"].items() if (q.get(n) or "") != v]
        if changed:
            raise _bad(f"{changed[0]} must have the value it had in the request that returned the paginationToken.")
        return self._page(dataclasses.replace(cursor, page_size=size), offset, included, now)

    def _page(self, cursor: Cursor, offset: int, included: frozenset[str], now: datetime) -> dict[str, Any]:
        # a copy per page (each token has its own issue time); the first page's token and the cycle fault carry over
        stamped = dataclasses.replace(cursor, extra={**cursor.extra, "issued": now})
        rows, token = self.sb.cursors.page(stamped, offset)  # the token issued now expires in 24 h
        name, bound = cursor.extra["bound"]
        reply: dict[str, Any] = {"orders": [self._order(o, included) for o in rows], name: bound}
        if token is not None:
            reply["pagination"] = {"nextToken": token}
        return reply

    def _order(self, order: Mapping[str, Any], included: frozenset[str]) -> dict[str, Any]:
        return v2026_order(order, included, self.packages.get(order["AmazonOrderId"]))

    def get_order(self, order_id: str, q: Mapping[str, str]) -> dict[str, Any]:
        included = self._included(q)
        order = self.sb.store.get(order_id)
        if order is None:
            raise SpRefusal(404, "NotFound", f"Order {order_id} was not found.")
        return {"order": self._order(order, included)}
