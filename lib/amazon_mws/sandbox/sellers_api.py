"""The Sellers 2011-07-01 section: ListMarketplaceParticipations and GetServiceStatus.

Why the sandbox has it: `amazon-mws verify` on MWS asks ListMarketplaceParticipations whether the
configured marketplace is one the seller sells in (as SP-API's verify asks getMarketplaceParticipations),
so a config naming another marketplace is refused by `verify`, not by the first ListOrders. The sandbox's
seller sells in the sandbox's one marketplace. Shapes from Amazon's Sellers reference: `ListParticipations`
of `Participation` (MarketplaceId, SellerId, HasSellerSuspendedListings) and `ListMarketplaces` of
`Marketplace` (MarketplaceId, Name, DefaultCountryCode, DefaultCurrencyCode, DefaultLanguageCode,
DomainName); one page, so no NextToken.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from amazon_mws.sandbox.clock import iso_ms
from amazon_mws.sandbox.data import MARKETPLACES

Result = list[tuple[str, Any]]


def handle(action: str, seller: str, marketplace_id: str, now: datetime) -> Result:
    if action == "GetServiceStatus":
        return [("Status", "GREEN"), ("Timestamp", iso_ms(now))]
    return [("ListParticipations", [participation(seller, marketplace_id)]),
            ("ListMarketplaces", [marketplace(marketplace_id)])]


def participation(seller: str, marketplace_id: str) -> Mapping[str, Any]:
    return {"MarketplaceId": marketplace_id, "SellerId": seller, "HasSellerSuspendedListings": "No"}


def marketplace(marketplace_id: str) -> Mapping[str, Any]:
    currency, channel, country = MARKETPLACES[marketplace_id]
    return {"MarketplaceId": marketplace_id, "Name": channel, "DefaultCountryCode": country,
            "DefaultCurrencyCode": currency, "DefaultLanguageCode": "en_US", "DomainName": "www." + channel.lower()}
