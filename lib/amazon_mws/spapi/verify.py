"""Credential verification for SP-API: each step proves one credential, so a failure names the wrong one.

1. The Login with Amazon exchange proves lwaClientId + lwaClientSecret (`invalid_client`) and refreshToken
   (`invalid_grant`), and lwaTokenUrl (a URL that does not answer like LWA).
2. getMarketplaceParticipations proves the endpoint (a region the partner is not in refuses the token) and
   says whether the configured marketplaceId is one the seller sells in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from amazon_mws.core.errors import AccessDenied, CredentialsRejected, MwsError, NotFound, TransportError
from amazon_mws.core.marketplaces import not_sold_in
from amazon_mws.spapi.connection import SpConnection
from amazon_mws.spapi.credentials import SpCredentials
from amazon_mws.spapi.errors import LwaError
from amazon_mws.spapi.orders import SpOrdersApi


def verify_sp_api(cfg: Mapping[str, Any], *, connection: SpConnection | None = None) -> None:
    creds = SpCredentials.from_config(cfg)  # missing or malformed fields, by name
    conn = connection or SpConnection(creds, sample=True)
    try:
        conn.tokens.get()
    except LwaError as exc:  # its message starts with the credential's name, as CredentialsRejected's must
        raise CredentialsRejected(exc.message) from None
    except TransportError as exc:
        raise CredentialsRejected(f"lwaTokenUrl: Login with Amazon did not answer ({exc.message})") from None
    except MwsError as exc:
        raise CredentialsRejected(f"lwaTokenUrl: not a Login with Amazon token endpoint ({exc})") from None
    try:
        markets = SpOrdersApi(conn, restricted_data=False).marketplace_participations()
    except (AccessDenied, NotFound) as exc:
        raise CredentialsRejected(
            f"endpoint: {creds.base_url()} refused this seller's token ({exc.code}); is it the seller's region?"
        ) from None
    except TransportError as exc:
        raise CredentialsRejected(f"endpoint: {creds.base_url()} did not answer ({exc.message})") from None
    ids = [str((m.get("marketplace") or {}).get("id")) for m in markets]
    if creds.marketplace_id not in ids:
        raise CredentialsRejected(not_sold_in(creds.marketplace_id, ids))

