"""The request and reply the HTTP layer hands to the sandbox, and the API sections it serves."""

from __future__ import annotations

from dataclasses import dataclass, field

from amazon_mws.sandbox.xmlout import FEEDS_NS, ORDERS_NS, SELLERS_NS


@dataclass
class Request:
    method: str
    path: str
    host: str
    headers: dict[str, str]  # lower-case names
    params: dict[str, str]  # query string and form body together
    body: bytes = b""  # the raw body when it is not a form (SubmitFeed's feed)


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/xml"
    cut: bool = False  # close the connection without answering
    delay: float = 0.0  # seconds to wait before answering


@dataclass(frozen=True)
class Section:
    name: str
    path: str
    version: str
    ns: str
    seller_params: tuple[str, ...]  # which parameter carries the seller id, in order of preference
    post_only: bool
    actions: tuple[str, ...]


ORDERS = Section(
    "Orders",
    "/Orders/2013-09-01",
    "2013-09-01",
    ORDERS_NS,
    ("SellerId",),
    False,
    (
        "ListOrders",
        "ListOrdersByNextToken",
        "GetOrder",
        "ListOrderItems",
        "ListOrderItemsByNextToken",
        "GetServiceStatus",
    ),
)
FEEDS = Section(
    "Feeds",
    "/Feeds/2009-01-01",
    "2009-01-01",
    FEEDS_NS,
    ("Merchant", "SellerId"),
    True,
    (
        "SubmitFeed",
        "GetFeedSubmissionList",
        "GetFeedSubmissionListByNextToken",
        "GetFeedSubmissionCount",
        "CancelFeedSubmissions",
        "GetFeedSubmissionResult",
    ),
)

SELLERS = Section(
    "Sellers",
    "/Sellers/2011-07-01",
    "2011-07-01",
    SELLERS_NS,
    ("SellerId",),
    False,
    ("ListMarketplaceParticipations", "GetServiceStatus"),
)


def section_for(path: str, params: dict[str, str]) -> Section | None:
    """The section a path names. `/` is the Feeds API too (MWS's original root, where older clients such
    as the `mws` package post feeds) when the Version says 2009-01-01."""
    clean = path.rstrip("/") or "/"
    if clean == ORDERS.path:
        return ORDERS
    if clean == SELLERS.path:
        return SELLERS
    if clean == FEEDS.path or (clean == "/" and params.get("Version") == FEEDS.version):
        return FEEDS
    return None
