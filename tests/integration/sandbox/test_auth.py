"""Who may ask: Signature V2, the 15-minute timestamp window, seller and auth token, addresses."""

from __future__ import annotations

from datetime import timedelta

import requests

from .conftest import CREDS, ORDERS_NS, error_code, stamp, text, xml


def test_signed_request_is_answered_with_amazon_headers(mws):
    resp = mws.call("GetServiceStatus")
    assert resp.status_code == 200, resp.text
    assert text(xml(resp), "GetServiceStatusResult/Status") == "GREEN"
    assert text(xml(resp), "ResponseMetadata/RequestId") == resp.headers["x-mws-request-id"]
    assert resp.headers["x-mws-timestamp"].endswith("Z")
    assert resp.headers["Date"].endswith("GMT")


def test_get_with_query_string_is_accepted_too(mws):
    assert mws.call("GetServiceStatus", method="GET").status_code == 200


def test_wrong_secret_is_signature_does_not_match(mws):
    resp = mws.call("GetServiceStatus", secret="not-the-secret")
    assert resp.status_code == 403
    assert error_code(resp) == "SignatureDoesNotMatch"
    root = xml(resp)
    assert root.tag == f"{{{ORDERS_NS}}}ErrorResponse"
    assert text(root, "Error/Type") == "Sender"
    assert text(root, "RequestId") == resp.headers["x-mws-request-id"]


def test_signature_covers_the_host_as_sent(mws):
    resp = mws.call("GetServiceStatus", sign_host="mws.amazonservices.com")
    assert (resp.status_code, error_code(resp)) == (403, "SignatureDoesNotMatch")


def test_tampered_parameter_breaks_the_signature(mws, sb):
    creds = sb.credentials
    from amazon_mws.mws.signing import signed_query

    params = {
        "AWSAccessKeyId": creds["accessKeyId"],
        "Action": "GetServiceStatus",
        "SellerId": creds["sellerId"],
        "MWSAuthToken": creds["mwsAuthToken"],
        "SignatureMethod": "HmacSHA256",
        "SignatureVersion": "2",
        "Timestamp": stamp(sb.now()),
        "Version": "2013-09-01",
    }
    query = signed_query("POST", f"127.0.0.1:{sb.port}", "/Orders/2013-09-01", params, creds["secretKey"])
    tampered = query.replace("Action=GetServiceStatus", "Action=ListOrders")
    resp = requests.post(
        sb.endpoint + "/Orders/2013-09-01",
        data=tampered,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert (resp.status_code, error_code(resp)) == (403, "SignatureDoesNotMatch")


def test_unknown_access_key(mws):
    resp = mws.call("GetServiceStatus", override={"AWSAccessKeyId": "AKIAUNKNOWN"})
    assert (resp.status_code, error_code(resp)) == (403, "InvalidAccessKeyId")


def test_wrong_seller_is_access_denied(mws):
    resp = mws.call("GetServiceStatus", override={"SellerId": "A9OTHERSELLER"})
    assert (resp.status_code, error_code(resp)) == (401, "AccessDenied")


def test_wrong_or_missing_auth_token_is_access_denied_without_echoing_it(mws):
    resp = mws.call("GetServiceStatus", override={"MWSAuthToken": "amzn.mws.guess"})
    assert (resp.status_code, error_code(resp)) == (401, "AccessDenied")
    assert "amzn.mws.guess" not in resp.text and CREDS["mwsAuthToken"] not in resp.text
    resp = mws.call("GetServiceStatus", override={"MWSAuthToken": None})
    assert (resp.status_code, error_code(resp)) == (401, "AccessDenied")


def test_missing_parameters_are_named(mws):
    resp = mws.call("GetServiceStatus", override={"Timestamp": None})
    assert (resp.status_code, error_code(resp)) == (400, "MissingParameter")
    assert "Timestamp" in text(xml(resp), "Error/Message")
    resp = mws.call("GetServiceStatus", override={"SellerId": None})
    assert (resp.status_code, error_code(resp)) == (400, "MissingParameter")
    assert "SellerId" in text(xml(resp), "Error/Message")


def test_timestamp_window_is_fifteen_minutes_of_the_sandbox_clock(mws, sb):
    now = sb.now()
    assert mws.call("GetServiceStatus", timestamp=stamp(now - timedelta(minutes=14))).status_code == 200
    old = mws.call("GetServiceStatus", timestamp=stamp(now - timedelta(minutes=16)))
    assert (old.status_code, error_code(old)) == (400, "RequestExpired")
    future = mws.call("GetServiceStatus", timestamp=stamp(now + timedelta(minutes=16)))
    assert (future.status_code, error_code(future)) == (400, "InvalidParameterValue")
    garbage = mws.call("GetServiceStatus", timestamp="yesterday")
    assert (garbage.status_code, error_code(garbage)) == (400, "InvalidParameterValue")


def test_timestamp_is_checked_against_the_moved_clock(mws, sb):
    wall = stamp()
    sb.advance_clock(3600)
    resp = mws.call("GetServiceStatus", timestamp=wall)
    assert (resp.status_code, error_code(resp)) == (400, "RequestExpired")
    assert mws.call("GetServiceStatus").status_code == 200  # signed with the sandbox's time


def test_timestamp_without_zone_or_with_offset_is_utc(mws, sb):
    now = sb.now()
    assert mws.call("GetServiceStatus", timestamp=now.strftime("%Y-%m-%dT%H:%M:%S")).status_code == 200
    assert (
        mws.call("GetServiceStatus", timestamp=now.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")).status_code == 200
    )


def test_wrong_version_and_signature_method(mws):
    resp = mws.call("GetServiceStatus", override={"Version": "2011-01-01"})
    assert (resp.status_code, error_code(resp)) == (400, "InvalidParameterValue")
    resp = mws.call("GetServiceStatus", override={"SignatureMethod": "HmacSHA1"})
    assert (resp.status_code, error_code(resp)) == (400, "InvalidParameterValue")


def test_unknown_path_and_action_are_invalid_address(mws, sb):
    resp = requests.get(sb.endpoint + "/Products/2011-10-01?Action=ListMatchingProducts", timeout=10)
    assert (resp.status_code, error_code(resp)) == (404, "InvalidAddress")
    assert resp.headers["x-mws-request-id"]
    resp = mws.call("SubmitFeed")  # a Feeds action sent to Orders
    assert (resp.status_code, error_code(resp)) == (404, "InvalidAddress")


def test_feeds_are_post_only_and_take_merchant_or_seller_id(mws):
    assert mws.call("GetFeedSubmissionCount", section="feeds").status_code == 200
    resp = mws.call("GetFeedSubmissionCount", section="feeds", method="GET")
    assert (resp.status_code, error_code(resp)) == (400, "InvalidRequest")
    resp = mws.call(
        "GetFeedSubmissionCount", section="feeds", override={"Merchant": None, "SellerId": CREDS["sellerId"]}
    )
    assert resp.status_code == 200


def test_secrets_never_appear_in_replies_or_the_log(mws, sb):
    for kwargs in ({}, {"secret": "bad"}, {"override": {"MWSAuthToken": "x"}}):
        resp = mws.call("GetServiceStatus", **kwargs)
        assert CREDS["secretKey"] not in resp.text and CREDS["mwsAuthToken"] not in resp.text
    logged = repr(sb.requests) + repr(sb)
    assert CREDS["secretKey"] not in logged and CREDS["mwsAuthToken"] not in logged
    assert all("Signature" not in e["params"] for e in sb.requests)
    assert [e["status"] for e in sb.requests] == [200, 403, 401]
    assert [e["error_code"] for e in sb.requests] == [None, "SignatureDoesNotMatch", "AccessDenied"]
