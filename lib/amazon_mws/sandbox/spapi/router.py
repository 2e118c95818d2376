"""The SP-API side of the sandbox: routes, the token endpoint, quotas, faults and replies.

One request goes: route to an operation -> injected fault? -> access token (or RDT) -> quota -> handler ->
JSON. It shares the MWS side's order book, clock, NextToken cursors, fault hooks and request log; quotas are
the models' usage plans (quotas.SP_API_RATES) on the same `Throttle`, a refusal is HTTP 429 with Amazon's
QuotaExceeded body, and every reply carries `x-amzn-RequestId` and `x-amzn-RateLimit-Limit`.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qsl, unquote

from amazon_mws.core.quotas import SP_API_RATES
from amazon_mws.sandbox.clock import http_date
from amazon_mws.sandbox.spapi.auth import ACCESS_DENIED, LwaRefusal, SpAuth, SpRefusal
from amazon_mws.sandbox.spapi.consent import CONSENT_PATH, consent
from amazon_mws.sandbox.spapi.feeds import SpFeeds
from amazon_mws.sandbox.spapi.orders import SpOrders
from amazon_mws.sandbox.spapi.orders_v2026 import SpOrdersV2026
from amazon_mws.sandbox.wire import Reply, Request

TOKEN_PATH = "/auth/o2/token"
DOCUMENTS_PREFIX = "/sp-documents/"
ORDER = r"(?P<order>[^/]+)"
FEED_ID = r"(?P<feed>[^/]+)"
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/orders/v0/orders$"), "getOrders"),
    ("GET", re.compile(rf"^/orders/v0/orders/{ORDER}$"), "getOrder"),
    ("GET", re.compile(rf"^/orders/v0/orders/{ORDER}/orderItems$"), "getOrderItems"),
    ("POST", re.compile(rf"^/orders/v0/orders/{ORDER}/shipmentConfirmation$"), "confirmShipment"),
    ("GET", re.compile(r"^/orders/2026-01-01/orders$"), "searchOrders"),
    ("GET", re.compile(rf"^/orders/2026-01-01/orders/{ORDER}$"), "getOrder@2026-01-01"),
    ("POST", re.compile(r"^/tokens/2021-03-01/restrictedDataToken$"), "createRestrictedDataToken"),
    ("GET", re.compile(r"^/sellers/v1/marketplaceParticipations$"), "getMarketplaceParticipations"),
    ("POST", re.compile(r"^/feeds/2021-06-30/documents$"), "createFeedDocument"),
    ("GET", re.compile(rf"^/feeds/2021-06-30/documents/{FEED_ID}$"), "getFeedDocument"),
    ("POST", re.compile(r"^/feeds/2021-06-30/feeds$"), "createFeed"),
    ("GET", re.compile(r"^/feeds/2021-06-30/feeds$"), "getFeeds"),
    ("GET", re.compile(rf"^/feeds/2021-06-30/feeds/{FEED_ID}$"), "getFeed"),
    ("DELETE", re.compile(rf"^/feeds/2021-06-30/feeds/{FEED_ID}$"), "cancelFeed"),
]
# the v0 orders operations Amazon removes on 2027-03-27 (confirmShipment stays)
V0_REMOVED = ("getOrders", "getOrder", "getOrderItems", "getOrderBuyerInfo", "getOrderAddress",
              "getOrderItemsBuyerInfo")
V0_REMOVAL_DATE = "2027-03-27"
SECRET_FORM = {"client_secret", "refresh_token", "code"}
FAULTS = {
    "500": (500, "InternalFailure", "We encountered an internal error. Please try again."),
    "503": (503, "ServiceUnavailable", "Service temporarily unavailable. Please try again."),
    "throttle": (429, "QuotaExceeded", "You exceeded your quota for the requested resource."),
}


def handles(path: str) -> bool:
    """SP-API paths start with a lower-case segment (`/orders/`, `/feeds/`, `/auth/o2/token`, ...), MWS
    sections with a capital (`/Orders/2013-09-01`): an unknown lower-case path gets SP-API's JSON 404."""
    return path[1:2].islower()


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Reply(status, body, headers=headers or {}, content_type="application/json")


class SpSandbox:
    def __init__(self, sandbox: Any, creds: dict[str, str], token_seconds: float = 3600.0) -> None:
        self.sb = sandbox
        self.creds = creds
        self.auth = SpAuth(creds, sandbox.clock.time, token_seconds)
        self.orders = SpOrders(sandbox)
        self.orders_v2026 = SpOrdersV2026(sandbox, self.orders.packages)
        self.v0_orders_removed = False  # True plays SP-API after 2027-03-27
        self.feeds = SpFeeds(sandbox)

    def handle(self, req: Request) -> Reply:
        if req.path == TOKEN_PATH:
            return self._token(req)
        if req.path == CONSENT_PATH:
            return consent(req, self.auth, self.sb.seller_id)
        if req.path.startswith(DOCUMENTS_PREFIX):
            return self.feeds.document(req)
        request_id = str(uuid.uuid4())
        operation = next((op for m, rx, op in ROUTES if m == req.method and rx.match(req.path)), None)
        fault = self.sb.faults.next_for(operation) if operation else None
        headers = {"x-amzn-RequestId": request_id, "Date": http_date(self.sb.now())}
        if operation in SP_API_RATES:
            headers["x-amzn-RateLimit-Limit"] = str(SP_API_RATES[operation][0])
        try:
            if operation is None:
                raise SpRefusal(404, "NotFound", f"Resource {req.method} {req.path} is not found.")
            if fault is not None and fault.kind in FAULTS:
                raise SpRefusal(*FAULTS[fault.kind])
            if fault is not None and fault.kind == "cut":
                self._record(req, operation, None, "ConnectionCut", "cut")
                return Reply(0, b"", cut=True)
            elements = self.auth.check(req.headers.get("x-amz-access-token"), req.method, req.path)
            if self.v0_orders_removed and operation in V0_REMOVED:
                raise SpRefusal(403, "Unauthorized", ACCESS_DENIED,
                                f"{operation} of the Orders API v0 was removed on {V0_REMOVAL_DATE}; "
                                "use the Orders API v2026-01-01.")
            if not self.sb.throttle.take(self.sb.seller_id, operation):
                raise SpRefusal(*FAULTS["throttle"])
            with self.sb.cursors.cycling(fault is not None and fault.kind == "cycle"):
                status, payload = self._dispatch(operation, req, elements)
            reply = _json(status, payload, headers)
            self._record(req, operation, status, None, fault.kind if fault else None)
        except SpRefusal as e:
            reply = _json(e.status, e.body(), headers)
            self._record(req, operation, e.status, e.code, fault.kind if fault else None)
        if fault is not None:
            reply = fault.spoil(reply)  # done (and logged) above
        return reply

    def _dispatch(self, operation: str, req: Request, elements: frozenset[str]) -> tuple[int, Any]:
        now = self.sb.now()
        groups = next(m.groupdict() for _, rx, op in ROUTES if op == operation and (m := rx.match(req.path)))
        order_id = unquote(groups.get("order") or "")
        feed_id = unquote(groups.get("feed") or "")
        q = req.params
        if operation == "getOrders":
            return 200, self.orders.get_orders(q, now, elements)
        if operation == "getOrder":
            return 200, self.orders.get_order(order_id, elements)
        if operation == "searchOrders":
            return 200, self.orders_v2026.search_orders(q, now)
        if operation == "getOrder@2026-01-01":
            return 200, self.orders_v2026.get_order(order_id, q)
        if operation == "getOrderItems":
            return 200, self.orders.get_order_items(order_id, q, now, elements)
        if operation == "getMarketplaceParticipations":
            return 200, self.orders.marketplace_participations()
        body = self._body(req)
        if operation == "confirmShipment":
            self.orders.confirm_shipment(order_id, body)
            return 204, None
        if operation == "createRestrictedDataToken":
            return 200, self.auth.restricted_token(body)
        return self.feeds.handle(operation, req, body, feed_id, now)

    @staticmethod
    def _body(req: Request) -> Any:
        if req.method not in ("POST", "PUT", "PATCH"):
            return None
        try:
            return json.loads(req.body.decode("utf-8")) if req.body.strip() else None
        except (UnicodeDecodeError, ValueError):
            raise SpRefusal(400, "InvalidInput", "The request body is not valid JSON.") from None

    def _token(self, req: Request) -> Reply:
        form = dict(req.params)
        if req.body and not form:  # a client that did not label its form
            form = dict(parse_qsl(req.body.decode("utf-8", errors="replace")))
        safe = Request(req.method, req.path, req.host, {},
                       {k: ("***" if k in SECRET_FORM else v) for k, v in form.items()})
        if req.method != "POST":
            self._record(safe, "lwaToken", 405, "invalid_request", None)
            return _json(405, {"error": "invalid_request", "error_description": "Use POST."})
        try:
            reply = _json(200, self.auth.exchange(form), {"Cache-Control": "no-store"})
            self._record(safe, "lwaToken", 200, None, None)
        except LwaRefusal as e:
            reply = _json(e.status, {"error": e.error, "error_description": e.description})
            self._record(safe, "lwaToken", e.status, e.error, None)
        return reply

    def _record(self, req: Request, operation: str | None, status: int | None, code: str | None,
                fault: str | None) -> None:
        self.sb._record(req, operation, status, code, fault)
