"""Credential verification for MWS: one ListMarketplaceParticipations (Sellers 2011-07-01), a signed call
that proves the keys, the seller and the auth token, and says whether the configured marketplaceId is one
the seller sells in (as SP-API's verify asks getMarketplaceParticipations). Amazon's refusal is turned into
the credential at fault (`secretKey: ...`), which is what the designer shows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from amazon_mws.core.errors import CredentialsRejected, MwsError
from amazon_mws.core.marketplaces import not_sold_in
from amazon_mws.mws.connection import MwsConnection
from amazon_mws.mws.credentials import Credentials
from amazon_mws.mws.sellers import SellersApi

# Amazon's error code (and, for AccessDenied, the words of its message) -> the credential at fault
_MWS_FIELDS = {"SignatureDoesNotMatch": "secretKey", "InvalidAccessKeyId": "accessKeyId"}


def verify_mws(cfg: Mapping[str, Any]) -> None:
    creds = Credentials.from_config(dict(cfg))
    try:
        sold_in = SellersApi(MwsConnection(creds, sample=True)).marketplace_participations()
    except MwsError as exc:
        field = _field_at_fault(exc)
        if field is None:
            raise
        raise CredentialsRejected(f"{field}: Amazon refused it ({exc.code}: {exc.message})") from None
    if creds.marketplace_id not in sold_in:
        raise CredentialsRejected(not_sold_in(creds.marketplace_id, sold_in))


def _field_at_fault(exc: MwsError) -> str | None:
    if exc.code in _MWS_FIELDS:
        return _MWS_FIELDS[exc.code]
    text = (exc.message or "").lower()
    if exc.code == "AccessDenied":
        return "mwsAuthToken" if "mwsauthtoken" in text else "sellerId"
    if exc.code == "InvalidParameterValue" and "marketplace" in text:
        return "marketplaceId"
    return None
