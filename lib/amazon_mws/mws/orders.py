"""The Orders 2013-09-01 section: ListOrders (+ByNextToken), GetOrder, ListOrderItems (+ByNextToken),
GetServiceStatus, returning typed JSON (model.py): the MWS `OrdersBackend` (core/backend.py).

Amazon's request rules (core.orders: one of CreatedAfter and LastUpdatedAfter, Unshipped with
PartiallyShipped, 1-100 results per page, at most 50 ids per GetOrder) are checked before a request
spends quota; a bad value is a ValueError naming the parameter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from amazon_mws.core.errors import InvalidParameter, NotFound
from amazon_mws.core.orders import (
    OrderItemsPage,
    OrderQuery,
    OrdersPage,
    checked_filters,
    checked_ids,
    checked_token,
)
from amazon_mws.core.params import given_iso8601, str_list
from amazon_mws.mws.connection import MwsConnection, MwsResponse

if TYPE_CHECKING:
    from typing_extensions import Unpack


def _orders_page(resp: MwsResponse, action: str) -> OrdersPage:
    result = resp.result(action, "OrdersResult")
    return OrdersPage(
        orders=result.get("Orders", []),
        next_token=result.get("NextToken") or None,
        last_updated_before=result.get("LastUpdatedBefore") or None,
        created_before=result.get("CreatedBefore") or None,
        request_id=resp.request_id,
    )


def _items_page(resp: MwsResponse, action: str) -> OrderItemsPage:
    result = resp.result(action, "OrderItemsResult")
    return OrderItemsPage(
        amazon_order_id=result.get("AmazonOrderId") or None,
        items=result.get("OrderItems", []),
        next_token=result.get("NextToken") or None,
        request_id=resp.request_id,
    )


class OrdersApi:
    section = "Orders"

    def __init__(self, conn: MwsConnection) -> None:
        self.conn = conn

    def list_orders(self, **query: Unpack[OrderQuery]) -> OrdersPage:
        """One ListOrders page. Validates Amazon's rules locally (see `checked_filters`)."""
        f = checked_filters(**query)
        markets = str_list(query.get("marketplace_ids"), field="marketplace_ids", max_items=50) or [
            self.conn.credentials.marketplace_id
        ]
        params = {
            "LastUpdatedAfter": given_iso8601(query, "last_updated_after"),
            "LastUpdatedBefore": given_iso8601(query, "last_updated_before"),
            "CreatedAfter": given_iso8601(query, "created_after"),
            "CreatedBefore": given_iso8601(query, "created_before"),
            "MarketplaceId.Id": markets,
            "OrderStatus.Status": f.statuses,
            "FulfillmentChannel.Channel": f.channels,
            "PaymentMethod.Method": f.payment_methods,
            "TFMShipmentStatus.Status": f.tfm_statuses,
            "BuyerEmail": query.get("buyer_email") or None,
            "SellerOrderId": query.get("seller_order_id") or None,
            "MaxResultsPerPage": str(f.max_results),
        }
        return _orders_page(self.conn.call(self.section, "ListOrders", params), "ListOrders")

    def list_orders_by_next_token(self, token: str) -> OrdersPage:
        resp = self.conn.call(self.section, "ListOrdersByNextToken", {"NextToken": checked_token(token)})
        return _orders_page(resp, "ListOrdersByNextToken")

    def get_order(self, ids: list[str]) -> list[dict[str, Any]]:
        """Orders by AmazonOrderId (1 to 50 ids; unknown ids are simply absent from the result)."""
        resp = self.conn.call(self.section, "GetOrder", {"AmazonOrderId.Id": checked_ids(ids)})
        orders: list[dict[str, Any]] = resp.result("GetOrder", "OrdersResult").get("Orders", [])
        return orders

    def list_order_items(self, order_id: str) -> OrderItemsPage:
        params = {"AmazonOrderId": checked_token(order_id, "order_id")}
        try:
            resp = self.conn.call(self.section, "ListOrderItems", params)
        except InvalidParameter as exc:
            if "AmazonOrderId" not in exc.message:
                raise
            # MWS's way of saying the order does not exist: InvalidParameterValue "Invalid AmazonOrderId: ..."
            raise NotFound(f"ListOrderItems: order {order_id} is not known to Amazon for this seller",
                           code=exc.code, request_id=exc.request_id, http_status=exc.http_status) from None
        return _items_page(resp, "ListOrderItems")

    def list_order_items_by_next_token(self, token: str) -> OrderItemsPage:
        resp = self.conn.call(self.section, "ListOrderItemsByNextToken", {"NextToken": checked_token(token)})
        return _items_page(resp, "ListOrderItemsByNextToken")

    def get_service_status(self) -> dict[str, Any]:
        """`{"Status": "GREEN"|"GREEN_I"|"YELLOW"|"RED", "Timestamp": ..., "Messages": [...]}`."""
        resp = self.conn.call(self.section, "GetServiceStatus", {})
        result = resp.result("GetServiceStatus", "GetServiceStatusResult")
        result.setdefault("Messages", [])
        return result
