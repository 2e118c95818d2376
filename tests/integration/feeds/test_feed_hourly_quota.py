"""SubmitFeed's hourly quota (30 an hour, besides its burst of 15 and one per 2 minutes), on both sides:
the sandbox refuses the 31st of an hour with QuotaExceeded, and the client's limiter never sends it."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from feed_samples import VALID

from amazon_mws import backends
from amazon_mws.backends import feeds_api
from amazon_mws.core.errors import QuotaExceeded
from amazon_mws.feeds.build import build_feed
from amazon_mws.mws.connection import MwsConnection
from amazon_mws.mws.credentials import Credentials
from amazon_mws.mws.feeds import FeedsApi
from amazon_mws.sandbox.app import Sandbox


class Unpaced:
    """A client that does not pace itself (another program of the seller's): only Amazon can stop it."""

    time_scale = 1.0

    def acquire(self, *args, **kwargs) -> float:
        return 0.0

    def drain(self, *args, **kwargs) -> None:
        pass


def _doc(box):
    [doc] = build_feed("updateItem", VALID["updateItem"], box.seller_id)
    return doc


def test_the_sandbox_refuses_the_31st_submit_feed_of_an_hour_until_it_resets():
    scale = 0.01
    with Sandbox(orders=0, time_scale=scale) as box:
        conn = MwsConnection(Credentials.from_config(box.credentials), sample=True, time_scale=scale,
                             limiter=Unpaced())
        api, doc = FeedsApi(conn), _doc(box)
        for n in range(30):
            if n == 15:
                box.advance_clock(15 * 120 * scale)  # the bucket of 15 restores; the hour goes on
            api.submit_feed(doc.xml, doc.feed_type)
        with pytest.raises(QuotaExceeded) as info:
            api.submit_feed(doc.xml, doc.feed_type)
        assert "30.0 requests per 1 hour" in str(info.value) and info.value.http_status == 503
        refused = [r for r in box.requests if r["error_code"] == "QuotaExceeded"]
        assert len(refused) == 1 and len(box.feeds) == 30
        box.advance_clock(3600 * scale)  # the hour that started with the first request is over
        api.submit_feed(doc.xml, doc.feed_type)
        assert len(box.feeds) == 31
    backends.shared_limiter.cache_clear()


def test_quota_exceeded_carries_amazons_reset_time():
    with Sandbox(orders=0, time_scale=0.01) as box:
        conn = MwsConnection(Credentials.from_config(box.credentials), sample=True, time_scale=0.01,
                             limiter=Unpaced())
        box.throttle._hours[(box.seller_id, "SubmitFeed")] = (box.clock.time(), 30)  # the hour is used up
        with pytest.raises(QuotaExceeded) as info:
            FeedsApi(conn).submit_feed(_doc(box).xml, "_POST_INVENTORY_AVAILABILITY_DATA_")
        assert info.value.resets_on is not None
        now = datetime.now(timezone.utc)
        assert 0 < (info.value.resets_on - now).total_seconds() <= 37  # an hour at this scale, in whole seconds


def test_the_limiter_paces_31_submits_past_the_hour_and_amazon_refuses_none(monkeypatch):
    scale = 0.0005  # burst 15, then one per 0.06 s; the hour is 1.8 s
    monkeypatch.setenv("AMAZON_MWS_TIME_SCALE", str(scale))
    backends.shared_limiter.cache_clear()  # the process's limiter, at this time scale
    with Sandbox(orders=0, time_scale=scale) as box:
        api, doc = feeds_api(box.credentials), _doc(box)
        assert api.conn.limiter.time_scale == scale
        started = time.monotonic()
        times = []
        for _ in range(31):
            api.submit_feed(doc.xml, doc.feed_type)
            times.append(time.monotonic() - started)
        assert [r for r in box.requests if r["status"] != 200] == []  # nothing throttled, no QuotaExceeded
        assert times[29] < 3600 * scale <= times[30]  # the 31st waited for the next hour
        assert len(box.feeds) == 31
    backends.shared_limiter.cache_clear()
