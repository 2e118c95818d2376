"""The backends, one row each: the only module that knows both MWS and SP-API (cfg -> backend).

`cfg["backend"]` picks the row: "mws" (the default, so existing configs keep working) or "sp-api". A row
says how to build the backend's clients from a step's config (`OrdersBackend`, `FeedsBackend` and, where
the backend has the call, `ShipmentsBackend`: the Protocols of core/backend.py, which the factories are
annotated with so the type checker names any method a client lacks) and what the backend can do, so the
steps ask the row instead of comparing backend names:
- `listings_as_json`: the listings steps build one JSON_LISTINGS_FEED (SP-API refuses the XML listings
  feeds since 2025-07-31) instead of MWS's XML envelopes;
- `shipments`: a confirmShipment call answered at once (SP-API), or None where shipping is a feed (MWS);
- `verify`: the credential check that names the wrong credential (`credentials`: the offline one;
  `own_keys`: the credential keys only this backend has, so a config holding another backend's keys and
  not this one's is told to set `backend`, not that its keys are missing).

Orders APIs within a backend: on SP-API, `cfg["ordersApi"]` picks the orders client from `SP_ORDERS_APIS`:
"2026-01-01" (the default: `spapi/orders_v2026.py`) or "v0" (until Amazon removes its orders reads on
2027-03-27; `spapi/orders.py` refuses them from that day). Another orders API slots in as one more entry, a
function `(SpConnection, cfg) -> OrdersBackend`, plus its value in the ordersApi field of component.json;
nothing else changes: the steps get an `OrdersBackend` either way, confirmShipment stays the v0 call
(v2026-01-01 has none), and `tests/contract/` runs it once it has an entry in contract_support.SETUPS
(its coverage test fails until then).

The limiter is per process (and in Redis across processes when REDIS_URL is set): every step run in this
process draws from the same buckets, so two steps of one seller never together exceed Amazon's quota.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from amazon_mws.core.backend import FeedsBackend, OrdersBackend, ShipmentsBackend
from amazon_mws.core.config import ConfigProblems
from amazon_mws.core.errors import QuotaExceeded, Throttled
from amazon_mws.core.flags import as_bool
from amazon_mws.core.limiter import Limiter, limiter_from_env
from amazon_mws.mws.connection import MwsConnection
from amazon_mws.mws.credentials import Credentials
from amazon_mws.mws.feeds import FeedsApi
from amazon_mws.mws.orders import OrdersApi
from amazon_mws.mws.verify import verify_mws
from amazon_mws.spapi.connection import SpConnection
from amazon_mws.spapi.credentials import SpCredentials
from amazon_mws.spapi.feeds import SpFeedsApi
from amazon_mws.spapi.orders import SpOrdersApi
from amazon_mws.spapi.orders_v2026 import SpOrdersV2026Api
from amazon_mws.spapi.verify import verify_sp_api

MWS, SP_API = "mws", "sp-api"
Cfg = Mapping[str, Any]


@lru_cache(maxsize=1)
def shared_limiter() -> Limiter:
    return limiter_from_env()


def _mws_connection(cfg: Cfg, *, sample: bool = False) -> MwsConnection:
    return MwsConnection(Credentials.from_config(dict(cfg)), sample=sample, limiter=shared_limiter())


def _sp_connection(cfg: Cfg, *, sample: bool = False) -> SpConnection:
    return SpConnection(SpCredentials.from_config(cfg), sample=sample, limiter=shared_limiter())


def _sp_orders_v0(conn: SpConnection, cfg: Cfg) -> SpOrdersApi:
    return SpOrdersApi(conn, restricted_data=not as_bool(cfg.get("withoutRestrictedData")))


def _sp_orders_v2026(conn: SpConnection, cfg: Cfg) -> SpOrdersV2026Api:
    return SpOrdersV2026Api(conn, restricted_data=not as_bool(cfg.get("withoutRestrictedData")))


# cfg.ordersApi -> the SP-API orders client (see the module docstring for adding one)
SP_ORDERS_APIS: dict[str, Callable[[SpConnection, Cfg], OrdersBackend]] = {
    "2026-01-01": _sp_orders_v2026,
    "v0": _sp_orders_v0,
}
DEFAULT_SP_ORDERS_API = "2026-01-01"


def _mws_orders(cfg: Cfg, sample: bool) -> OrdersBackend:
    return OrdersApi(_mws_connection(cfg, sample=sample))


def _mws_feeds(cfg: Cfg, sample: bool) -> FeedsBackend:
    return FeedsApi(_mws_connection(cfg, sample=sample))


def _sp_orders(cfg: Cfg, sample: bool) -> OrdersBackend:
    raw = cfg.get("ordersApi")
    name = str(raw).strip() if raw not in (None, "") else DEFAULT_SP_ORDERS_API
    if name not in SP_ORDERS_APIS:
        raise ValueError(f"cfg.ordersApi: {raw!r} is not one of {', '.join(SP_ORDERS_APIS)}")
    return SP_ORDERS_APIS[name](_sp_connection(cfg, sample=sample), cfg)


def _sp_feeds(cfg: Cfg, sample: bool) -> FeedsBackend:
    return SpFeedsApi(_sp_connection(cfg, sample=sample))


def _sp_shipments(cfg: Cfg, sample: bool) -> ShipmentsBackend:
    return _sp_orders_v0(_sp_connection(cfg, sample=sample), cfg)  # confirmShipment is Orders v0's


@dataclass(frozen=True)
class Backend:
    name: str
    label: str  # how messages name it
    orders: Callable[[Cfg, bool], OrdersBackend]
    feeds: Callable[[Cfg, bool], FeedsBackend]
    shipments: Callable[[Cfg, bool], ShipmentsBackend] | None
    listings_as_json: bool
    verify: Callable[[Cfg], None]
    credentials: Callable[[Cfg], object]  # the credentials read from a config: ValueError naming the field
    own_keys: tuple[str, ...]  # credential keys no other backend has
    choose: str  # how to pick this backend in a config


BACKEND_ROWS = {
    MWS: Backend(MWS, "MWS", _mws_orders, _mws_feeds, None, listings_as_json=False, verify=verify_mws,
                 credentials=lambda cfg: Credentials.from_config(dict(cfg)),
                 own_keys=("accessKeyId", "secretKey", "mwsAuthToken"),
                 choose='set "backend": "mws" (or leave it out)'),
    SP_API: Backend(SP_API, "SP-API", _sp_orders, _sp_feeds, _sp_shipments, listings_as_json=True,
                    verify=verify_sp_api, credentials=SpCredentials.from_config,
                    own_keys=("lwaClientId", "lwaClientSecret", "refreshToken", "lwaTokenUrl"),
                    choose='set "backend": "sp-api"'),
}
BACKENDS = tuple(BACKEND_ROWS)


def backend_of(cfg: Cfg) -> str:
    """The backend a config names; missing or empty means MWS."""
    raw = cfg.get("backend")
    backend = str(raw).strip().lower() if raw not in (None, "") else MWS
    if backend not in BACKEND_ROWS:
        raise ValueError(f"cfg.backend: {raw!r} is not one of {', '.join(BACKENDS)}")
    return backend


def backend_for(cfg: Cfg) -> Backend:
    """The row of the backend a config names."""
    return BACKEND_ROWS[backend_of(cfg)]


def orders_api(cfg: Cfg, *, sample: bool = False) -> OrdersBackend:
    """ListOrders-style pages of MWS-shaped orders, on the config's backend (and orders API)."""
    return backend_for(cfg).orders(cfg, sample)


def feeds_api(cfg: Cfg, *, sample: bool = False) -> FeedsBackend:
    """Feed submissions as jobs (submit, check, result) on the config's backend."""
    return backend_for(cfg).feeds(cfg, sample)


def shipments_api(cfg: Cfg, *, sample: bool = False) -> ShipmentsBackend | None:
    """The backend's confirmShipment client, or None where the backend ships by feed only."""
    row = backend_for(cfg)
    return row.shipments(cfg, sample) if row.shipments is not None else None


def credential_problems(cfg: Cfg) -> list[str]:
    """Every problem of a config's credentials, offline, one line each naming the key. A config that holds
    another backend's keys and none of its own backend's gets one line naming `backend` instead of its
    own backend's keys, one by one, as missing (SP-API keys without `"backend": "sp-api"`)."""
    try:
        row = backend_for(cfg)
        row.credentials(cfg)
    except ConfigProblems as exc:
        problems = exc.problems
    except ValueError as exc:
        return [str(exc)]
    else:
        return []
    other = next((r for r in BACKEND_ROWS.values() if r is not row and _given(cfg, r.own_keys)), None)
    if other is None or _given(cfg, row.own_keys):
        return problems
    hint = (f"backend: these look like {other.label} credentials ({', '.join(_given(cfg, other.own_keys))}): "
            f"{other.choose}")
    return [hint] + [line for line in problems if line.split(":", 1)[0] not in row.own_keys]


def _given(cfg: Cfg, keys: tuple[str, ...]) -> list[str]:
    return [key for key in keys if cfg.get(key) not in (None, "")]


def verify_credentials(cfg: Cfg) -> None:
    """Raise CredentialsRejected naming the wrong credential (or Amazon's error when none is to blame).
    A check Amazon throttled (or our limiter held back: verify never waits) says when to try again, from
    the quota's restore interval or reset time the error carries."""
    try:
        backend_for(cfg).verify(cfg)
    except (Throttled, QuotaExceeded) as exc:
        when = f"in {max(1, math.ceil(exc.retry_after))} s" if exc.retry_after is not None else "later"
        raise type(exc)(f"throttled by Amazon: try again {when}", code=exc.code, request_id=exc.request_id,
                        http_status=exc.http_status, retry_after=exc.retry_after) from None
