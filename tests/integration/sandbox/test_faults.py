"""Injected faults: 5xx, throttling, slow, cut and malformed replies, for the next N requests."""

from __future__ import annotations

import time

import pytest
import requests
from lxml import etree

from .conftest import error_code, text, xml


def test_500_is_internal_error_for_the_next_n_requests(mws, sb):
    sb.inject_fault("500", count=2)
    first, second, third = (mws.call("GetServiceStatus") for _ in range(3))
    assert (first.status_code, error_code(first)) == (500, "InternalError")
    assert text(xml(first), "Error/Type") == "Receiver"
    assert second.status_code == 500 and third.status_code == 200
    assert [e["fault"] for e in sb.requests] == ["500", "500", None]


def test_503_is_service_unavailable_not_a_throttle(mws, sb):
    sb.inject_fault("503")
    resp = mws.call("GetServiceStatus")
    assert (resp.status_code, error_code(resp)) == (503, "ServiceUnavailable")


def test_throttle_fault_looks_like_amazons_throttle(mws, sb):
    sb.inject_fault("throttle")
    resp = mws.call("GetServiceStatus")
    assert (resp.status_code, error_code(resp)) == (503, "RequestThrottled")
    assert resp.headers["x-mws-request-id"]


def test_fault_for_one_operation_waits_for_it(mws, sb):
    sb.inject_fault("500", operation="GetOrder")
    assert mws.call("GetServiceStatus").status_code == 200
    resp = mws.call("GetOrder", {"AmazonOrderId.Id.1": next(iter(sb.orders))})
    assert resp.status_code == 500
    assert mws.call("GetOrder", {"AmazonOrderId.Id.1": next(iter(sb.orders))}).status_code == 200


def test_slow_reply_arrives_late_but_whole(mws, sb):
    sb.inject_fault("slow", delay=0.4)
    started = time.monotonic()
    resp = mws.call("GetServiceStatus")
    assert time.monotonic() - started >= 0.4
    assert resp.status_code == 200 and text(xml(resp), "GetServiceStatusResult/Status") == "GREEN"
    with pytest.raises(requests.exceptions.ReadTimeout):
        sb.inject_fault("slow", delay=1.0)
        mws.call("GetServiceStatus", timeout=0.2)


def test_cut_closes_the_connection_without_reply(mws, sb):
    sb.inject_fault("cut")
    with pytest.raises(requests.exceptions.ConnectionError):
        mws.call("GetServiceStatus")
    assert mws.call("GetServiceStatus").status_code == 200
    assert sb.requests[0]["fault"] == "cut" and sb.requests[0]["status"] is None


def test_malformed_reply_is_truncated_xml(mws, sb):
    sb.inject_fault("malformed")
    resp = mws.call("GetServiceStatus")
    assert resp.status_code == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(resp.content)


def test_unknown_fault_kind_is_a_clear_error(sb):
    with pytest.raises(ValueError, match="fault kind"):
        sb.inject_fault("explode")
