"""How failures become HTTP answers, in one table.

Bad input is 400 with one `field: rule` line per problem (and nothing was sent to Amazon); Amazon saying
no is 502 (its code and request id in the body), Amazon saying "not now" beyond the client's patience is
503, a feed still processing at the check cap is 504 with its submission id. Messages pass through the
runtime's redactor, so a secret that slipped into an exception's text is masked.
"""

from __future__ import annotations

from typing import Any

from amazon_mws.runtime.secrets import redact
from amazon_mws.serve.http import Response

# exception class name (ours, the runtime's or the MWS transport's) -> HTTP status
STATUS_BY_TYPE: dict[str, int] = {
    "ValidationError": 400,
    "ValueError": 400,
    "FeedInputError": 400,
    "FormError": 400,
    "InvalidParameter": 400,  # Amazon refused a parameter we passed on (e.g. a corrupted NextToken)
    "LookupError": 404,
    "NotFound": 404,  # before MwsError in its MRO: a feed or order Amazon does not know is not a 502
    "AccessDenied": 502,
    "SignatureMismatch": 502,
    "ServerError": 502,
    "TransportError": 502,
    "PagingLoop": 502,
    "NotReady": 502,
    "MwsError": 502,
    "Throttled": 503,
    "QuotaExceeded": 503,
    "FeedCheckTimeout": 504,
    "SplitSubmissionError": 502,
}
CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    415: "unsupported_media_type",
    422: "idempotency_key_reused",
    502: "amazon_error",
    503: "amazon_unavailable",
    504: "feed_still_processing",
    500: "internal_error",
}


class HttpError(Exception):
    """Raised by a route to answer with `status`; `problems` are `field: rule` lines."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        problems: list[str] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.problems = list(problems or [])
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})
        super().__init__(message)

    def response(self) -> Response:
        body: dict[str, Any] = {"error": CODE_BY_STATUS.get(self.status, "error"), "message": redact(self.message)}
        if self.problems:
            body["problems"] = [redact(p) for p in self.problems]
        body.update(self.extra)
        return Response(self.status, body, self.headers)


def bad_request(problems: list[str]) -> HttpError:
    return HttpError(400, "invalid request, nothing was sent to Amazon: " + "; ".join(problems), problems=problems)


def from_error(type_name: str, message: str, **extra: Any) -> HttpError:
    """An HttpError for a failure known by its exception type name (a RunResult error or an exception)."""
    status = STATUS_BY_TYPE.get(type_name, 500)
    if status == 500:
        message = f"{type_name}: {message}"
    problems = [message] if status == 400 else None
    return HttpError(status, message, problems=problems, extra={"type": type_name, **extra})


def from_exception(exc: BaseException) -> HttpError:
    """Same, for an exception caught in a route (MWS errors keep their code and request id)."""
    extra: dict[str, Any] = {}
    for cls in type(exc).__mro__:
        if cls.__name__ in STATUS_BY_TYPE:
            name = cls.__name__
            break
    else:
        name = type(exc).__name__
    code = getattr(exc, "code", None)
    if isinstance(code, str):
        extra["amazonCode"] = code
    request_id = getattr(exc, "request_id", None)
    if request_id:
        extra["amazonRequestId"] = request_id
    submission = getattr(exc, "submission_id", None)
    if submission:
        extra["feedSubmissionId"] = submission
    problems = getattr(exc, "problems", None)
    error = from_error(name, str(exc), **extra)
    if problems and error.status == 400:
        error.problems = list(problems)
    return error
