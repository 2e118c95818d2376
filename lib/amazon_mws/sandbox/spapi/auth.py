"""Login with Amazon and the Tokens API, as the sandbox plays them.

`POST /auth/o2/token` exchanges the refresh token for an access token that lives `token_seconds` on the
sandbox clock (an hour, as Amazon's), refusing a wrong client id or secret (`invalid_client`, 401) and a
wrong refresh token (`invalid_grant`, 400) the way LWA does. `createRestrictedDataToken` issues RDTs
bound to (method, path, dataElements); a path may be generic (`/orders/v0/orders/{orderId}`). Every SP-API
call then presents one of these in `x-amz-access-token`; expired, unknown or misused tokens get Amazon's
403 `Unauthorized`. `expire_all()` is the test hook that makes every issued token stale at once.

The website authorization workflow is played too (see `consent.py` for Seller Central's page): consenting
issues an `spapi_oauth_code` that LWA exchanges (`grant_type=authorization_code`) for the refresh token.
As Amazon's, the code is good for one exchange within five minutes, and only with the `redirect_uri` it
was sent to and the app's client id and secret.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ACCESS_DENIED = "Access to requested resource is denied."
OAUTH_CODE_SECONDS = 300.0  # Amazon: the spapi_oauth_code expires after five minutes
DATA_ELEMENTS = ("buyerInfo", "shippingAddress", "buyerTaxInformation")


class SpRefusal(Exception):
    """An SP-API error reply: HTTP status and Amazon's `{"errors": [...]}` body."""

    def __init__(self, status: int, code: str, message: str, details: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message, self.details = status, code, message, details

    def body(self) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"errors": [error]}


class LwaRefusal(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status, self.error, self.description = status, error, description


def default_sp_credentials() -> dict[str, str]:
    return {
        "lwaClientId": "amzn1.application-oa2-client." + secrets.token_hex(16),
        "lwaClientSecret": "amzn1.oa2-cs.v1." + secrets.token_hex(32),
        "refreshToken": "Atzr|" + secrets.token_urlsafe(48),
    }


@dataclass(frozen=True)
class OAuthCode:
    redirect_uri: str
    expires_at: float


@dataclass(frozen=True)
class Grant:
    expires_at: float
    resources: tuple[tuple[str, re.Pattern[str], frozenset[str]], ...] = ()  # RDT: method, path, elements

    @property
    def restricted(self) -> bool:
        return bool(self.resources)


def _path_pattern(path: str) -> re.Pattern[str]:
    """`/orders/v0/orders/{orderId}` matches any one order id in that place."""
    parts = [r"[^/]+" if re.fullmatch(r"\{[A-Za-z]+\}", p) else re.escape(p) for p in path.split("/")]
    return re.compile("^" + "/".join(parts) + "$")


class SpAuth:
    def __init__(self, creds: Mapping[str, str], clock: Callable[[], float], token_seconds: float = 3600.0) -> None:
        self.creds = dict(creds)
        self.clock = clock
        self.token_seconds = token_seconds
        self._grants: dict[str, Grant] = {}
        self._codes: dict[str, OAuthCode] = {}
        self._lock = threading.Lock()
        self.exchanges = 0
        self.application_id = "amzn1.sp.solution." + secrets.token_hex(16)  # the app sellers consent to

    # -- LWA ------------------------------------------------------------------------------------------

    def exchange(self, form: Mapping[str, str]) -> dict[str, Any]:
        grant_type = form.get("grant_type")
        if grant_type not in ("refresh_token", "authorization_code"):
            raise LwaRefusal(400, "unsupported_grant_type", f"The grant type {grant_type!r} is not supported.")
        if form.get("client_id") != self.creds["lwaClientId"] or form.get("client_secret") != self.creds[
            "lwaClientSecret"
        ]:
            raise LwaRefusal(401, "invalid_client", "Client authentication failed")
        if grant_type == "authorization_code":
            self._redeem(form.get("code") or "", form.get("redirect_uri") or "")
        elif form.get("refresh_token") != self.creds["refreshToken"]:
            raise LwaRefusal(400, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
        token = "Atza|" + secrets.token_urlsafe(64)
        with self._lock:
            self._grants[token] = Grant(self.clock() + self.token_seconds)
            self.exchanges += 1
        return {
            "access_token": token,
            "refresh_token": self.creds["refreshToken"],
            "token_type": "bearer",
            "expires_in": int(self.token_seconds),
        }

    # -- website authorization ----------------------------------------------------------------------------

    def issue_code(self, redirect_uri: str) -> str:
        """The seller consented: an `spapi_oauth_code` for this redirect URI."""
        code = "ANSA" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = OAuthCode(redirect_uri, self.clock() + OAUTH_CODE_SECONDS)
        return code

    def _redeem(self, code: str, redirect_uri: str) -> None:
        with self._lock:
            issued = self._codes.pop(code, None)  # one exchange per code, whatever its outcome
        if issued is None or issued.expires_at <= self.clock():
            raise LwaRefusal(400, "invalid_grant", "The authorization code is invalid or has expired.")
        if issued.redirect_uri != redirect_uri:
            raise LwaRefusal(400, "invalid_grant", "The redirect_uri does not match the authorization request.")

    # -- RDT ------------------------------------------------------------------------------------------

    def restricted_token(self, body: Any) -> dict[str, Any]:
        resources = body.get("restrictedResources") if isinstance(body, dict) else None
        if not isinstance(resources, list) or not resources:
            raise SpRefusal(400, "InvalidInput", "restrictedResources is required and must be a non-empty list.")
        granted = []
        for n, res in enumerate(resources):
            if not isinstance(res, dict):
                raise SpRefusal(400, "InvalidInput", f"restrictedResources[{n}] must be an object.")
            method, path = res.get("method"), res.get("path")
            elements = res.get("dataElements") or []
            if method not in ("GET", "PUT", "POST", "DELETE"):
                raise SpRefusal(400, "InvalidInput", f"restrictedResources[{n}].method {method!r} is not valid.")
            if not isinstance(path, str) or not path.startswith("/orders/v0/orders"):
                raise SpRefusal(400, "InvalidInput",
                                f"restrictedResources[{n}].path {path!r} is not a restricted operation.")
            bad = [e for e in elements if e not in DATA_ELEMENTS]
            if bad or not isinstance(elements, list):
                raise SpRefusal(400, "InvalidInput", f"restrictedResources[{n}].dataElements: {bad} not valid.")
            granted.append((method, _path_pattern(path), frozenset(elements)))
        token = "Atz.sprdt|" + secrets.token_urlsafe(64)
        with self._lock:
            self._grants[token] = Grant(self.clock() + 3600.0, tuple(granted))
        return {"restrictedDataToken": token, "expiresIn": 3600}

    # -- checking a call ------------------------------------------------------------------------------

    def check(self, token: str | None, method: str, path: str) -> frozenset[str]:
        """The data elements this call may see (empty: none restricted); refusals as Amazon's 403."""
        if not token:
            raise SpRefusal(403, "Unauthorized", ACCESS_DENIED, "The request is missing x-amz-access-token.")
        with self._lock:
            grant = self._grants.get(token)
        if grant is None:
            raise SpRefusal(403, "Unauthorized", ACCESS_DENIED,
                            "The access token you provided is revoked, malformed or invalid.")
        if grant.expires_at <= self.clock():
            raise SpRefusal(403, "Unauthorized", ACCESS_DENIED, "The access token you provided has expired.")
        if not grant.restricted:
            return frozenset()
        for g_method, pattern, elements in grant.resources:
            if g_method == method and pattern.match(path):
                return elements
        raise SpRefusal(403, "Unauthorized", ACCESS_DENIED,
                        "The Restricted Data Token you provided is not valid for this resource.")

    def expire_all(self) -> None:
        with self._lock:
            self._grants = {t: Grant(0.0, g.resources) for t, g in self._grants.items()}
