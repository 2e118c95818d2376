"""The error kinds both backends raise, each carrying its action, and the one decision (`decide`).

MWS refuses with an `ErrorResponse` (mws/errors.py reads it), SP-API with a JSON error list
(spapi/errors.py); connection failures, timeouts and unreadable replies never reach either parser.
All of them become one of the kinds below, carrying what support asks for (code, message, request id,
timestamp, HTTP status). A kind says what the call loop (calls.py) does with it, the way the best
connector SDKs keep a single table instead of retry logic scattered through the code:

- WAIT: Amazon said "not now" (Throttled: wait one restore interval of the operation's bucket;
  QuotaExceeded: wait until Amazon's reset time). Waiting is not a failure and has no cap of its own
  beyond the connection's wait limits.
- RETRY: a transient failure (a 5xx that is not throttling, a cut connection, a malformed reply): back
  off 1 s, 4 s, 10 s, 30 s (Amazon's advice), at most 4 retries, all scaled by AMAZON_MWS_TIME_SCALE.
- REFRESH: the credential presented was refused but a fresh one may pass (SP-API's access token): the
  loop refreshes it once and tries again; a second refusal fails.
- FAIL: anything the same request cannot fix (bad credentials, bad parameters, a signature mismatch,
  a feed result not ready yet: the caller polls on its own schedule).

A kind also says whose failure it is (`Failure`): the user's configuration, a transient condition at
Amazon or on the way, or something Amazon answered that nobody expected.

The base keeps the name `MwsError`: an unrecognised refusal is raised as the base itself, and its class
name is the `type` users see in error events and the key serve's status table looks up.

Messages never carry secrets: they are Amazon's text plus the code, and the backends' parsers strip
what Amazon echoes back (mws/errors.py) or never echo request bodies (spapi/errors.py).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timezone


class Action(enum.Enum):
    WAIT = "wait"
    RETRY = "retry"
    REFRESH = "refresh"
    FAIL = "fail"


class Failure(enum.Enum):
    CONFIG = "config"  # the user must change something: a credential, a parameter, the clock
    TRANSIENT = "transient"  # Amazon or the network; the same request may pass later
    SYSTEM = "system"  # Amazon answered something the component does not understand


class CredentialsRejected(ValueError):
    """Verification found a wrong credential; the message starts with its field name (`secretKey: ...`)."""

    action = Action.FAIL
    failure = Failure.CONFIG


class MwsError(Exception):
    """Base of every refusal by Amazon (either backend); `str()` is safe to show and log."""

    default_code = "MwsError"
    action = Action.FAIL
    failure = Failure.SYSTEM

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        request_id: str | None = None,
        timestamp: str | None = None,
        http_status: int | None = None,
        resets_on: datetime | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = message
        self.request_id = request_id
        self.timestamp = timestamp
        self.http_status = http_status
        self.resets_on = resets_on  # when a QuotaExceeded quota comes back, if Amazon said
        # seconds until the same request may pass (a throttle's restore interval, a quota's reset): set by
        # the call loop when it does not wait (sample mode, a wait past its caps), for the user to be told
        self.retry_after = retry_after
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
    action = Action.WAIT
    failure = Failure.TRANSIENT


class QuotaExceeded(MwsError):
    default_code = "QuotaExceeded"
    action = Action.WAIT
    failure = Failure.TRANSIENT


class AccessDenied(MwsError):
    default_code = "AccessDenied"
    failure = Failure.CONFIG


class InvalidParameter(MwsError):
    default_code = "InvalidParameterValue"
    failure = Failure.CONFIG


class SignatureMismatch(MwsError):
    default_code = "SignatureDoesNotMatch"
    failure = Failure.CONFIG


class NotFound(MwsError, LookupError):
    """The order, feed submission or document does not exist for this seller. SP-API says so with a 404;
    MWS with InvalidParameterValue on the id (ListOrderItems) or by leaving it out of a list
    (GetFeedSubmissionList), which its clients turn into this kind so every backend fails the same way.
    A LookupError too: "not there" to code that knows nothing of Amazon."""

    default_code = "NotFound"
    failure = Failure.CONFIG  # an id the caller gave: a parameter to change, not Amazon failing


class NotReady(MwsError):
    default_code = "FeedProcessingResultNotReady"
    failure = Failure.TRANSIENT


class ServerError(MwsError):
    default_code = "InternalError"
    action = Action.RETRY
    failure = Failure.TRANSIENT


class TransportError(MwsError):
    """The reply never arrived or could not be read (connection refused or cut, timeout, bad XML or
    JSON, a body over the size cap, a Content-MD5 that does not match)."""

    default_code = "TransportError"
    action = Action.RETRY
    failure = Failure.TRANSIENT


class PagingLoop(MwsError):
    """Amazon handed back a NextToken already followed: walking on would never end."""

    default_code = "NextTokenLoop"


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
    idempotent: bool = True,
) -> Decision:
    """What to do after `error`, given how many retries were already spent on this request.

    `restore_seconds` is the (already scaled) restore interval of the operation's bucket. A call that is
    not `idempotent` (SubmitFeed, createFeed: each send may make one more feed at Amazon) is never
    retried after a failure whose outcome is unknown (no reply, a cut or unreadable one, a 5xx): Amazon
    may have accepted it, so the caller reconciles first (feeds/intents.py). Throttling still waits:
    Amazon refused that request before doing anything.
    """
    action = error.action
    if action is Action.RETRY and not idempotent:
        return Decision(Action.FAIL)
    if action is Action.WAIT:
        if isinstance(error, QuotaExceeded):
            return Decision(Action.WAIT, _until(error.resets_on, now, fallback=restore_seconds))
        return Decision(Action.WAIT, restore_seconds)
    if action is Action.RETRY:
        if retries_done >= MAX_RETRIES:
            return Decision(Action.FAIL)
        return Decision(Action.RETRY, BACKOFF_SECONDS[retries_done] * time_scale)
    return Decision(action)


def _until(when: datetime | None, now: datetime | None, *, fallback: float) -> float:
    if when is None:
        return fallback
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())
