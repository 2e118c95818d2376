"""The trigger's Marketplaces and Fulfilled By fields, read and checked before any request.

Both are filters every backend has: MWS ListOrders (`MarketplaceId.Id.N`, `FulfillmentChannel.Channel.N`),
SP-API v0 getOrders (`MarketplaceIds`, `FulfillmentChannels`) and v2026 searchOrders (`marketplaceIds`,
`fulfilledBy`). One call reaches one region's host, so the marketplaces must share the region of the
credentials' marketplace; none chosen means that marketplace alone, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from amazon_mws.core.marketplaces import MARKETPLACES, region_of
from amazon_mws.steps.fields import as_list

# the field's values (component.json) -> Amazon's fulfillment channel
FULFILLED_BY = {"Merchant": "MFN", "Amazon": "AFN"}
MAX_MARKETPLACES = 50


def marketplace_ids(cfg: Mapping[str, Any], field: str = "marketplaceIds") -> list[str]:
    chosen = list(dict.fromkeys(str(m).strip() for m in as_list(cfg.get(field)) if str(m).strip()))
    if len(chosen) > MAX_MARKETPLACES:
        raise ValueError(f"cfg.{field}: at most {MAX_MARKETPLACES} marketplaces, {len(chosen)} given")
    home = str(cfg.get("marketplaceId") or "")
    for market in chosen:
        if market not in MARKETPLACES:
            raise ValueError(f"cfg.{field}: {market!r} is not an Amazon marketplace id")
        if home in MARKETPLACES and region_of(market) != region_of(home):
            raise ValueError(f"cfg.{field}: {market} ({MARKETPLACES[market].country_code}) is not in the region of "
                             f"marketplaceId {home} ({MARKETPLACES[home].country_code}): one region per config")
    return chosen


def fulfillment_channels(cfg: Mapping[str, Any], field: str = "fulfilledBy") -> list[str]:
    channels = []
    for value in as_list(cfg.get(field)):
        name = str(value).strip().capitalize()
        if name not in FULFILLED_BY:
            raise ValueError(f"cfg.{field}: {value!r} is not one of {', '.join(FULFILLED_BY)}")
        channels.append(FULFILLED_BY[name])
    return list(dict.fromkeys(channels))
