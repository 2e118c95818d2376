"""`Sandbox`: a local Amazon MWS (Orders, Feeds and Sellers) over real HTTP, with hooks for tests.

One request goes: route to a section -> injected fault? -> authenticate -> known action? -> quota ->
handler -> XML. Every reply carries `x-mws-request-id`, `x-mws-timestamp` and `Date`, and lands in
the request log (`requests`), throttled ones included. State is shared by the server's threads and
guarded by locks; the hooks (`add_order`, `update_order`, `advance_clock`, `inject_fault`, ...) are safe
to call while clients are talking to it.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from amazon_mws.mws.signing import content_md5
from amazon_mws.sandbox import admin, hostile, sellers_api
from amazon_mws.sandbox.auth import authenticate
from amazon_mws.sandbox.clock import Clock, http_date, iso_ms
from amazon_mws.sandbox.cursors import Cursors
from amazon_mws.sandbox.data import OrderFactory
from amazon_mws.sandbox.errors import SandboxError
from amazon_mws.sandbox.faults import Faults
from amazon_mws.sandbox.feed_effects import apply_feed
from amazon_mws.sandbox.feed_report import envelope_schema
from amazon_mws.sandbox.feeds_api import FeedsApi
from amazon_mws.sandbox.orders_api import OrdersApi
from amazon_mws.sandbox.spapi import SpSandbox, default_sp_credentials
from amazon_mws.sandbox.spapi import handles as sp_handles
from amazon_mws.sandbox.store import OrderStore
from amazon_mws.sandbox.throttle import Throttle
from amazon_mws.sandbox.wire import FEEDS, ORDERS, SELLERS, Reply, Request, section_for
from amazon_mws.sandbox.xmlout import GENERIC_NS, error_response, response

log = logging.getLogger("amazon_mws.sandbox")
CREDENTIAL_KEYS = ("sellerId", "mwsAuthToken", "accessKeyId", "secretKey", "marketplaceId")
SP_CREDENTIAL_KEYS = ("lwaClientId", "lwaClientSecret", "refreshToken")
MASKED = {"MWSAuthToken"}


def default_credentials() -> dict[str, str]:
    """Fresh credentials for one sandbox run (printed by the CLI; tests may pass their own)."""
    return {
        "sellerId": "A" + secrets.token_hex(6).upper(),
        "mwsAuthToken": f"amzn.mws.{uuid.uuid4()}",
        "accessKeyId": "AKIA" + secrets.token_hex(8).upper(),
        "secretKey": secrets.token_urlsafe(30),
        "marketplaceId": "ATVPDKIKX0DER",
    }


class Sandbox:
    def __init__(
        self,
        orders: int = 200,
        seed: int = 1,
        time_scale: float = 1.0,
        throttle: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        feed_processing_seconds: float = 2.0,
        items_page_size: int = 100,
        xsd_dir: str | Path | None = None,
        credentials: dict[str, str] | None = None,
        orders_v0_removed: bool = False,
    ) -> None:
        if orders < 0:
            raise ValueError(f"orders must be >= 0, got {orders}")
        if time_scale <= 0:
            raise ValueError(f"time_scale must be greater than 0, got {time_scale}")
        creds = default_credentials()
        for key, value in (credentials or {}).items():
            if key in CREDENTIAL_KEYS and value is not None:
                creds[key] = str(value)
        self._creds = creds
        self.host, self.port = host, port
        self.time_scale = time_scale
        self.clock = Clock()
        self.store = OrderStore(OrderFactory(seed, creds["marketplaceId"]), self.clock.now)
        self.store.seed(orders)
        self.cursors = Cursors()
        self.orders_api = OrdersApi(self.store, self.cursors, creds["marketplaceId"], items_page_size)
        self.xsd_dir = xsd_dir or os.environ.get("AMAZON_XSD_DIR") or None
        self.feeds_api = FeedsApi(
            self.cursors,
            creds["marketplaceId"],
            feed_processing_seconds * time_scale,
            self.xsd_dir,
            on_processed=lambda feed, outcome: apply_feed(self.store, outcome),
        )
        self.throttle = Throttle(self.clock.time, time_scale, throttle)
        self.faults = Faults()
        sp_creds = default_sp_credentials()
        sp_creds.update({k: str(v) for k, v in (credentials or {}).items() if k in SP_CREDENTIAL_KEYS and v})
        self.sp = SpSandbox(self, sp_creds)  # the SP-API side: same orders, clock, quotas, faults, log
        self.sp.v0_orders_removed = orders_v0_removed  # play SP-API after 2027-03-27
        self._log: list[dict[str, Any]] = []
        self._log_lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:  # no secrets
        return f"Sandbox(endpoint={self.endpoint!r}, orders={len(self.store.orders)})"

    # lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        from amazon_mws.sandbox.server import make_server

        if self._server is not None:
            return self
        if self.xsd_dir:  # compile Amazon's XSDs now rather than on the first feed result
            threading.Thread(target=envelope_schema, args=(self.xsd_dir,), daemon=True).start()
        self._server = make_server(self, self.host, self.port)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="mws-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.close_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def credentials(self) -> dict[str, str]:
        """The config a client needs: the credentials this sandbox accepts, plus `endpoint`."""
        return {**self._creds, "endpoint": self.endpoint}

    @property
    def sp_credentials(self) -> dict[str, str]:
        """An SP-API config for this sandbox: backend, LWA credentials, marketplace, endpoints, sellerId."""
        return {"backend": "sp-api", **self.sp.creds, "marketplaceId": self.marketplace_id,
                "sellerId": self.seller_id, "endpoint": self.endpoint,
                "lwaTokenUrl": f"{self.endpoint}/auth/o2/token"}

    @property
    def marketplace_id(self) -> str:
        return self._creds["marketplaceId"]

    @property
    def seller_id(self) -> str:
        return self._creds["sellerId"]

    # hooks for tests -------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def advance_clock(self, seconds: float) -> datetime:
        return self.clock.advance(seconds)

    def add_order(self, **fields: Any) -> dict[str, Any]:
        return self.store.add(fields)

    def update_order(self, order_id: str, **changes: Any) -> dict[str, Any]:
        return self.store.update(order_id, changes)

    def inject_fault(
        self, kind: str, count: int = 1, operation: str | None = None, delay: float = 1.0
    ) -> None:
        self.faults.inject(kind, count, operation, delay)

    @property
    def orders(self) -> dict[str, dict[str, Any]]:
        with self.store.lock:
            return dict(self.store.orders)

    @property
    def feeds(self) -> dict[str, dict[str, Any]]:
        return self.feeds_api.public(self.now())

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._log_lock:
            return [dict(e) for e in self._log]

    def reset_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    # serving ---------------------------------------------------------------------------------------------

    def handle(self, req: Request) -> Reply:
        """Answer one HTTP request (called by the server's threads)."""
        if req.path == "/_sandbox" or req.path.startswith("/_sandbox/"):
            return admin.handle(self, req)
        if sp_handles(req.path):
            return self.sp.handle(req)
        now = self.now()
        request_id = str(uuid.uuid4())
        section = section_for(req.path, req.params)
        action = req.params.get("Action")
        ns = section.ns if section else GENERIC_NS
        fault = self.faults.next_for(action) if section else None
        reply: Reply
        try:
            if section is None:
                raise SandboxError("InvalidAddress", f"The resource {req.path} is not a valid MWS address.")
            if fault is not None and fault.kind in ("500", "503", "throttle"):
                code, message = {
                    "500": ("InternalError", "We encountered an internal error. Please try again."),
                    "503": ("ServiceUnavailable", "Service temporarily unavailable. Please try again."),
                    "throttle": ("RequestThrottled", "Request is throttled"),
                }[fault.kind]
                raise SandboxError(code, message)
            if fault is not None and fault.kind == "cut":
                self._record(req, action, None, "ConnectionCut", "cut")
                return Reply(0, b"", cut=True)
            with self.cursors.cycling(fault is not None and fault.kind == "cycle"):
                reply = Reply(200, self._dispatch(req, section, action or "", now, request_id))
        except SandboxError as e:
            reply = Reply(e.status, error_response(ns, e.code, e.message, e.type, request_id))
            reply.headers.update(e.headers)
            self._record(req, action, e.status, e.code, fault.kind if fault else None)
        else:
            self._record(req, action, 200, None, fault.kind if fault else None)
        if action == "GetFeedSubmissionResult" and reply.status == 200:
            reply.headers["Content-MD5"] = content_md5(reply.body)
        if fault is not None:
            reply = fault.spoil(reply)  # done (and logged) above
            if reply.cut:
                return reply
        if fault is not None and fault.kind in hostile.HOSTILE_KINDS:  # xxe, billion_laughs, huge, truncated
            reply = hostile.apply(fault.kind, reply, self)
        reply.headers.update(
            {"x-mws-request-id": request_id, "x-mws-timestamp": iso_ms(now), "Date": http_date(now)}
        )
        return reply

    def _dispatch(self, req: Request, section: Any, action: str, now: datetime, request_id: str) -> bytes:
        if section.post_only and req.method != "POST":
            raise SandboxError(
                "InvalidRequest", f"This API does not support the HTTP {req.method} operation; use POST."
            )
        seller = authenticate(req, section, self._creds, now)
        if action not in section.actions:
            raise SandboxError(
                "InvalidAddress", f"The action {action} is not valid for the {section.name} API."
            )
        hour = self.throttle.hourly(seller, action)
        if hour is not None and hour[1] == 0:
            quota, _, resets = hour
            raise SandboxError(
                "QuotaExceeded",
                f"You exceeded your quota of {quota}.0 requests per 1 hour for operation "
                f"{section.name}/{section.version}/{action}.",
                headers={"x-mws-quota-max": str(quota), "x-mws-quota-remaining": "0",
                         # whole seconds (RFC 1123), rounded up: a client never wakes before the reset
                         "x-mws-quota-resetsOn": http_date(datetime.fromtimestamp(math.ceil(resets), timezone.utc))},
            )
        if not self.throttle.take(seller, action):
            raise SandboxError("RequestThrottled", "Request is throttled")
        if section is ORDERS:
            return response(section.ns, action, request_id, self.orders_api.handle(action, req.params, now))
        if section is SELLERS:
            return response(section.ns, action, request_id,
                            sellers_api.handle(action, seller, self.marketplace_id, now))
        assert section is FEEDS
        result = self.feeds_api.handle(action, req.params, now, seller=seller, body=req.body, headers=req.headers)
        if isinstance(result, bytes):  # a feed result: the report itself, not wrapped
            return result
        return response(section.ns, action, request_id, result)

    def _record(
        self, req: Request, action: str | None, status: int | None, code: str | None, fault: str | None
    ) -> None:
        params = {k: ("***" if k in MASKED else v) for k, v in req.params.items() if k != "Signature"}
        entry = {
            "action": action,
            "params": params,
            "status": status,
            "error_code": code,
            "time": self.clock.time(),
            "method": req.method,
            "path": req.path,
            "fault": fault,
        }
        with self._log_lock:
            self._log.append(entry)
        log.info(
            "%s %s %s -> %s%s",
            req.method,
            req.path,
            action or "-",
            status if status else "cut",
            f" {code}" if code else "",
        )
