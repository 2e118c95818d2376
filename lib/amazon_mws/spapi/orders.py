"""Orders v0 as an `OrdersBackend` (core/backend.py), returning `core.orders`' `OrdersPage` /
`OrderItemsPage` with orders in the MWS shape (shape.py), so `steps.order_sync` and `steps.order_lookup`
run unchanged on SP-API; confirmShipment makes it a `ShipmentsBackend` too.

Mapping: ListOrders -> getOrders (the same filters; lists comma-separated; `MarketplaceIds` on every call,
NextToken pages included), GetOrder (50 ids) -> getOrder per id (its quota, 0.5/s burst 30, is far more
generous than getOrders' one a minute; unknown ids are a 404, hence absent), ListOrderItems -> getOrderItems
(its NextToken pages need the order id in the path: remembered per token). Amazon's rules are checked
before a request spends quota, with errors naming the parameter, as on MWS.

Unlike MWS, getOrders has no rule pairing Unshipped with PartiallyShipped (ordersV0.json states none), so only
the statuses asked for are sent (`pairs_unshipped_statuses`, read by the order sync).

Amazon removes getOrders, getOrder, getOrderItems and the buyer/address operations on 2027-03-27
(confirmShipment stays): from that day, by our clock, those calls are refused here before any request, with
an error naming the date and the way out (`ordersApi` 2026-01-01, orders_v2026.py).

Buyer and address data (BuyerEmail, BuyerName, ShippingAddress's name and street, gift fields of items) are
restricted on SP-API: they come back only under a Restricted Data Token. With `restricted_data` (the
default) every orders call carries one (cached, see tokens.py), so the JSON matches MWS; without it
(an app without the PII roles), those fields are simply absent.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from amazon_mws.core.errors import AccessDenied, InvalidParameter, MwsError, NotFound
from amazon_mws.core.orders import (
    OrderItemsPage,
    OrderQuery,
    OrdersPage,
    checked_filters,
    checked_ids,
    checked_token,
)
from amazon_mws.core.params import given_iso8601, str_list
from amazon_mws.core.times import utcnow
from amazon_mws.spapi.connection import Restricted, SpConnection
from amazon_mws.spapi.shape import item_from_sp, order_from_sp

ORDERS_PATH = "/orders/v0/orders"
RDT_ORDERS = Restricted("GET", ORDERS_PATH, ("buyerInfo", "shippingAddress"))
RDT_ORDER = Restricted("GET", ORDERS_PATH + "/{orderId}", ("buyerInfo", "shippingAddress"))
RDT_ITEMS = Restricted("GET", ORDERS_PATH + "/{orderId}/orderItems", ("buyerInfo",))
V0_REMOVAL = datetime(2027, 3, 27, tzinfo=timezone.utc)



class SpOrdersPage(OrdersPage):
    """An `OrdersPage` whose orders take the MWS shape when they are first read, not when the reply is
    decoded. Why: the trigger's walk decodes each reply in its prefetch thread (core.paging), where the
    shaping (0.4 ms a page) delayed the next getOrders request; the thread that stores the page, idle
    while the request is under way, now shapes it. Read twice, the same list."""

    _sp_orders: list[dict[str, Any]]
    _shaped: list[dict[str, Any]] | None

    @property  # type: ignore[override]  # the dataclass field, read through a property
    def orders(self) -> list[dict[str, Any]]:
        if self._shaped is None:
            self._shaped = [order_from_sp(o) for o in self._sp_orders]
        return self._shaped

    @orders.setter
    def orders(self, sp_orders: list[dict[str, Any]]) -> None:
        self._sp_orders, self._shaped = sp_orders, None


if TYPE_CHECKING:
    from typing_extensions import Unpack


def still_served(operation: str) -> None:
    """Refuse an Orders v0 read that Amazon no longer serves (from 2027-03-27), before it spends a request."""
    if utcnow() >= V0_REMOVAL:
        raise ValueError(f"ordersApi: Amazon removed the Orders API v0 {operation} on 2027-03-27; set ordersApi "
                         "to 2026-01-01 (the default)")


def _text(value: str, field: str) -> str:
    return checked_token(value, field).strip()


class SpOrdersApi:
    """The SP-API `OrdersBackend` and `ShipmentsBackend` (core/backend.py)."""

    # Amazon's "no" to one confirmShipment package: the order is unknown, not shippable, or not this seller's
    shipment_refusals: tuple[type[MwsError], ...] = (InvalidParameter, NotFound, AccessDenied)
    pairs_unshipped_statuses = False

    def __init__(self, conn: SpConnection, *, restricted_data: bool = True) -> None:
        self.conn = conn
        self.restricted_data = restricted_data
        self._item_tokens: dict[str, str] = {}  # items NextToken -> its order id

    def _rdt(self, spec: Restricted) -> Restricted | None:
        return spec if self.restricted_data else None

    def _orders_page(self, params: dict[str, Any]) -> OrdersPage:
        still_served("getOrders")
        resp = self.conn.request("getOrders", "GET", ORDERS_PATH, params=params, restricted=self._rdt(RDT_ORDERS))
        payload = (resp.data or {}).get("payload") or {}
        return SpOrdersPage(
            orders=payload.get("Orders") or [],
            next_token=payload.get("NextToken") or None,
            last_updated_before=payload.get("LastUpdatedBefore") or None,
            created_before=payload.get("CreatedBefore") or None,
            request_id=resp.request_id,
        )

    def _markets(self, marketplace_ids: list[str] | None) -> list[str]:
        return str_list(marketplace_ids, field="marketplace_ids", max_items=50) or [
            self.conn.credentials.marketplace_id
        ]

    def list_orders(self, **query: Unpack[OrderQuery]) -> OrdersPage:
        """One getOrders page; the same rules and errors as the MWS ListOrders (SP-API has no TFM filter)."""
        if query.get("tfm_statuses"):
            raise ValueError("tfm_statuses: SP-API getOrders has no TFMShipmentStatus filter (an MWS-only one)")
        f = checked_filters(**query, paired_statuses=False)
        return self._orders_page({
            "MarketplaceIds": self._markets(query.get("marketplace_ids")),
            "LastUpdatedAfter": given_iso8601(query, "last_updated_after"),
            "LastUpdatedBefore": given_iso8601(query, "last_updated_before"),
            "CreatedAfter": given_iso8601(query, "created_after"),
            "CreatedBefore": given_iso8601(query, "created_before"),
            "OrderStatuses": f.statuses,
            "FulfillmentChannels": f.channels,
            "PaymentMethods": f.payment_methods,
            "BuyerEmail": query.get("buyer_email") or None,
            "SellerOrderId": query.get("seller_order_id") or None,
            "MaxResultsPerPage": f.max_results,
        })

    def list_orders_by_next_token(self, token: str, *, marketplace_ids: list[str] | None = None) -> OrdersPage:
        """The next getOrders page: only NextToken (and the required MarketplaceIds) are sent."""
        return self._orders_page(
            {"MarketplaceIds": self._markets(marketplace_ids), "NextToken": _text(token, "next_token")}
        )

    def get_order(self, ids: list[str]) -> list[dict[str, Any]]:
        """Orders by AmazonOrderId (1 to 50 ids, as on MWS); ids Amazon does not know are absent."""
        still_served("getOrder")
        found = []
        for order_id in dict.fromkeys(checked_ids(ids)):
            try:
                resp = self.conn.request("getOrder", "GET", f"{ORDERS_PATH}/{quote(order_id, safe='')}",
                                         restricted=self._rdt(RDT_ORDER))
            except NotFound:
                continue
            payload = (resp.data or {}).get("payload")
            if payload:
                found.append(order_from_sp(payload))
        return found

    def _items(self, order_id: str, token: str | None) -> OrderItemsPage:
        still_served("getOrderItems")
        resp = self.conn.request(
            "getOrderItems", "GET", f"{ORDERS_PATH}/{quote(order_id, safe='')}/orderItems",
            params={"NextToken": token}, restricted=self._rdt(RDT_ITEMS),
        )
        payload = (resp.data or {}).get("payload") or {}
        next_token = payload.get("NextToken") or None
        if next_token:
            self._item_tokens[next_token] = order_id
        return OrderItemsPage(
            amazon_order_id=payload.get("AmazonOrderId") or order_id,
            items=[item_from_sp(i) for i in payload.get("OrderItems") or []],
            next_token=next_token,
            request_id=resp.request_id,
        )

    def list_order_items(self, order_id: str) -> OrderItemsPage:
        return self._items(_text(order_id, "order_id"), None)

    def list_order_items_by_next_token(self, token: str, *, order_id: str | None = None) -> OrderItemsPage:
        token = _text(token, "next_token")
        order_id = order_id or self._item_tokens.get(token)
        if not order_id:
            raise ValueError("next_token: SP-API needs the order id with an items NextToken; pass order_id")
        return self._items(order_id, token)

    def confirm_shipment(
        self,
        order_id: str,
        package: dict[str, Any],
        *,
        marketplace_id: str | None = None,
        cod_collection_method: str | None = None,
    ) -> None:
        """confirmShipment (204 on success): one package of an MFN order (packageReferenceId,
        carrierCode, trackingNumber, shipDate, orderItems [{orderItemId, quantity}])."""
        body: dict[str, Any] = {
            "marketplaceId": marketplace_id or self.conn.credentials.marketplace_id,
            "packageDetail": package,
        }
        if cod_collection_method:
            body["codCollectionMethod"] = cod_collection_method
        self.conn.request("confirmShipment", "POST",
                          f"{ORDERS_PATH}/{quote(_text(order_id, 'order_id'), safe='')}/shipmentConfirmation",
                          body=body)

    def marketplace_participations(self) -> list[dict[str, Any]]:
        """Sellers API getMarketplaceParticipations: the marketplaces this partner sells in (verify)."""
        resp = self.conn.request("getMarketplaceParticipations", "GET", "/sellers/v1/marketplaceParticipations")
        return list((resp.data or {}).get("payload") or [])

    def get_service_status(self) -> dict[str, Any]:
        """SP-API has no service status call; the cheapest proof the credentials work is the seller's
        marketplaces. Returns the MWS shape (`Status` GREEN) so callers need not care."""
        self.marketplace_participations()
        return {"Status": "GREEN", "Messages": []}
