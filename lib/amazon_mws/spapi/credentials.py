"""SP-API credentials, read from a step's config (the component's camelCase keys).

SP-API has no request signing for sellers' own data since 2023: a Login with Amazon (LWA) access token,
obtained from the refresh token with the app's client id and secret, goes in `x-amz-access-token`. So the
credentials are the LWA triple plus the marketplace (which picks the regional host unless `endpoint` is
set) and, optionally, the token URL (the sandbox's own). `sellerId` (the merchant token) is optional here:
SP-API does not need it to call, but feeds do (XML envelopes' MerchantIdentifier, the listings feed's
`header.sellerId`).

Frozen, and the repr hides the client secret and the refresh token: configs end up in logs and tracebacks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from amazon_mws.core.config import config_strings
from amazon_mws.core.http import http_url
from amazon_mws.core.marketplaces import marketplace_of

DEFAULT_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
REGION_HOSTS = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}

_REQUIRED = (
    ("lwaClientId", "lwa_client_id"),
    ("lwaClientSecret", "lwa_client_secret"),
    ("refreshToken", "refresh_token"),
    ("marketplaceId", "marketplace_id"),
)
_OPTIONAL = (("endpoint", "endpoint"), ("lwaTokenUrl", "token_url"), ("sellerId", "seller_id"))


def endpoint_for(marketplace_id: str, endpoint: str | None = None) -> str:
    """The SP-API base URL: `endpoint` when given, else the marketplace's regional host."""
    if endpoint:
        return http_url(endpoint, field="endpoint")
    market = marketplace_of(marketplace_id, hint="use an Amazon marketplace id, or set endpoint")
    return REGION_HOSTS[market.region]


@dataclass(frozen=True)
class SpCredentials:
    lwa_client_id: str
    lwa_client_secret: str
    refresh_token: str
    marketplace_id: str
    endpoint: str | None = None
    token_url: str | None = None
    seller_id: str | None = None

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> SpCredentials:
        """Build from a config dict; a missing, blank or non-string value is a ValueError naming the key."""
        values = config_strings(cfg, required=_REQUIRED, optional=_OPTIONAL,
                                required_rule="is required when backend is sp-api")
        if values["token_url"]:
            values["token_url"] = http_url(values["token_url"], field="lwaTokenUrl")
        creds = cls(**values)
        creds.base_url()  # an unknown marketplace without an endpoint fails here, naming the field
        return creds

    def __repr__(self) -> str:
        return (
            f"SpCredentials(lwa_client_id={self.lwa_client_id!r}, lwa_client_secret='***', "
            f"refresh_token='***', marketplace_id={self.marketplace_id!r}, endpoint={self.endpoint!r}, "
            f"token_url={self.token_url!r}, seller_id={self.seller_id!r})"
        )

    __str__ = __repr__

    def base_url(self) -> str:
        return endpoint_for(self.marketplace_id, self.endpoint)

    def lwa_url(self) -> str:
        return self.token_url or DEFAULT_TOKEN_URL

    @property
    def account_key(self) -> str:
        """A stable, secret-free name for this selling partner + application pair: the key of its quota
        buckets and cached tokens (Amazon meters SP-API per partner and app). A digest, never the token."""
        raw = "\0".join((self.lwa_url(), self.lwa_client_id, self.refresh_token))
        return "sp-" + hashlib.sha256(raw.encode()).hexdigest()[:24]
