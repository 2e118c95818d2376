"""Orders API v2026-01-01 behind the same methods and page types as `spapi.orders.SpOrdersApi` (v0), so the
trigger and the order actions run unchanged on it. Amazon removes v0's getOrders, getOrder, getOrderItems
and the buyer/address operations on 2027-03-27; confirmShipment stays on v0 (inherited).

Mapping: ListOrders -> searchOrders (MWS statuses -> `fulfillmentStatuses`, AFN/MFN -> `fulfilledBy`,
`marketplaceIds`, `maxResultsPerPage`, `includedData`); GetOrder -> getOrder per id (unknown ids absent);
ListOrderItems -> the items of the order, which v2026 returns inside every order: the items of the orders
this client returned last (one page, or one Get Order) are kept, so Include Order Items and List Order Items
cost no request; an order not seen is one getOrder.

Why the page token is wrapped: with `paginationToken` Amazon wants every other parameter again with its
first values, and the token expires 24 hours after it was issued. The token handed to the caller carries
Amazon's token, the query and the issue time (by Amazon's clock), so a resumed run (another process, the
next day) sends the right query, and a token past its lifetime raises `PageTokenExpired`: before any request
when this process knows Amazon's clock, else on Amazon's 400 that says the token expired.

The window's upper bound, when the caller gives none, is Amazon's time (its `Date` header, amazon_clock.py)
minus two minutes and a margin: v2026 refuses a later one. Until this process has heard Amazon's time the
first request sends none and takes the bound Amazon states in its reply. Buyer and recipient data need no
Restricted Data Token: with `restricted_data` (the app has the PII roles) `includedData` asks for BUYER and
RECIPIENT.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from amazon_mws.core.errors import InvalidParameter
from amazon_mws.core.orders import OrderItemsPage, OrdersPage, checked_filters
from amazon_mws.core.params import iso8601, str_list
from amazon_mws.core.times import parse_time, to_amazon
from amazon_mws.core.windows import PageTokenExpired
from amazon_mws.spapi import amazon_clock
from amazon_mws.spapi.connection import SpConnection, SpResponse
from amazon_mws.spapi.errors import NotFound
from amazon_mws.spapi.orders import SpOrdersApi
from amazon_mws.spapi.shape_v2026 import CHANNEL_TO_V2026, STATUS_TO_V2026, item_from_v2026, order_from_v2026

VERSION = "2026-01-01"
ORDERS_PATH = f"/orders/{VERSION}/orders"
SEARCH, GET = "searchOrders", f"getOrder@{VERSION}"
# what the MWS shape is made of; PII (BUYER, RECIPIENT) only with the roles
SHAPE_DATA = ("PROCEEDS", "FULFILLMENT", "EXPENSE", "PROMOTION", "PAYMENT", "TAX")
NATIVE_DATA = (*SHAPE_DATA, "CANCELLATION", "PACKAGES", "FULFILLMENT_ORDERS")
PII_DATA = ("BUYER", "RECIPIENT")
VISIBILITY = timedelta(minutes=2, seconds=5)  # Amazon's two minutes, and the Date header's whole second
TOKEN_LIFETIME = timedelta(hours=24)
TOKEN_PREFIX = "v2026."
MWS_ONLY_FILTERS = ("payment_methods", "tfm_statuses", "buyer_email", "seller_order_id")


@dataclass
class V2026OrdersPage(OrdersPage):
    """An `OrdersPage` that also keeps Amazon's own order objects (the trigger's v2026 output format)."""

    v2026_orders: list[dict[str, Any]] = field(default_factory=list)


def _wrap(token: str, query: dict[str, Any], issued: datetime) -> str:
    raw = json.dumps({"t": token, "q": query, "at": to_amazon(issued)}, separators=(",", ":"))
    return TOKEN_PREFIX + base64.urlsafe_b64encode(raw.encode()).decode()


def _unwrap(token: str) -> tuple[str, dict[str, Any], datetime]:
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
        raise ValueError("next_token: not a page token of the Orders API v2026-01-01 (from another backend?)")
    try:
        data = json.loads(base64.urlsafe_b64decode(token[len(TOKEN_PREFIX):]))
        return str(data["t"]), dict(data["q"]), parse_time(data["at"], "next_token")
    except (ValueError, KeyError, TypeError):
        raise ValueError("next_token: damaged page token (it must be passed back exactly as returned)") from None


def _wire_statuses(statuses: list[str] | None) -> list[str]:
    """MWS statuses (checked by `checked_filters`) as v2026's; InvoiceUnconfirmed has none (such orders are
    SHIPPED): it may come along with Shipped, which covers them, but alone it could match nothing."""
    chosen = str_list(statuses, field="statuses") or []
    if "InvoiceUnconfirmed" in chosen and "Shipped" not in chosen:
        raise ValueError("statuses: InvoiceUnconfirmed has no Orders v2026-01-01 status (those orders are SHIPPED "
                         "there); choose Shipped")
    return [STATUS_TO_V2026[s] for s in chosen if s in STATUS_TO_V2026]


def _wire_channels(channels: list[str] | None) -> list[str]:
    return [CHANNEL_TO_V2026[c] for c in str_list(channels, field="fulfillment_channels") or []]


class SpOrdersV2026Api(SpOrdersApi):
    def __init__(self, conn: SpConnection, *, restricted_data: bool = True) -> None:
        super().__init__(conn, restricted_data=restricted_data)
        self.included = [*NATIVE_DATA, *(PII_DATA if restricted_data else ())]
        self._order_items: dict[str, list[dict[str, Any]]] = {}  # order id -> its items (MWS shape): last batch
        # Amazon's token -> when it was first handed out: the same token wraps to the same page token, so a
        # walker sees a cycle of Amazon's tokens as the repeat it is (and the 24 h counts from its first issue)
        self._issued: dict[str, datetime] = {}

    # -- the wire ------------------------------------------------------------------------------------

    def _call(self, operation: str, path: str, params: dict[str, Any]) -> SpResponse:
        resp = self.conn.request(operation, "GET", path, params={**params, "includedData": self.included})
        amazon_clock.observe(self.conn.base_url, resp.headers)
        return resp

    def _remember(self, orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The orders in the MWS shape; their items kept for list_order_items (this batch only: memory flat)."""
        shaped = [order_from_v2026(o) for o in orders]
        self._order_items = {o["orderId"]: [item_from_v2026(i) for i in o.get("orderItems") or []] for o in orders}
        return shaped

    def _page(self, query: dict[str, Any], token: str | None) -> V2026OrdersPage:
        resp = self._call(SEARCH, ORDERS_PATH, {**query, "paginationToken": token})
        data = resp.data or {}
        native = list(data.get("orders") or [])
        nxt = (data.get("pagination") or {}).get("nextToken")
        now = amazon_clock.now(self.conn.base_url)
        issued = self._issued.setdefault(nxt, now) if nxt else now
        stated = to_amazon(now - VISIBILITY)  # if Amazon chose a bound and did not say it: a safe one
        created = "createdAfter" in query
        return V2026OrdersPage(
            orders=self._remember(native),
            next_token=_wrap(nxt, query, issued) if nxt else None,
            last_updated_before=data.get("lastUpdatedBefore") or query.get("lastUpdatedBefore")
            or (None if created else stated),
            created_before=data.get("createdBefore") or query.get("createdBefore") or (stated if created else None),
            request_id=resp.request_id,
            v2026_orders=native,
        )

    def _bound(self, given: datetime | str | None, name: str) -> str | None:
        """The window's upper bound: Amazon's time less two minutes and a margin, or the caller's when earlier.
        None (send none) while this process has not heard Amazon's time: Amazon then applies its own two
        minutes and states the bound in its reply, which is as exact as a bound gets."""
        chosen = parse_time(iso8601(given, field=name), name) if given is not None else None
        if amazon_clock.known(self.conn.base_url):
            latest = amazon_clock.now(self.conn.base_url) - VISIBILITY
            chosen = latest if chosen is None else min(chosen, latest)
        return to_amazon(chosen) if chosen is not None else None

    # -- the OrdersApi methods -------------------------------------------------------------------------

    def list_orders(self, *, last_updated_after: datetime | str | None = None,
                    last_updated_before: datetime | str | None = None, created_after: datetime | str | None = None,
                    created_before: datetime | str | None = None, statuses: list[str] | None = None,
                    max_results: int = 100, marketplace_ids: list[str] | None = None,
                    fulfillment_channels: list[str] | None = None, **mws_filters: Any) -> V2026OrdersPage:
        """One searchOrders page, under the ListOrders rules searchOrders shares (checked before any request).
        `mws_filters`: the MWS filters searchOrders does not have (payment_methods, tfm_statuses, buyer_email,
        seller_order_id), refused by name when given."""
        given = [name for name, value in mws_filters.items() if value]
        unknown = [name for name in mws_filters if name not in MWS_ONLY_FILTERS]
        if unknown:
            raise TypeError(f"list_orders() got an unexpected keyword argument {unknown[0]!r}")
        if given:
            raise ValueError(f"{given[0]}: searchOrders (Orders v2026-01-01) has no such filter")
        checked_filters(last_updated_after=last_updated_after, last_updated_before=last_updated_before,
                        created_after=created_after, created_before=created_before, statuses=statuses,
                        max_results=max_results, fulfillment_channels=fulfillment_channels, paired_statuses=False)
        query: dict[str, Any] = {"marketplaceIds": self._markets(marketplace_ids),
                                 "fulfillmentStatuses": _wire_statuses(statuses),
                                 "fulfilledBy": _wire_channels(fulfillment_channels)}
        if last_updated_after is not None:
            after = iso8601(last_updated_after, field="last_updated_after")
            before = self._bound(last_updated_before, "last_updated_before")
            query.update(lastUpdatedAfter=after, lastUpdatedBefore=before)
        else:
            after = iso8601(created_after, field="created_after")  # type: ignore[arg-type]
            before = self._bound(created_before, "created_before")
            query.update(createdAfter=after, createdBefore=before)
        query = {k: v for k, v in query.items() if v not in (None, [], "")}
        if before is not None and parse_time(before, "before") < parse_time(after, "after"):
            # the cursor is at Amazon's latest visible moment: nothing can be new yet, and Amazon would refuse
            return V2026OrdersPage(orders=[], next_token=None, last_updated_before=query.get("lastUpdatedAfter"),
                                   created_before=query.get("createdAfter"), request_id=None)
        return self._page({**query, "maxResultsPerPage": max_results}, None)

    def list_orders_by_next_token(self, token: str, *, marketplace_ids: list[str] | None = None) -> V2026OrdersPage:
        """The next page: Amazon's token with the query it was issued for. `PageTokenExpired` when it is
        older than Amazon's 24 hours (by Amazon's clock), so the caller restarts its window."""
        amazon_token, query, issued = _unwrap(token)
        age = amazon_clock.now(self.conn.base_url) - issued
        if age >= TOKEN_LIFETIME and amazon_clock.known(self.conn.base_url):
            raise PageTokenExpired(f"next_token: issued {to_amazon(issued)}, {age} ago; Amazon's page tokens "
                                   "expire after 24 hours")
        try:
            return self._page(query, amazon_token)
        except InvalidParameter as refused:  # a process that had not yet learned Amazon's clock
            if "expired" in str(refused).lower():
                raise PageTokenExpired(f"next_token: Amazon says {refused}") from None
            raise

    def get_order(self, ids: list[str]) -> list[dict[str, Any]]:
        """Orders by AmazonOrderId (1 to 50 ids, as on MWS): one getOrder each; unknown ids are absent."""
        id_list = str_list(ids, field="ids", max_items=50) or []
        if not id_list:
            raise ValueError("ids: at least one AmazonOrderId is required")
        native = [order for order in map(self._get_one, dict.fromkeys(id_list)) if order is not None]
        return self._remember(native)

    def _get_one(self, order_id: str) -> dict[str, Any] | None:
        try:
            resp = self._call(GET, f"{ORDERS_PATH}/{quote(order_id, safe='')}", {})
        except NotFound:
            return None
        return (resp.data or {}).get("order") or None

    def list_order_items(self, order_id: str) -> OrderItemsPage:
        """The order's items: from the orders last returned, else one getOrder (v2026 has no items call)."""
        order_id = order_id.strip() if isinstance(order_id, str) else ""
        if not order_id:
            raise ValueError("order_id: must be a non-empty string")
        if order_id not in self._order_items:
            native = self._get_one(order_id)
            if native is None:
                raise NotFound(f"order_id: Amazon does not know order {order_id}", code="NotFound", http_status=404)
            self._remember([native])
        return OrderItemsPage(amazon_order_id=order_id, items=self._order_items[order_id], next_token=None,
                              request_id=None)

    def list_order_items_by_next_token(self, token: str, *, order_id: str | None = None) -> OrderItemsPage:
        raise ValueError("next_token: Orders v2026-01-01 returns every item inside its order; there are no item pages")
