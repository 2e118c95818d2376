"""What an orders backend returns, and the ListOrders rules every backend applies before a request.

Both backends (MWS Orders 2013-09-01, SP-API Orders v0) answer in these shapes, with orders and items in
the MWS JSON shape, so the steps never ask which backend they talk to. Amazon's rules live here once:
exactly one of CreatedAfter and LastUpdatedAfter, Unshipped only together with PartiallyShipped, 1-100
results per page, the lookups (BuyerEmail, SellerOrderId) alone. A broken rule is a ValueError naming the
argument, raised before any quota is spent.

`OrdersPage.last_updated_before` / `created_before` is the window Amazon actually served: the caller's
next cursor is that value, never its own clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from amazon_mws.core.params import str_list

if TYPE_CHECKING:
    from typing_extensions import Unpack

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
GET_ORDER_IDS = 50  # Amazon's limit of order ids per GetOrder call, kept on SP-API for the same batches

Timestamp = datetime | str
DEFAULT_MAX_RESULTS = 100  # ListOrders' MaxResultsPerPage when none is given (Amazon's maximum)


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


@dataclass(frozen=True)
class ListOrdersFilters:
    statuses: list[str]
    channels: list[str]
    payment_methods: list[str]
    tfm_statuses: list[str]
    max_results: int = DEFAULT_MAX_RESULTS


def _members(values: list[str] | None, allowed: tuple[str, ...], field: str) -> list[str]:
    listed = str_list(values, field=field) or []
    bad = [v for v in listed if v not in allowed]
    if bad:
        raise ValueError(f"{field}: {bad[0]!r} is not one of {', '.join(allowed)}")
    return listed


class OrderQuery(TypedDict, total=False):
    """ListOrders' filters, as every backend's ``list_orders(**query)`` takes them (one declaration for the
    Protocol and each backend; a filter a backend lacks is refused by name there)."""

    last_updated_after: Timestamp | None
    last_updated_before: Timestamp | None
    created_after: Timestamp | None
    created_before: Timestamp | None
    statuses: list[str] | None
    max_results: int
    marketplace_ids: list[str] | None
    fulfillment_channels: list[str] | None
    payment_methods: list[str] | None
    tfm_statuses: list[str] | None
    buyer_email: str | None
    seller_order_id: str | None


QUERY_KEYS = frozenset(OrderQuery.__annotations__)


def checked_query(query: dict[str, Any]) -> None:
    """A filter no backend knows is a TypeError naming it, as a misspelt keyword argument would be."""
    unknown = sorted(set(query) - QUERY_KEYS)
    if unknown:
        raise TypeError(f"list_orders() got an unexpected keyword argument {unknown[0]!r}")


def checked_filters(*, paired_statuses: bool = True, **query: Unpack[OrderQuery]) -> ListOrdersFilters:
    """Amazon's ListOrders rules, checked before a request spends quota (MWS ListOrders and SP-API
    getOrders share them). BuyerEmail and SellerOrderId look one buyer or order up, so Amazon refuses
    them with LastUpdatedAfter or any filter. `paired_statuses`: MWS wants Unshipped and PartiallyShipped
    together; SP-API's getOrders has no such rule. A broken rule is a ValueError naming the argument."""
    checked_query(dict(query))
    last_updated_after, created_after = query.get("last_updated_after"), query.get("created_after")
    last_updated_before, created_before = query.get("last_updated_before"), query.get("created_before")
    max_results = query.get("max_results", DEFAULT_MAX_RESULTS)
    statuses, fulfillment_channels = query.get("statuses"), query.get("fulfillment_channels")
    payment_methods, tfm_statuses = query.get("payment_methods"), query.get("tfm_statuses")
    buyer_email, seller_order_id = query.get("buyer_email"), query.get("seller_order_id")
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
        max_results=max_results,
    )
    lookup = "buyer_email" if buyer_email else "seller_order_id" if seller_order_id else None
    if lookup and last_updated_after is not None:
        raise ValueError(f"{lookup}: not allowed with last_updated_after (use created_after)")
    if lookup and any((filters.statuses, filters.channels, filters.payment_methods, filters.tfm_statuses)):
        raise ValueError(f"{lookup}: cannot be combined with status, channel, payment or TFM filters")
    return filters


def checked_ids(ids: list[str]) -> list[str]:
    """GetOrder's ids: 1 to `GET_ORDER_IDS` non-empty strings (the same batches on every backend)."""
    id_list = str_list(ids, field="ids", max_items=GET_ORDER_IDS) or []
    if not id_list:
        raise ValueError("ids: at least one AmazonOrderId is required")
    return id_list


def checked_token(value: str, field: str = "next_token") -> str:
    """A NextToken or an order id handed to a backend: a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field}: must be a non-empty string")
    return value
