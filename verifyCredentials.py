"""Credentials of the Amazon MWS component: verification and the marketplace select.

Named by component.json's top-level ``"verifier"`` (default ``./verifyCredentials.py``) and loaded by the
runtime by file path. Imports are lazy so that loading the manifest (every CLI call) does not pay for the
backend clients.
"""

from __future__ import annotations

from typing import Any


def verify(cfg: dict[str, Any]) -> None:
    """Raise when Amazon refuses the credentials, naming the one that is wrong (each backend's own
    check: `amazon_mws.mws.verify`, `amazon_mws.spapi.verify`)."""
    from amazon_mws.backends import verify_credentials

    verify_credentials(cfg)


def check(cfg: dict[str, Any]) -> list[str]:
    """Every problem of the credentials that can be seen without asking Amazon, one line each naming the
    key (the runtime asks before a step runs, with the config's other problems)."""
    from amazon_mws.backends import credential_problems

    return credential_problems(cfg)


def marketplaces(cfg: dict[str, Any]) -> dict[str, str]:
    """``{marketplaceId: "Country (domain)"}`` for the Marketplace select, from the endpoints table."""
    from amazon_mws.core.marketplaces import MARKETPLACES

    return {mid: market.name for mid, market in MARKETPLACES.items()}
