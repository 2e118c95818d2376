"""The interfaces a backend implements: what the steps, `feeds.job`, `serve/` and verification call.

A backend (MWS, SP-API Orders v0 + Feeds 2021-06-30, and the next one) is a package that speaks its own
wire format and answers in the shapes of `core.orders` and `core.feeds`; `backends.py` builds it from a
step's config and annotates its factories with these Protocols, so the type checker names any method a
new backend lacks, and `tests/contract/` runs every backend through the same cases.

Errors are the `core.errors` kinds (Throttled, AccessDenied, InvalidParameter, ...), whatever the wire
said; a ValueError naming the argument means the request broke one of Amazon's rules and was never sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from amazon_mws.core.errors import MwsError
from amazon_mws.core.feeds import FeedResult, FeedSubmissionListPage
from amazon_mws.core.orders import OrderItemsPage, OrderQuery, OrdersPage

if TYPE_CHECKING:
    from typing_extensions import Unpack


class OrdersBackend(Protocol):
    """ListOrders-style pages of MWS-shaped orders, orders by id, an order's items page by page."""

    def list_orders(self, **query: Unpack[OrderQuery]) -> OrdersPage:
        """The first page of a window (filters: `core.orders.OrderQuery`; rules: `checked_filters`)."""
        ...

    def list_orders_by_next_token(self, token: str, /) -> OrdersPage:
        """The page a NextToken names; the token carries the window and the filters."""
        ...

    def get_order(self, ids: list[str], /) -> list[dict[str, Any]]:
        """Orders by AmazonOrderId (1 to `GET_ORDER_IDS`); ids Amazon does not know are absent."""
        ...

    def list_order_items(self, order_id: str, /) -> OrderItemsPage:
        """The first page of one order's items."""
        ...

    def list_order_items_by_next_token(self, token: str, /) -> OrderItemsPage:
        """The next page of items (the backend remembers which order a token continues)."""
        ...

    def get_service_status(self) -> dict[str, Any]:
        """`{"Status": "GREEN"|..., "Messages": [...]}`: the cheapest call proving the credentials work."""
        ...


class ShipmentsBackend(Protocol):
    """Shipments confirmed by a call answered at once (SP-API's confirmShipment), not by a feed."""

    # The errors that are Amazon's "no" to one package (reported as data, like a feed's per-message
    # errors); anything else fails the whole input.
    shipment_refusals: tuple[type[MwsError], ...]

    def confirm_shipment(
        self, order_id: str, package: dict[str, Any], /, *, cod_collection_method: str | None = None
    ) -> None:
        """One package of a merchant-fulfilled order: packageReferenceId, carrierCode, trackingNumber,
        shipDate, orderItems [{orderItemId, quantity}]."""
        ...


class FeedsBackend(Protocol):
    """A feed submission as an asynchronous job: submit, check by id, fetch the processing report."""

    def submit_feed(
        self, feed: bytes, feed_type: str, /, *, marketplace_ids: list[str] | None = None
    ) -> dict[str, Any]:
        """The only call that changes anything at Amazon; returns a FeedSubmissionInfo
        (`FeedSubmissionId`, `FeedType`, `FeedProcessingStatus`)."""
        ...

    def get_feed_submission_list(self, ids: list[str] | None = None) -> FeedSubmissionListPage:
        """FeedSubmissionInfos of these submissions (statuses in MWS's words, `_DONE_`)."""
        ...

    def get_feed_submission_result(self, feed_submission_id: str, /) -> FeedResult:
        """The processing report of a finished submission, parsed (`core.reports` shape)."""
        ...

    @property
    def account(self) -> str:
        """Whose feeds these are (a feed id is unique only per seller): the key of its submission intents."""
        ...

    def submissions_since(self, feed_type: str, since: datetime, /) -> list[dict[str, Any]]:
        """Every submission of `feed_type` since `since` (FeedSubmissionInfos): what a submit whose reply
        was lost is reconciled against (feeds/intents.py). Must not be confused by paging."""
        ...
