"""Section clients built from a step's config, for the backend the config names, sharing one quota limiter.

`cfg["backend"]` picks the transport: "mws" (the default, so existing configs keep working) or "sp-api".
Both return objects with the same methods and result shapes (`OrdersApi` / `SpOrdersApi`, `FeedsApi` /
`SpFeedsApi`), so the steps and the job logic never ask which one they have.

The limiter is per process (and in Redis across processes when REDIS_URL is set): every step run in this
process draws from the same buckets, so two steps of one seller never together exceed Amazon's quota.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from amazon_mws.core.limiter import Limiter, limiter_from_env
from amazon_mws.mws.connection import MwsConnection
from amazon_mws.mws.credentials import Credentials
from amazon_mws.mws.feeds import FeedsApi
from amazon_mws.mws.orders import OrdersApi
from amazon_mws.steps.fields import as_bool

MWS, SP_API = "mws", "sp-api"
BACKENDS = (MWS, SP_API)


@lru_cache(maxsize=1)
def shared_limiter() -> Limiter:
    return limiter_from_env()


def backend_of(cfg: Mapping[str, Any]) -> str:
    """The backend a config names; missing or empty means MWS."""
    raw = cfg.get("backend")
    backend = str(raw).strip().lower() if raw not in (None, "") else MWS
    if backend not in BACKENDS:
        raise ValueError(f"cfg.backend: {raw!r} is not one of {', '.join(BACKENDS)}")
    return backend


def connection(cfg: Mapping[str, Any], *, sample: bool = False) -> MwsConnection:
    return MwsConnection(Credentials.from_config(dict(cfg)), sample=sample, limiter=shared_limiter())


def sp_connection(cfg: Mapping[str, Any], *, sample: bool = False):
    from amazon_mws.spapi.connection import SpConnection
    from amazon_mws.spapi.credentials import SpCredentials

    return SpConnection(SpCredentials.from_config(cfg), sample=sample, limiter=shared_limiter())


def sp_orders_class(cfg: Mapping[str, Any]) -> type:
    """SP-API's orders client for `cfg.ordersApi`: "2026-01-01" (the default) or "v0" (until Amazon removes
    its orders reads on 2027-03-27; spapi/orders.py refuses them from that day)."""
    raw = cfg.get("ordersApi")
    version = str(raw).strip() if raw not in (None, "") else "2026-01-01"
    if version == "2026-01-01":
        from amazon_mws.spapi.orders_v2026 import SpOrdersV2026Api

        return SpOrdersV2026Api
    if version == "v0":
        from amazon_mws.spapi.orders import SpOrdersApi

        return SpOrdersApi
    raise ValueError(f"cfg.ordersApi: {raw!r} is not one of 2026-01-01, v0")


def orders_api(cfg: Mapping[str, Any], *, sample: bool = False):
    """`OrdersApi` (MWS) or SP-API's (sp_orders_class): ListOrders-style pages of MWS-shaped orders."""
    if backend_of(cfg) == SP_API:
        return sp_orders_class(cfg)(
            sp_connection(cfg, sample=sample), restricted_data=not as_bool(cfg.get("withoutRestrictedData"))
        )
    return OrdersApi(connection(cfg, sample=sample))


def feeds_api(cfg: Mapping[str, Any], *, sample: bool = False):
    """`FeedsApi` (MWS) or `SpFeedsApi` (SP-API, Feeds 2021-06-30 behind the same three job methods)."""
    if backend_of(cfg) == SP_API:
        from amazon_mws.spapi.feeds import SpFeedsApi

        return SpFeedsApi(sp_connection(cfg, sample=sample))
    return FeedsApi(connection(cfg, sample=sample))
