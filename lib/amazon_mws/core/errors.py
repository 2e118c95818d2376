"""MWS errors: a small set of exception kinds and the one table that decides what to do with each.

Every reply Amazon refuses arrives as an `ErrorResponse` (request id spelled `RequestId` or
`RequestID` depending on the section); connection failures, timeouts and unreadable replies never
reach XML at all. Both become an `MwsError` subclass carrying what support asks for (code, message,
request id, timestamp, HTTP status), and `decide()` maps it to one action, the way the best connector
SDKs keep a single error table instead of retry logic scattered through the code:

- WAIT: Amazon said "not now" (RequestThrottled: wait one restore interval of the operation's bucket;
  QuotaExceeded: wait until `x-mws-quota-resetsOn`). Waiting is not a failure and has no retry cap
  of its own beyond the connection's wait limit.
- RETRY: a transient failure (500/503 that is not throttling, InternalError, a cut connection, a
  malformed reply): back off 1 s, 4 s, 10 s, 30 s (Amazon's advice), at most 4 retries, all scaled by
  AMAZON_MWS_TIME_SCALE.
- FAIL: anything the same request cannot fix (bad credentials, bad parameters, signature mismatch,
  a feed result not ready yet — the caller polls on its own schedule).

Messages never carry secrets: they are Amazon's text plus the code, and Amazon echoes back at most
the access key id (public) and query strings that the connection never fills with the secret.
"""

from __future__ import annotations

import email.utils
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from lxml import etree

from amazon_mws.core.xml import XmlError, local_name, parse_xml


class CredentialsRejected(ValueError):
    """Verification found a wrong credential; the message starts with its field name (`secretKey: ...`)."""


class MwsError(Exception):
    """Base of every MWS failure; `str()` is safe to show and log."""

    default_code = "MwsError"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        request_id: str | None = None,
        timestamp: str | None = None,
        http_status: int | None = None,
        resets_on: datetime | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = message
        self.request_id = request_id
        self.timestamp = timestamp
        self.http_status = http_status
        self.resets_on = resets_on
        super().__init__(self.__str__())

    def __str__(self) -> str:
        extra = [f"HTTP {self.http_status}"] if self.http_status else []
        if self.request_id:
            extra.append(f"request id {self.request_id}")
        return f"{self.code}: {self.message}" + (f" ({', '.join(extra)})" if extra else "")

    def to_dict(self) -> dict[str, object]:
        return {
            "type": type(self).__name__,
            "code": self.code,
            "message": self.message,
            "requestId": self.request_id,
            "timestamp": self.timestamp,
            "httpStatus": self.http_status,
        }


class Throttled(MwsError):
    default_code = "RequestThrottled"


class QuotaExceeded(MwsError):
    default_code = "QuotaExceeded"


class AccessDenied(MwsError):
    default_code = "AccessDenied"


class InvalidParameter(MwsError):
    default_code = "InvalidParameterValue"


class SignatureMismatch(MwsError):
    default_code = "SignatureDoesNotMatch"


class NotReady(MwsError):
    default_code = "FeedProcessingResultNotReady"


class ServerError(MwsError):
    default_code = "InternalError"


class TransportError(MwsError):
    """The reply never arrived or could not be read (connection refused or cut, timeout, bad XML,
    a body whose Content-MD5 does not match)."""

    default_code = "TransportError"


class PagingLoop(MwsError):
    """Amazon handed back a NextToken already followed: walking on would never end."""

    default_code = "NextTokenLoop"


class Action(enum.Enum):
    WAIT = "wait"
    RETRY = "retry"
    FAIL = "fail"


# Amazon error code -> (exception kind, action). Codes not listed fall back on the HTTP status.
ERROR_TABLE: dict[str, tuple[type[MwsError], Action]] = {
    "RequestThrottled": (Throttled, Action.WAIT),
    "QuotaExceeded": (QuotaExceeded, Action.WAIT),
    "AccessDenied": (AccessDenied, Action.FAIL),
    "InvalidAccessKeyId": (AccessDenied, Action.FAIL),
    "InvalidClientTokenId": (AccessDenied, Action.FAIL),
    "AccessToFeedProcessingResultDenied": (AccessDenied, Action.FAIL),
    "SignatureDoesNotMatch": (SignatureMismatch, Action.FAIL),
    "InvalidParameterValue": (InvalidParameter, Action.FAIL),
    "MissingParameter": (InvalidParameter, Action.FAIL),
    "NextTokenCorrupted": (InvalidParameter, Action.FAIL),
    "InvalidAddress": (InvalidParameter, Action.FAIL),
    "InvalidRequest": (InvalidParameter, Action.FAIL),
    "InvalidFeedSubmissionId": (InvalidParameter, Action.FAIL),
    "InvalidFeedType": (InvalidParameter, Action.FAIL),
    "InputDataError": (InvalidParameter, Action.FAIL),
    "ContentMD5Missing": (InvalidParameter, Action.FAIL),
    "ContentMD5DoesNotMatch": (InvalidParameter, Action.FAIL),
    "UserAgentHeaderMalformed": (InvalidParameter, Action.FAIL),
    "FeedCanceled": (InvalidParameter, Action.FAIL),
    "FeedProcessingResultNoLongerAvailable": (InvalidParameter, Action.FAIL),
    "FeedProcessingResultNotReady": (NotReady, Action.FAIL),
    "InternalError": (ServerError, Action.RETRY),
    "ServiceUnavailable": (ServerError, Action.RETRY),
    "InputStreamDisconnected": (ServerError, Action.RETRY),
}

KIND_ACTION: dict[type[MwsError], Action] = {
    Throttled: Action.WAIT,
    QuotaExceeded: Action.WAIT,
    ServerError: Action.RETRY,
    TransportError: Action.RETRY,
}

BACKOFF_SECONDS = (1.0, 4.0, 10.0, 30.0)  # Amazon's advice; its length is the retry cap
MAX_RETRIES = len(BACKOFF_SECONDS)


@dataclass(frozen=True)
class Decision:
    action: Action
    delay: float = 0.0  # seconds to sleep before the next attempt (WAIT and RETRY)


def decide(
    error: MwsError,
    *,
    retries_done: int,
    restore_seconds: float,
    time_scale: float = 1.0,
    now: datetime | None = None,
) -> Decision:
    """What to do after `error`, given how many retries were already spent on this request.

    `restore_seconds` is the (already scaled) restore interval of the operation's bucket.
    """
    action = action_for(error)
    if action is Action.WAIT:
        if isinstance(error, QuotaExceeded):
            return Decision(Action.WAIT, _until(error.resets_on, now, fallback=restore_seconds))
        return Decision(Action.WAIT, restore_seconds)
    if action is Action.RETRY:
        if retries_done >= MAX_RETRIES:
            return Decision(Action.FAIL)
        return Decision(Action.RETRY, BACKOFF_SECONDS[retries_done] * time_scale)
    return Decision(Action.FAIL)


def action_for(error: MwsError) -> Action:
    entry = ERROR_TABLE.get(error.code)
    if entry is not None:
        return entry[1]
    for kind, action in KIND_ACTION.items():
        if isinstance(error, kind):
            return action
    return Action.FAIL


def _until(when: datetime | None, now: datetime | None, *, fallback: float) -> float:
    if when is None:
        return fallback
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


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
    entry = ERROR_TABLE.get(code)
    if entry is not None:
        kind = entry[0]
    elif http_status is not None and http_status >= 500:
        kind = ServerError
    elif http_status in (401, 403):
        kind = AccessDenied
    elif http_status == 400:
        kind = InvalidParameter
    else:
        kind = MwsError
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
