"""SP-API errors: Amazon's JSON error bodies mapped onto the same exception kinds as MWS.

SP-API refuses with `{"errors": [{"code", "message", "details"}]}` and an HTTP status; Login with Amazon
refuses with `{"error", "error_description"}`. Both become the `amazon_mws.core.errors` kinds (Throttled,
AccessDenied, InvalidParameter, ServerError, TransportError), so the one decision there
(`decide`: wait / retry / refresh / fail) and the one call loop (`core.calls`) serve both backends and the
runtime reports the same error types. Two additions only SP-API needs:

- `TokenRejected`: a 401/403 about the access token (expired, revoked). Its action is REFRESH: the
  connection drops the cached token, fetches a new one and tries once more; a second refusal fails.
- `LwaError`: the token exchange itself refused; `field` names the credential that is wrong
  (`invalid_client` -> lwaClientId / lwaClientSecret, `invalid_grant` -> refreshToken), which is what
  credential verification reports.

Messages never carry secrets: Amazon's text plus the code; request bodies are never echoed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from amazon_mws.core.errors import (
    AccessDenied,
    Action,
    InvalidParameter,
    MwsError,
    NotFound,
    ServerError,
    Throttled,
)


class TokenRejected(AccessDenied):
    """Amazon refused the access token itself (expired, revoked): a fresh one may pass."""

    default_code = "Unauthorized"
    action = Action.REFRESH


class LwaError(AccessDenied):
    """Login with Amazon refused the token exchange; `field` is the credential to fix."""

    default_code = "LwaError"

    def __init__(self, message: str, *, field: str, **kwargs: Any) -> None:
        self.field = field
        super().__init__(message, **kwargs)


# LWA's OAuth error codes -> the credential field that is wrong
LWA_FIELDS = {
    "invalid_client": "lwaClientId",  # unknown client id, or a secret that does not match it
    "unauthorized_client": "lwaClientId",
    "invalid_grant": "refreshToken",  # revoked, expired or for another app
    "invalid_request": "refreshToken",
    "unsupported_grant_type": "lwaTokenUrl",
}


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def request_id_of(headers: Mapping[str, str]) -> str | None:
    for name in ("x-amzn-RequestId", "x-amzn-requestid", "x-amz-request-id"):
        value = headers.get(name)
        if value:
            return value
    return None


def sp_error(status: int, headers: Mapping[str, str], body: bytes) -> MwsError:
    """The exception for a refused SP-API call (first error of the list wins, as Amazon sends one)."""
    data = _json(body)
    first: dict[str, Any] = {}
    if isinstance(data, dict) and isinstance(data.get("errors"), list) and data["errors"]:
        first = data["errors"][0] if isinstance(data["errors"][0], dict) else {}
    code = str(first.get("code") or "")
    message = str(first.get("message") or f"HTTP {status}")
    details = str(first.get("details") or "")
    if details:
        message = f"{message} {details}"
    request_id = request_id_of(headers)

    def refusal(kind: type[MwsError], default_code: str | None = None) -> MwsError:
        return kind(message, code=code or default_code, request_id=request_id, http_status=status)

    if status == 429 or code == "QuotaExceeded":
        return refusal(Throttled, "QuotaExceeded")
    if status in (401, 403):
        if code in ("Unauthorized", "InvalidAccessToken", "") and "token" in message.lower():
            return refusal(TokenRejected)
        return refusal(AccessDenied, "Unauthorized")
    if status == 404:
        return refusal(NotFound)
    if status >= 500:
        return refusal(ServerError, "InternalFailure")
    if 400 <= status < 500:
        return refusal(InvalidParameter, "InvalidInput")
    return refusal(MwsError)


def lwa_error(status: int, body: bytes) -> MwsError:
    """The exception for a refused token exchange; 5xx is a server error (retried), not a credential."""
    data = _json(body)
    data = data if isinstance(data, dict) else {}
    code = str(data.get("error") or "")
    description = str(data.get("error_description") or f"HTTP {status}")
    if status >= 500 or status == 429:
        return ServerError(f"Login with Amazon: {description}", code=code or "LwaUnavailable", http_status=status)
    field = LWA_FIELDS.get(code, "lwaClientId")
    hint = {
        "lwaClientId": "check lwaClientId and lwaClientSecret",
        "refreshToken": "check refreshToken (revoked, expired, or issued to another app)",
        "lwaTokenUrl": "check lwaTokenUrl",
    }[field]
    return LwaError(f"{field}: Login with Amazon refused it ({code or status}: {description}); {hint}",
                    field=field, code=code or "LwaError", http_status=status)
