"""The Sellers 2011-07-01 section: which marketplaces the seller sells in (ListMarketplaceParticipations).

Asked by `verify` (mws/verify.py) so a config naming a marketplace the seller is not in is refused there,
naming `marketplaceId`, rather than by the first ListOrders. Every page is read (ByNextToken shares the
quota: 15, then one a minute), through core.paging's walker.
"""

from __future__ import annotations

from dataclasses import dataclass

from amazon_mws.core.errors import TransportError
from amazon_mws.core.paging import walk_pages
from amazon_mws.core.xml import child, local_name, text_of
from amazon_mws.mws.connection import MwsConnection, MwsResponse

ACTION = "ListMarketplaceParticipations"


@dataclass(frozen=True)
class ParticipationsPage:
    marketplace_ids: list[str]
    next_token: str | None


class SellersApi:
    section = "Sellers"

    def __init__(self, conn: MwsConnection) -> None:
        self.conn = conn

    def marketplace_participations(self) -> list[str]:
        """The ids of the marketplaces the seller participates in, in Amazon's order."""
        pages = walk_pages(lambda: self._page(ACTION, {}),
                           lambda token: self._page(f"{ACTION}ByNextToken", {"NextToken": token}), what=ACTION)
        return [mid for page in pages for mid in page.marketplace_ids]

    def _page(self, action: str, params: dict[str, str]) -> ParticipationsPage:
        return _participations(self.conn.call(self.section, action, params), action)


def _participations(resp: MwsResponse, action: str) -> ParticipationsPage:
    result = child(resp.root, f"{action}Result")
    if result is None:  # not an empty list: "sells nowhere" would blame the marketplaceId
        raise TransportError(f"{action}: reply has no {action}Result element", request_id=resp.request_id,
                             http_status=resp.status)
    wrapper = child(result, "ListParticipations")
    ids = [text_of(p, "MarketplaceId") or "" for p in (wrapper if wrapper is not None else [])
           if local_name(p.tag) == "Participation"]
    return ParticipationsPage([mid for mid in ids if mid], text_of(result, "NextToken") or None)
