"""MWS marketplaces and the regional hosts that serve them.

The marketplace a seller configures decides which host a request goes to (Amazon's `DG_Endpoints`
table, see ../shared/amazon/mws-signing-and-vectors.md §1.5); an explicit `endpoint` (the sandbox, a
proxy) overrides it. Keyed by marketplace id because that is what credentials and requests carry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Marketplace:
    id: str
    country_code: str
    name: str
    endpoint: str


_NA = "https://mws.amazonservices.com"
_EU = "https://mws-eu.amazonservices.com"

_TABLE: list[Marketplace] = [
    Marketplace("ATVPDKIKX0DER", "US", "United States (amazon.com)", _NA),
    Marketplace("A2Q3Y263D00KWC", "BR", "Brazil (amazon.com.br)", _NA),
    Marketplace("A2EUQ1WTGCTBG2", "CA", "Canada (amazon.ca)", "https://mws.amazonservices.ca"),
    Marketplace("A1AM78C64UM0Y8", "MX", "Mexico (amazon.com.mx)", "https://mws.amazonservices.com.mx"),
    Marketplace("A1PA6795UKMFR9", "DE", "Germany (amazon.de)", _EU),
    Marketplace("A1RKKUPIHCS9HS", "ES", "Spain (amazon.es)", _EU),
    Marketplace("A13V1IB3VIYZZH", "FR", "France (amazon.fr)", _EU),
    Marketplace("A1F83G8C2ARO7P", "GB", "United Kingdom (amazon.co.uk)", _EU),
    Marketplace("APJ6JRA9NG5V4", "IT", "Italy (amazon.it)", _EU),
    Marketplace("A1805IZSGTT6HS", "NL", "Netherlands (amazon.nl)", _EU),
    Marketplace("A2NODRKZP88ZB9", "SE", "Sweden (amazon.se)", _EU),
    Marketplace("A1C3SOZRARQ6R3", "PL", "Poland (amazon.pl)", _EU),
    Marketplace("AMEN7PMS3EDWL", "BE", "Belgium (amazon.com.be)", _EU),
    Marketplace("A33AVAJ2PDY3EV", "TR", "Turkey (amazon.com.tr)", _EU),
    Marketplace("A17E79C6D8DWNP", "SA", "Saudi Arabia (amazon.sa)", _EU),
    Marketplace("ARBP9OOSHTCHU", "EG", "Egypt (amazon.eg)", _EU),
    Marketplace("A2VIGQ35RCS4UG", "AE", "United Arab Emirates (amazon.ae)", "https://mws.amazonservices.ae"),
    Marketplace("A21TJRUUN4KGV", "IN", "India (amazon.in)", "https://mws.amazonservices.in"),
    Marketplace("A1VC38T7YXB528", "JP", "Japan (amazon.co.jp)", "https://mws.amazonservices.jp"),
    Marketplace("A39IBJ37TRP1C6", "AU", "Australia (amazon.com.au)", "https://mws.amazonservices.com.au"),
    Marketplace("A19VAU5U5O7RUS", "SG", "Singapore (amazon.sg)", "https://mws-fe.amazonservices.com"),
]

MARKETPLACES: dict[str, Marketplace] = {m.id: m for m in _TABLE}


def endpoint_for(marketplace_id: str, endpoint: str | None = None) -> str:
    """The base URL to send requests to: `endpoint` when given, else the marketplace's MWS host.

    An unknown marketplace without an explicit endpoint is a configuration error, reported by field
    name so the designer UI can point at it.
    """
    if endpoint:
        if not endpoint.startswith(("http://", "https://")):
            raise ValueError(f"endpoint: {endpoint!r} must be an http:// or https:// URL")
        return endpoint.rstrip("/")
    market = MARKETPLACES.get(marketplace_id)
    if market is None:
        raise ValueError(
            f"marketplaceId: unknown marketplace {marketplace_id!r} "
            "(use one of the MWS marketplace ids, or set endpoint)"
        )
    return market.endpoint


def marketplace_choices() -> dict[str, str]:
    """id -> display name, the shape a SelectView model returns."""
    return {m.id: m.name for m in _TABLE}
