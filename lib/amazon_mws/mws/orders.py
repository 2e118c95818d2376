"""The Orders 2013-09-01 section: ListOrders (+ByNextToken), GetOrder, ListOrderItems (+ByNextToken),
GetServiceStatus, returning typed JSON (model.py).

Amazon's request rules are checked here, before a request spends quota: exactly one of CreatedAfter
and LastUpdatedAfter, Unshipped only together with PartiallyShipped, 1-100 results per page, at most
50 ids per GetOrder. A bad value is a ValueError naming the parameter.

`OrdersPage.last_updated_before` / `created_before` is the window Amazon actually served: the
caller's next cursor is that value, never its own clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from amazon_mws.core.errors import TransportError
from amazon_mws.core.model import to_json
from amazon_mws.core.params import iso8601, str_list
from amazon_mws.core.xml import child
from amazon_mws.mws.connection import MwsConnection, MwsResponse

ORDER_STATUSES = (
    "PendingAvailability",
    "Pending",
    "Unshipped",
    "PartiallyShipped",
    "Shipped",
    "InvoiceUnconfirmed",
    "Canceled",
    "Unfulfillable",
)
FULFILLMENT_CHANNELS = ("AFN", "MFN")
PAYMENT_METHODS = ("COD", "CVS", "Other")
TFM_STATUSES = (
    "PendingPickUp",
    "LabelCanceled",
    "PickedUp",
    "AtDestinationFC",
    "Delivered",
    "RejectedByBuyer",
    "Undeliverable",
    "ReturnedToSeller",
    "Lost",
)


@dataclass
class OrdersPage:
    orders: list[dict[str, Any]]
    next_token: str | None
    last_updated_before: str | None
    created_before: str | None
    request_id: str | None


@dataclass
class OrderItemsPage:
    amazon_order_id: str | None
    items: list[dict[str, Any]]
    next_token: str | None
    request_id: str | None


def _result(resp: MwsResponse, action: str, datatype: str) -> dict[str, Any]:
    el = child(resp.root, f"{action}Result")
    if el is None:
        raise TransportError(
            f"{action}: reply has no {action}Result element",
            request_id=resp.request_id,
            http_status=resp.status,
        )
    return to_json(el, datatype)


def _orders_page(resp: MwsResponse, action: str) -> OrdersPage:
    result = _result(resp, action, "OrdersResult")
    return OrdersPage(
        orders=result.get("Orders", []),
        next_token=result.get("NextToken") or None,
        last_updated_before=result.get("LastUpdatedBefore") or None,
        created_before=result.get("CreatedBefore") or None,
        request_id=resp.request_id,
    )


def _items_page(resp: MwsResponse, action: str) -> OrderItemsPage:
    result = _result(resp, action, "OrderItemsResult")
    return OrderItemsPage(
        amazon_order_id=result.get("AmazonOrderId") or None,
        items=result.get("OrderItems", []),
        next_token=result.get("NextToken") or None,
        request_id=resp.request_id,
    )


def _members(values: list[str] | None, allowed: tuple[str, ...], field: str) -> list[str]:
    listed = str_list(values, field=field) or []
    bad = [v for v in listed if v not in allowed]
    if bad:
        raise ValueError(f"{field}: {bad[0]!r} is not one of {', '.join(allowed)}")
    return listed


def _token(token: str, field: str = "next_token") -> str:
    if not isinstance(token, str) or not token.strip():
        raise ValueError(f"{field}: must be a non-empty string")
    return token


@dataclass(frozen=True)
class ListOrdersFilters:
    statuses: list[str]
    channels: list[str]
    payment_methods: list[str]
    tfm_statuses: list[str]


def checked_filters(
    *,
    last_updated_after: Any,
    last_updated_before: Any,
    created_after: Any,
    created_before: Any,
    statuses: list[str] | None,
    max_results: int,
    fulfillment_channels: list[str] | None,
    payment_methods: list[str] | None = None,
    tfm_statuses: list[str] | None = None,
    buyer_email: str | None = None,
    seller_order_id: str | None = None,
    paired_statuses: bool = True,
) -> ListOrdersFilters:
    """Amazon's ListOrders rules, checked before a request spends quota (MWS ListOrders and SP-API
    getOrders share them). BuyerEmail and SellerOrderId look one buyer or order up, so Amazon refuses
    them with LastUpdatedAfter or any filter. `paired_statuses`: MWS wants Unshipped and PartiallyShipped
    together; SP-API's getOrders has no such rule. A broken rule is a ValueError naming the argument."""
    if (last_updated_after is None) == (created_after is None):
        raise ValueError(
            "last_updated_after: give exactly one of last_updated_after and created_after (Amazon "
            "rejects both and needs one)"
        )
    if last_updated_after is None and last_updated_before is not None:
        raise ValueError("last_updated_before: only allowed with last_updated_after")
    if created_after is None and created_before is not None:
        raise ValueError("created_before: only allowed with created_after")
    if isinstance(max_results, bool) or not isinstance(max_results, int) or not 1 <= max_results <= 100:
        raise ValueError(f"max_results: must be an integer from 1 to 100, got {max_results!r}")
    status_list = str_list(statuses, field="statuses") or []
    unknown = [s for s in status_list if s not in ORDER_STATUSES]
    if unknown:
        raise ValueError(f"statuses: unknown order status {unknown[0]!r} (one of {', '.join(ORDER_STATUSES)})")
    if paired_statuses and ("Unshipped" in status_list) != ("PartiallyShipped" in status_list):
        raise ValueError("statuses: Unshipped and PartiallyShipped must be requested together")
    filters = ListOrdersFilters(
        statuses=status_list,
        channels=_members(fulfillment_channels, FULFILLMENT_CHANNELS, "fulfillment_channels"),
        payment_methods=_members(payment_methods, PAYMENT_METHODS, "payment_methods"),
        tfm_statuses=_members(tfm_statuses, TFM_STATUSES, "tfm_statuses"),
    )
    lookup = "buyer_email" if buyer_email else "seller_order_id" if seller_order_id else None
    if lookup and last_updated_after is not None:
        raise ValueError(f"{lookup}: not allowed with last_updated_after (use created_after)")
    if lookup and any((filters.statuses, filters.channels, filters.payment_methods, filters.tfm_statuses)):
        raise ValueError(f"{lookup}: cannot be combined with status, channel, payment or TFM filters")
    return filters


class OrdersApi:
    section = "Orders"

    def __init__(self, conn: MwsConnection) -> None:
        self.conn = conn

    def list_orders(
        self,
        *,
        last_updated_after: datetime | str | None = None,
        last_updated_before: datetime | str | None = None,
        created_after: datetime | str | None = None,
        created_before: datetime | str | None = None,
        statuses: list[str] | None = None,
        max_results: int = 100,
        marketplace_ids: list[str] | None = None,
        fulfillment_channels: list[str] | None = None,
        payment_methods: list[str] | None = None,
        tfm_statuses: list[str] | None = None,
        buyer_email: str | None = None,
        seller_order_id: str | None = None,
    ) -> OrdersPage:
        """One ListOrders page. Validates Amazon's rules locally (see `checked_filters`)."""
        f = checked_filters(
            last_updated_after=last_updated_after,
            last_updated_before=last_updated_before,
            created_after=created_after,
            created_before=created_before,
            statuses=statuses,
            max_results=max_results,
            fulfillment_channels=fulfillment_channels,
            payment_methods=payment_methods,
            tfm_statuses=tfm_statuses,
            buyer_email=buyer_email,
            seller_order_id=seller_order_id,
        )
        markets = str_list(marketplace_ids, field="marketplace_ids", max_items=50) or [
            self.conn.credentials.marketplace_id
        ]
        params = {
            "LastUpdatedAfter": iso8601(last_updated_after, field="last_updated_after") if last_updated_after else None,
            "LastUpdatedBefore": iso8601(last_updated_before, field="last_updated_before")
            if last_updated_before
            else None,
            "CreatedAfter": iso8601(created_after, field="created_after") if created_after else None,
            "CreatedBefore": iso8601(created_before, field="created_before") if created_before else None,
            "MarketplaceId.Id": markets,
            "OrderStatus.Status": f.statuses,
            "FulfillmentChannel.Channel": f.channels,
            "PaymentMethod.Method": f.payment_methods,
            "TFMShipmentStatus.Status": f.tfm_statuses,
            "BuyerEmail": buyer_email or None,
            "SellerOrderId": seller_order_id or None,
            "MaxResultsPerPage": str(max_results),
        }
        return _orders_page(self.conn.call(self.section, "ListOrders", params), "ListOrders")

    def list_orders_by_next_token(self, token: str) -> OrdersPage:
        resp = self.conn.call(self.section, "ListOrdersByNextToken", {"NextToken": _token(token)})
        return _orders_page(resp, "ListOrdersByNextToken")

    def get_order(self, ids: list[str]) -> list[dict[str, Any]]:
        """Orders by AmazonOrderId (1 to 50 ids; unknown ids are simply absent from the result)."""
        id_list = str_list(ids, field="ids", max_items=50)
        if not id_list:
            raise ValueError("ids: at least one AmazonOrderId is required")
        resp = self.conn.call(self.section, "GetOrder", {"AmazonOrderId.Id": id_list})
        return _result(resp, "GetOrder", "OrdersResult").get("Orders", [])

    def list_order_items(self, order_id: str) -> OrderItemsPage:
        resp = self.conn.call(self.section, "ListOrderItems", {"AmazonOrderId": _token(order_id, "order_id")})
        return _items_page(resp, "ListOrderItems")

    def list_order_items_by_next_token(self, token: str) -> OrderItemsPage:
        resp = self.conn.call(self.section, "ListOrderItemsByNextToken", {"NextToken": _token(token)})
        return _items_page(resp, "ListOrderItemsByNextToken")

    def get_service_status(self) -> dict[str, Any]:
        """`{"Status": "GREEN"|"GREEN_I"|"YELLOW"|"RED", "Timestamp": ..., "Messages": [...]}`."""
        resp = self.conn.call(self.section, "GetServiceStatus", {})
        result = _result(resp, "GetServiceStatus", "GetServiceStatusResult")
        result.setdefault("Messages", [])
        return result
