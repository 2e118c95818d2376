"""Seller credentials for MWS, read from a step's config (the component's camelCase keys).

Frozen so a connection cannot be re-pointed mid-run; the repr hides the secret key and the
MWSAuthToken because configs end up in logs, tracebacks and error events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from amazon_mws.core.config import config_strings
from amazon_mws.core.http import http_url
from amazon_mws.core.marketplaces import marketplace_of

# MWS hosts (Amazon's DG_Endpoints, ../shared/amazon/mws-signing-and-vectors.md §1.5): one per region,
# except the countries that have their own.
REGION_HOSTS = {
    "na": "https://mws.amazonservices.com",
    "eu": "https://mws-eu.amazonservices.com",
    "fe": "https://mws-fe.amazonservices.com",
}
COUNTRY_HOSTS = {
    "CA": "https://mws.amazonservices.ca",
    "MX": "https://mws.amazonservices.com.mx",
    "AE": "https://mws.amazonservices.ae",
    "IN": "https://mws.amazonservices.in",
    "JP": "https://mws.amazonservices.jp",
    "AU": "https://mws.amazonservices.com.au",
}

_REQUIRED = (
    ("sellerId", "seller_id"),
    ("accessKeyId", "access_key_id"),
    ("secretKey", "secret_key"),
    ("marketplaceId", "marketplace_id"),
)
_OPTIONAL = (("mwsAuthToken", "mws_auth_token"), ("endpoint", "endpoint"))


def endpoint_for(marketplace_id: str, endpoint: str | None = None) -> str:
    """The base URL to send requests to: `endpoint` when given (the sandbox, a proxy), else the
    marketplace's MWS host."""
    if endpoint:
        return http_url(endpoint, field="endpoint")
    market = marketplace_of(marketplace_id, hint="use one of the MWS marketplace ids, or set endpoint")
    return COUNTRY_HOSTS.get(market.country_code) or REGION_HOSTS[market.region]


@dataclass(frozen=True)
class Credentials:
    seller_id: str
    access_key_id: str
    secret_key: str
    marketplace_id: str
    mws_auth_token: str | None = None
    endpoint: str | None = None

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> Credentials:
        """Build from a config dict; a missing or blank required key is a ValueError naming it."""
        return cls(**config_strings(cfg, required=_REQUIRED, optional=_OPTIONAL))

    def __repr__(self) -> str:
        token = "'***'" if self.mws_auth_token else "None"
        return (
            f"Credentials(seller_id={self.seller_id!r}, access_key_id={self.access_key_id!r}, "
            f"secret_key='***', marketplace_id={self.marketplace_id!r}, mws_auth_token={token}, "
            f"endpoint={self.endpoint!r})"
        )

    __str__ = __repr__

    def base_url(self) -> str:
        """The base URL requests go to (explicit endpoint, else the marketplace's host)."""
        return endpoint_for(self.marketplace_id, self.endpoint)
