"""The backends the contract runs, and the harness its cases talk through (a named module: tests import it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amazon_mws import backends
from amazon_mws.core.backend import FeedsBackend, OrdersBackend
from amazon_mws.sandbox import Sandbox

TIME_SCALE = 0.01  # quotas and feed processing compressed 100x on both sides


@dataclass(frozen=True)
class Setup:
    """How one backend meets the sandbox: its config, a config with one wrong credential (`denied_field`),
    and the names its side of the sandbox gives the first page of a listing (where faults are injected)."""

    cfg: Callable[[Sandbox], dict[str, Any]]
    denied_field: str
    denied_value: str
    list_orders: str
    list_items: str
    # requests the items of an order with n items cost: pages of two on MWS and v0; one getOrder on v2026,
    # whose orders carry their items (no item pages, so no item NextTokens to cycle)
    item_requests: Callable[[int], int] = lambda n: -(-n // 2)
    items_paged: bool = True
    submit_feed: str = "SubmitFeed"  # the call that makes a feed (where a lost reply is injected)


SETUPS: dict[str, Setup] = {
    # denied: an MWSAuthToken the seller never gave this developer
    "mws": Setup(lambda sb: sb.credentials, "mwsAuthToken", "amzn.mws.revoked", "ListOrders", "ListOrderItems"),
    # denied: a refresh token Login with Amazon does not know (revoked, or another app's)
    "sp-api": Setup(lambda sb: sb.sp_credentials, "refreshToken", "Atzr|revoked", "searchOrders",
                    "getOrder@2026-01-01", item_requests=lambda n: 1, items_paged=False, submit_feed="createFeed"),
    "sp-api-v0": Setup(lambda sb: {**sb.sp_credentials, "ordersApi": "v0"}, "refreshToken", "Atzr|revoked",
                       "getOrders", "getOrderItems", submit_feed="createFeed"),
}


class Harness:
    """One backend against the sandbox: its clients built by `backends`, as the steps get them."""

    def __init__(self, setup: Setup, sandbox: Sandbox) -> None:
        self.setup = setup
        self.sandbox = sandbox
        self.cfg = setup.cfg(sandbox)

    @property
    def denied_cfg(self) -> dict[str, Any]:
        return {**self.cfg, self.setup.denied_field: self.setup.denied_value}

    def orders(self, *, sample: bool = False) -> OrdersBackend:
        return backends.orders_api(self.cfg, sample=sample)

    def feeds(self) -> FeedsBackend:
        return backends.feeds_api(self.cfg)
