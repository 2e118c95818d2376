"""A client clock 20 minutes off: Amazon (the sandbox) refuses the request, and the user is told plainly.

Amazon accepts a Timestamp within 15 minutes of its own clock. Behind: RequestExpired; ahead:
InvalidParameterValue about the Timestamp. Either way the request is not retried (the same clock would
fail the same way) and the error must tell the user that their clock is off, not only Amazon's words.
Each test has its own sandbox: moving a shared sandbox's clock would break every later test.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from hardening_support import CREDS, TIME_SCALE

from amazon_mws.runtime.executor import run_step
from amazon_mws.sandbox import Sandbox

SKEW = timedelta(minutes=20)
PLAIN = re.compile(r"clock", re.IGNORECASE)


@pytest.fixture
def skewed():
    with Sandbox(orders=3, seed=4, time_scale=TIME_SCALE, credentials=CREDS) as sb:
        yield sb


def _get_order(sb):
    return run_step("getOrder", sb.credentials, {"body": {"amazonOrderIds": [next(iter(sb.orders))]}})


def test_client_clock_20_minutes_behind_is_refused_once_as_request_expired(skewed):
    skewed.advance_clock(SKEW.total_seconds())  # Amazon's clock ahead == ours behind
    result = _get_order(skewed)
    [error] = result.errors
    assert "RequestExpired" in error["message"]
    assert [r["error_code"] for r in skewed.requests] == ["RequestExpired"]  # not retried


def test_client_clock_20_minutes_ahead_is_refused_once(skewed, monkeypatch):
    from amazon_mws.mws import connection

    ahead = lambda: (datetime.now(timezone.utc) + SKEW).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    monkeypatch.setattr(connection, "_timestamp", ahead)
    result = _get_order(skewed)
    [error] = result.errors
    assert "Timestamp" in error["message"] and "15 minutes" in error["message"]
    assert len(skewed.requests) == 1


@pytest.mark.parametrize("direction", ["behind", "ahead"])
def test_the_error_tells_the_user_their_clock_is_off(direction, skewed, monkeypatch):
    if direction == "behind":
        skewed.advance_clock(SKEW.total_seconds())
    else:
        from amazon_mws.mws import connection

        ahead = lambda: (datetime.now(timezone.utc) + SKEW).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
        monkeypatch.setattr(connection, "_timestamp", ahead)
    [error] = _get_order(skewed).errors
    assert PLAIN.search(error["message"]), error["message"]
