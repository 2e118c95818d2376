"""Error classification (every sample ErrorResponse) and the wait/retry/fail decision table."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from mws_unit_data import MOCKS, SAMPLES, sample

from amazon_mws.core.errors import (
    BACKOFF_SECONDS,
    AccessDenied,
    Action,
    InvalidParameter,
    MwsError,
    NotReady,
    QuotaExceeded,
    ServerError,
    SignatureMismatch,
    Throttled,
    TransportError,
    decide,
)
from amazon_mws.mws.errors import error_from_reply, make_error, parse_http_date

CASES = [
    (
        "ErrorResponse.FeedProcessingResultNotReady.spree-2013.xml",
        NotReady,
        "FeedProcessingResultNotReady",
        "b8171705-29d9-4638-a83b-b6681c37a21a",
        400,
    ),
    (
        "ErrorResponse.InvalidAccessKeyId.peddler-2020-10-13-403.xml",
        AccessDenied,
        "InvalidAccessKeyId",
        "7e834d9e-140d-48a2-9721-3b75dc45792d",
        403,
    ),
    (
        "ErrorResponse.InvalidParameterValue.spree-2013.xml",
        InvalidParameter,
        "InvalidParameterValue",
        "53466fee-9497-4ca0-884f-4281475962a0",
        400,
    ),
    (
        "ErrorResponse.QuotaExceeded.docexample.eolabs.xml",
        QuotaExceeded,
        "QuotaExceeded",
        "0f40e8f4-2c00-4634-9eb7-9e9482dc6039",
        503,
    ),
    (
        "ErrorResponse.QuotaExceeded.spree-2013.xml",
        QuotaExceeded,
        "QuotaExceeded",
        "761536d8-2d63-4fbb-94b4-e189fff7efd0",
        503,
    ),
    (
        "ErrorResponse.RequestThrottled.docexample.eolabs.xml",
        Throttled,
        "RequestThrottled",
        "0f40e8f4-2c00-4634-9eb7-9e9482dc6039",
        503,
    ),
    (
        "ErrorResponse.RequestThrottled.spree-2013.xml",
        Throttled,
        "RequestThrottled",
        "7150b6dd-24e7-4edd-ba07-d2cf1f80429c",
        503,
    ),
]


def test_every_error_sample_is_covered() -> None:
    assert {c[0] for c in CASES} == {p.name for p in SAMPLES.glob("ErrorResponse.*.xml")}


@pytest.mark.parametrize(("name", "kind", "code", "request_id", "status"), CASES, ids=[c[0] for c in CASES])
def test_sample_error_responses(name: str, kind: type, code: str, request_id: str, status: int) -> None:
    err = error_from_reply(status, {"x-mws-timestamp": "2020-10-13T10:53:10.197Z"}, sample(name))
    assert type(err) is kind
    assert err.code == code
    assert err.request_id == request_id
    assert err.http_status == status
    assert err.timestamp == "2020-10-13T10:53:10.197Z"
    assert err.message and code in str(err) and request_id in str(err)


@pytest.mark.parametrize(
    "section", ["MarketplaceWebService-Feeds-2009-01-01", "MarketplaceWebServiceOrders-2013-09-01"]
)
def test_official_mock_error_response_uses_request_id_spelling(section: str) -> None:
    err = error_from_reply(400, {}, (MOCKS / section / "ErrorResponse.xml").read_bytes())
    assert err.request_id == "string"
    assert err.code == "string" and type(err) is InvalidParameter  # unknown code on a 400


def test_header_request_id_used_when_body_has_none() -> None:
    err = error_from_reply(500, {"X-Mws-Request-Id": "hdr-1"}, b"<html>oops</html>")
    assert type(err) is ServerError and err.request_id == "hdr-1"


def test_quota_reset_from_header_and_from_message() -> None:
    meta = json.loads((SAMPLES / "CancelFeedSubmissions.peddler-2020-10-12-AU.meta.json").read_text())
    resets = meta["response"]["headers"]["x-mws-quota-resetsOn"][0]
    err = error_from_reply(
        503, {"x-mws-quota-resetsOn": resets}, sample("ErrorResponse.QuotaExceeded.docexample.eolabs.xml")
    )
    assert err.resets_on == datetime(2020, 10, 12, 11, 36, tzinfo=timezone.utc)
    rfc = error_from_reply(
        503,
        {"x-mws-quota-resetsOn": "Wed, 06 Mar 2013 19:07:58 GMT"},
        sample("ErrorResponse.QuotaExceeded.docexample.eolabs.xml"),
    )
    assert rfc.resets_on == datetime(2013, 3, 6, 19, 7, 58, tzinfo=timezone.utc)
    from_text = error_from_reply(503, {}, sample("ErrorResponse.QuotaExceeded.spree-2013.xml"))
    assert from_text.resets_on == datetime(2013, 10, 24, 0, 42, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("SignatureDoesNotMatch", 403, SignatureMismatch),
        ("AccessDenied", 401, AccessDenied),
        ("NextTokenCorrupted", 400, InvalidParameter),
        ("InternalError", 500, ServerError),
        ("SomethingNew", 503, ServerError),
        ("SomethingNew", 403, AccessDenied),
        ("SomethingNew", 404, MwsError),
    ],
)
def test_codes_and_statuses(code: str, status: int, kind: type) -> None:
    assert type(make_error(code, "m", http_status=status)) is kind


# -- the decision table --------------------------------------------------------------------------------


def test_throttle_waits_one_restore_interval() -> None:
    d = decide(Throttled("x", http_status=503), retries_done=0, restore_seconds=0.6)
    assert d.action is Action.WAIT and d.delay == 0.6


def test_quota_waits_until_reset() -> None:
    now = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)
    err = QuotaExceeded("x", resets_on=now + timedelta(seconds=42))
    d = decide(err, retries_done=0, restore_seconds=1, now=now)
    assert d == decide(err, retries_done=3, restore_seconds=1, now=now)
    assert d.action is Action.WAIT and d.delay == 42
    past = QuotaExceeded("x", resets_on=now - timedelta(seconds=5))
    assert decide(past, retries_done=0, restore_seconds=1, now=now).delay == 0


@pytest.mark.parametrize(
    "error",
    [
        ServerError("x", http_status=500),
        TransportError("cut"),
        make_error("InternalError", "m", http_status=500),
    ],
)
def test_transient_errors_back_off_and_cap(error: MwsError) -> None:
    delays = [decide(error, retries_done=i, restore_seconds=1, time_scale=0.01) for i in range(5)]
    assert [d.action for d in delays] == [Action.RETRY] * 4 + [Action.FAIL]
    assert [d.delay for d in delays[:4]] == pytest.approx([s * 0.01 for s in BACKOFF_SECONDS])
    assert BACKOFF_SECONDS == (1.0, 4.0, 10.0, 30.0)


@pytest.mark.parametrize(
    "error",
    [
        AccessDenied("x"),
        InvalidParameter("x"),
        SignatureMismatch("x"),
        NotReady("x"),
        MwsError("x", http_status=404),
    ],
)
def test_permanent_errors_fail_at_once(error: MwsError) -> None:
    assert decide(error, retries_done=0, restore_seconds=1).action is Action.FAIL


def test_parse_http_date_rejects_garbage() -> None:
    assert parse_http_date("unknown") is None
    assert parse_http_date("") is None


def test_messages_never_carry_secrets() -> None:
    err = make_error(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match",
        http_status=403,
        request_id="r1",
    )
    assert err.to_dict() == {
        "type": "SignatureMismatch",
        "code": "SignatureDoesNotMatch",
        "message": "The request signature we calculated does not match",
        "requestId": "r1",
        "timestamp": None,
        "httpStatus": 403,
    }


def test_echoed_query_strings_lose_signature_and_auth_token() -> None:
    err = error_from_reply(400, {}, sample("ErrorResponse.InvalidParameterValue.spree-2013.xml"))
    assert "hV2s4TYWPnj4eJbDynEQ399KZlgpnM2K3udPrpm9F5o" not in str(err)
    assert "Signature=***" in err.message and "FeedType=_POST_ORDER_FULFILLMENT_DATA_" in err.message
    leaked = make_error("InvalidParameterValue", "bad: MWSAuthToken=amzn.mws.x-y&Action=Z", http_status=400)
    assert "amzn.mws.x-y" not in str(leaked) and "Action=Z" in str(leaked)
