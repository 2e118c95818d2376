"""Credentials of the Amazon MWS component: verification and the marketplace select.

Named by component.json's top-level ``"verifier"`` (default ``./verifyCredentials.py``) and loaded by the
runtime by file path. Imports are lazy so that loading the manifest (every CLI call) does not pay for the
MWS client.
"""

from __future__ import annotations

from typing import Any


def verify(cfg: dict[str, Any]) -> None:
    """Raise when Amazon refuses the credentials, naming the one that is wrong.

    MWS: GetServiceStatus, the cheapest signed call there is. SP-API: see `amazon_mws.spapi.verify`.
    """
    from amazon_mws.backends import SP_API, backend_of

    if backend_of(cfg) == SP_API:
        from amazon_mws.spapi.verify import verify_sp_api

        verify_sp_api(cfg)
        return
    from amazon_mws.core.errors import CredentialsRejected, MwsError
    from amazon_mws.mws.connection import MwsConnection
    from amazon_mws.mws.credentials import Credentials
    from amazon_mws.mws.orders import OrdersApi

    try:
        OrdersApi(MwsConnection(Credentials.from_config(cfg), sample=True)).get_service_status()
    except MwsError as exc:
        field = _mws_field_at_fault(exc)
        if field is None:
            raise
        raise CredentialsRejected(f"{field}: Amazon refused it ({exc.code}: {exc.message})") from None


# Amazon's error code (and, for AccessDenied, the words of its message) -> the credential at fault
_MWS_FIELDS = {"SignatureDoesNotMatch": "secretKey", "InvalidAccessKeyId": "accessKeyId"}


def _mws_field_at_fault(exc) -> str | None:
    if exc.code in _MWS_FIELDS:
        return _MWS_FIELDS[exc.code]
    text = (exc.message or "").lower()
    if exc.code == "AccessDenied":
        return "mwsAuthToken" if "mwsauthtoken" in text else "sellerId"
    if exc.code == "InvalidParameterValue" and "marketplace" in text:
        return "marketplaceId"
    return None


def marketplaces(cfg: dict[str, Any]) -> dict[str, str]:
    """``{marketplaceId: "Country (domain)"}`` for the Marketplace select, from the endpoints table."""
    from amazon_mws.core.marketplaces import MARKETPLACES

    return {mid: market.name for mid, market in MARKETPLACES.items()}
