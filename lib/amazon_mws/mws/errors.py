"""MWS refusals: an `ErrorResponse` (or a bare HTTP status) turned into one of core's error kinds.

Every reply MWS refuses arrives as an `ErrorResponse` (request id spelled `RequestId` or `RequestID`
depending on the section). Its code picks the kind (`KIND_OF_CODE`); codes not listed fall back on the
HTTP status. What the kind then means for the call (wait, retry, fail) is core's business (core/errors.py).

Two MWS habits are handled here: Amazon echoes the rejected query string in some messages (the
signature and the MWSAuthToken are masked before the message goes anywhere), and its words for a skewed
clock name the Timestamp, not the cause (a plain hint is added).
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping
from datetime import datetime, timezone

from lxml import etree

from amazon_mws.core.errors import (
    AccessDenied,
    InvalidParameter,
    MwsError,
    NotReady,
    QuotaExceeded,
    ServerError,
    SignatureMismatch,
    Throttled,
)
from amazon_mws.core.xml import XmlError, local_name, parse_xml

# Amazon MWS error code -> the kind it is raised as
KIND_OF_CODE: dict[str, type[MwsError]] = {
    "RequestThrottled": Throttled,
    "QuotaExceeded": QuotaExceeded,
    "AccessDenied": AccessDenied,
    "InvalidAccessKeyId": AccessDenied,
    "InvalidClientTokenId": AccessDenied,
    "AccessToFeedProcessingResultDenied": AccessDenied,
    "SignatureDoesNotMatch": SignatureMismatch,
    "InvalidParameterValue": InvalidParameter,
    "MissingParameter": InvalidParameter,
    "NextTokenCorrupted": InvalidParameter,
    "InvalidAddress": InvalidParameter,
    "InvalidRequest": InvalidParameter,
    "InvalidFeedSubmissionId": InvalidParameter,
    "InvalidFeedType": InvalidParameter,
    "InputDataError": InvalidParameter,
    "ContentMD5Missing": InvalidParameter,
    "ContentMD5DoesNotMatch": InvalidParameter,
    "UserAgentHeaderMalformed": InvalidParameter,
    "FeedCanceled": InvalidParameter,
    "FeedProcessingResultNoLongerAvailable": InvalidParameter,
    "FeedProcessingResultNotReady": NotReady,
    "InternalError": ServerError,
    "ServiceUnavailable": ServerError,
    "InputStreamDisconnected": ServerError,
}


def parse_http_date(value: str | None) -> datetime | None:
    """`x-mws-quota-resetsOn`: RFC 1123 per the docs, ISO 8601 in real captures; accept both."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


# Amazon echoes the rejected query string in some messages (see the InvalidParameterValue sample):
# the signature and the MWSAuthToken in it must not travel on into logs and error events.
_ECHOED_SECRETS = re.compile(r"(Signature|MWSAuthToken)=[^&\s]*")


def redact(message: str) -> str:
    return _ECHOED_SECRETS.sub(r"\1=***", message)


_RESET_IN_MESSAGE = re.compile(r"reset on (\w{3} \w{3} +\d+ \d\d:\d\d:\d\d) UTC (\d{4})")


def _reset_from_message(message: str) -> datetime | None:
    """Older QuotaExceeded replies carry the reset time only in the text ("... reset on Thu Oct 24
    00:42:00 UTC 2013"); used only when the header is missing (once per error, not per element)."""
    m = _RESET_IN_MESSAGE.search(message)
    if not m:
        return None
    try:
        return datetime.strptime(f"{m.group(1)} {m.group(2)}", "%a %b %d %H:%M:%S %Y").replace(
            tzinfo=timezone.utc
        )
    except ValueError:
        return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for k, v in headers.items():
            if k.lower() == lowered:
                return v
    return value


def error_from_element(
    root: etree._Element, *, http_status: int | None, headers: Mapping[str, str] | None = None
) -> MwsError:
    """Turn a parsed `ErrorResponse` into its exception (the first Error wins, as Amazon sends one)."""
    headers = headers or {}
    code = message = request_id = None
    for c in root:
        name = local_name(c.tag)
        if name == "Error" and code is None:
            for f in c:
                fname = local_name(f.tag)
                if fname == "Code":
                    code = (f.text or "").strip()
                elif fname == "Message":
                    message = (f.text or "").strip()
        elif name in ("RequestId", "RequestID"):
            request_id = (c.text or "").strip()
        elif name == "ResponseMetadata":
            for f in c:
                if local_name(f.tag) in ("RequestId", "RequestID"):
                    request_id = (f.text or "").strip()
    request_id = request_id or _header(headers, "x-mws-request-id")
    return make_error(
        code or "", message or "", http_status=http_status, request_id=request_id, headers=headers
    )


def _kind_of(code: str, http_status: int | None) -> type[MwsError]:
    kind = KIND_OF_CODE.get(code)
    if kind is not None:
        return kind
    if http_status is not None and http_status >= 500:
        return ServerError
    if http_status in (401, 403):
        return AccessDenied
    if http_status == 400:
        return InvalidParameter
    return MwsError


def make_error(
    code: str,
    message: str,
    *,
    http_status: int | None,
    request_id: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> MwsError:
    """The exception for an Amazon error code, falling back on the HTTP status for unknown codes."""
    headers = headers or {}
    kind = _kind_of(code, http_status)
    resets_on = None
    if kind is QuotaExceeded:
        resets_on = parse_http_date(_header(headers, "x-mws-quota-resetsOn")) or _reset_from_message(message)
    return kind(
        _clock_hint(code, redact(message)) or f"HTTP {http_status}",
        code=code or None,
        request_id=request_id or _header(headers, "x-mws-request-id"),
        timestamp=_header(headers, "x-mws-timestamp"),
        http_status=http_status,
        resets_on=resets_on,
    )


def error_from_reply(status: int, headers: Mapping[str, str], body: bytes) -> MwsError:
    """Classify a non-200 reply; a body that is not an ErrorResponse is classified by status alone."""
    try:
        root = parse_xml(body)
    except XmlError:
        root = None
    if root is not None and local_name(root.tag) == "ErrorResponse":
        return error_from_element(root, http_status=status, headers=headers)
    return make_error("", f"HTTP {status} without an ErrorResponse body", http_status=status, headers=headers)


_CLOCK = (
    " Your computer's clock is probably off by more than 15 minutes: Amazon refuses a request whose"
    " Timestamp is that far from its own time. Set the clock right (NTP) and run again."
)


def _clock_hint(code: str, message: str) -> str:
    """Amazon's words for a skewed clock name the Timestamp, not the cause; say it plainly."""
    skewed = code == "InvalidParameterValue" and "Timestamp" in message and "minutes" in message
    if code == "RequestExpired" or skewed:
        return message + _CLOCK
    return message
