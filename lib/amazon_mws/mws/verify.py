"""Credential verification for MWS: GetServiceStatus, the cheapest signed call there is, and Amazon's
refusal turned into the credential at fault (`secretKey: ...`), which is what the designer shows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from amazon_mws.core.errors import CredentialsRejected, MwsError
from amazon_mws.mws.connection import MwsConnection
from amazon_mws.mws.credentials import Credentials
from amazon_mws.mws.orders import OrdersApi

# Amazon's error code (and, for AccessDenied, the words of its message) -> the credential at fault
_MWS_FIELDS = {"SignatureDoesNotMatch": "secretKey", "InvalidAccessKeyId": "accessKeyId"}


def verify_mws(cfg: Mapping[str, Any]) -> None:
    try:
        OrdersApi(MwsConnection(Credentials.from_config(dict(cfg)), sample=True)).get_service_status()
    except MwsError as exc:
        field = _field_at_fault(exc)
        if field is None:
            raise
        raise CredentialsRejected(f"{field}: Amazon refused it ({exc.code}: {exc.message})") from None


def _field_at_fault(exc: MwsError) -> str | None:
    if exc.code in _MWS_FIELDS:
        return _MWS_FIELDS[exc.code]
    text = (exc.message or "").lower()
    if exc.code == "AccessDenied":
        return "mwsAuthToken" if "mwsauthtoken" in text else "sellerId"
    if exc.code == "InvalidParameterValue" and "marketplace" in text:
        return "marketplaceId"
    return None
