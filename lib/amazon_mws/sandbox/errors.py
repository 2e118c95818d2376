"""Amazon's error vocabulary: each refusal is a `SandboxError` carrying the code, HTTP status and type
that Amazon used, so handlers just raise and the server renders one `ErrorResponse`."""

from __future__ import annotations

# code -> (HTTP status, Type) as MWS answers them (../shared/amazon/mws-errors-throttling-feeds.md §3.2)
ERROR_STATUS: dict[str, tuple[int, str]] = {
    "InputStreamDisconnected": (400, "Sender"),
    "InvalidParameterValue": (400, "Sender"),
    "MissingParameter": (400, "Sender"),
    "RequestExpired": (400, "Sender"),
    "NextTokenCorrupted": (400, "Sender"),
    "InvalidRequest": (400, "Sender"),
    "ContentMD5Missing": (400, "Sender"),
    "ContentMD5DoesNotMatch": (400, "Sender"),
    "InvalidFeedSubmissionId": (400, "Sender"),
    "InvalidFeedType": (400, "Sender"),
    "FeedCanceled": (400, "Sender"),
    "AccessDenied": (401, "Sender"),
    "InvalidAccessKeyId": (403, "Sender"),
    "SignatureDoesNotMatch": (403, "Sender"),
    "InvalidAddress": (404, "Sender"),
    "FeedProcessingResultNotReady": (404, "Sender"),
    "InternalError": (500, "Receiver"),
    "ServiceUnavailable": (503, "Receiver"),
    "RequestThrottled": (503, "Sender"),
    "QuotaExceeded": (503, "Sender"),
}


class SandboxError(Exception):
    """A refusal, rendered as Amazon's ErrorResponse. Messages never contain secrets."""

    def __init__(
        self, code: str, message: str, status: int | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        default_status, self.type = ERROR_STATUS.get(code, (400, "Sender"))
        self.code = code
        self.message = message
        self.status = status or default_status
        self.headers = dict(headers or {})  # sent with the ErrorResponse (QuotaExceeded's reset time)


def invalid(message: str) -> SandboxError:
    return SandboxError("InvalidParameterValue", message)


def missing(name: str) -> SandboxError:
    return SandboxError("MissingParameter", f"The request must contain the parameter {name}.")
