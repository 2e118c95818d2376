"""Amazon's marketplaces: id, country, display name and the region that serves it.

Both backends pick their host from the marketplace a seller configures: SP-API has one host per region
(na, eu, fe; spapi/credentials.py), MWS one per region with a few countries of their own
(mws/credentials.py, Amazon's `DG_Endpoints`, ../shared/amazon/mws-signing-and-vectors.md §1.5).
Keyed by marketplace id because that is what credentials and requests carry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Marketplace:
    id: str
    country_code: str
    name: str
    region: str  # na, eu or fe: SP-API's regions, which MWS's hosts follow too


_TABLE: list[Marketplace] = [
    Marketplace("ATVPDKIKX0DER", "US", "United States (amazon.com)", "na"),
    Marketplace("A2Q3Y263D00KWC", "BR", "Brazil (amazon.com.br)", "na"),
    Marketplace("A2EUQ1WTGCTBG2", "CA", "Canada (amazon.ca)", "na"),
    Marketplace("A1AM78C64UM0Y8", "MX", "Mexico (amazon.com.mx)", "na"),
    Marketplace("A1PA6795UKMFR9", "DE", "Germany (amazon.de)", "eu"),
    Marketplace("A1RKKUPIHCS9HS", "ES", "Spain (amazon.es)", "eu"),
    Marketplace("A13V1IB3VIYZZH", "FR", "France (amazon.fr)", "eu"),
    Marketplace("A1F83G8C2ARO7P", "GB", "United Kingdom (amazon.co.uk)", "eu"),
    Marketplace("APJ6JRA9NG5V4", "IT", "Italy (amazon.it)", "eu"),
    Marketplace("A1805IZSGTT6HS", "NL", "Netherlands (amazon.nl)", "eu"),
    Marketplace("A2NODRKZP88ZB9", "SE", "Sweden (amazon.se)", "eu"),
    Marketplace("A1C3SOZRARQ6R3", "PL", "Poland (amazon.pl)", "eu"),
    Marketplace("AMEN7PMS3EDWL", "BE", "Belgium (amazon.com.be)", "eu"),
    Marketplace("A33AVAJ2PDY3EV", "TR", "Turkey (amazon.com.tr)", "eu"),
    Marketplace("A17E79C6D8DWNP", "SA", "Saudi Arabia (amazon.sa)", "eu"),
    Marketplace("ARBP9OOSHTCHU", "EG", "Egypt (amazon.eg)", "eu"),
    Marketplace("A2VIGQ35RCS4UG", "AE", "United Arab Emirates (amazon.ae)", "eu"),
    Marketplace("A21TJRUUN4KGV", "IN", "India (amazon.in)", "eu"),
    Marketplace("A1VC38T7YXB528", "JP", "Japan (amazon.co.jp)", "fe"),
    Marketplace("A39IBJ37TRP1C6", "AU", "Australia (amazon.com.au)", "fe"),
    Marketplace("A19VAU5U5O7RUS", "SG", "Singapore (amazon.sg)", "fe"),
]

MARKETPLACES: dict[str, Marketplace] = {m.id: m for m in _TABLE}


def marketplace_choices() -> dict[str, str]:
    """id -> display name, the shape a SelectView model returns."""
    return {m.id: m.name for m in _TABLE}


def marketplace_of(marketplace_id: str, *, hint: str) -> Marketplace:
    """The marketplace with this id; an unknown one is a configuration error naming the field (`hint`
    says what to use instead), so the designer UI can point at it."""
    market = MARKETPLACES.get(marketplace_id)
    if market is None:
        raise ValueError(f"marketplaceId: unknown marketplace {marketplace_id!r} ({hint})")
    return market


def region_of(marketplace_id: str) -> str | None:
    """The SP-API region ("na", "eu", "fe") that serves a marketplace; None for an unknown id. One selling
    partner's call reaches only its region's marketplaces."""
    market = MARKETPLACES.get(marketplace_id)
    return market.region if market else None


def not_sold_in(marketplace_id: str, sold_in: list[str]) -> str:
    """What both backends' verify say when the seller does not participate in the configured marketplace."""
    return f"marketplaceId: the seller does not sell in {marketplace_id} (sells in: {', '.join(sold_in) or 'none'})"
