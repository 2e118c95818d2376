"""Four worker processes on one seller share one quota: no throttled reply from the sandbox.

Redis DB 11. The sandbox enforces Amazon's published quotas compressed 500x (ListOrderItems: burst 30, one
back every 4 ms), the workers' limiter uses the same scale, and 4 processes call ListOrderItems for 200
orders as fast as they can. Without the shared Redis bucket they would overrun the burst within a second.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from celery_helpers import orders_flow

from amazon_mws.core.times import to_amazon
from amazon_mws.sandbox import Sandbox
from amazon_mws.workers.flow_runs import parse_flow, run_once

pytestmark = pytest.mark.timeout(110)
SCALE = "0.002"


def test_four_workers_on_one_seller_draw_no_throttled_reply(workers_factory, tmp_path, monkeypatch):
    with Sandbox(orders=200, seed=8, time_scale=float(SCALE)) as sandbox:
        workers = workers_factory(11, AMAZON_MWS_TIME_SCALE=SCALE)
        workers.set_env(monkeypatch)
        workers.start(4)
        out = tmp_path / "items.jsonl"
        start = to_amazon(sandbox.now() - timedelta(days=400))
        spec = orders_flow(f"quota-{workers.run_id}", sandbox.credentials, start,
                           {"type": "file", "path": str(out)}, per_page=50)
        report = run_once(parse_flow(spec), timeout=90, app=workers.app())
        assert report.ok, report.errors
        items_calls = [r for r in sandbox.requests if r["action"] == "ListOrderItems"]
        throttled = [r for r in sandbox.requests if r["status"] == 503]
        assert throttled == []
        assert len(items_calls) == len(sandbox.orders) == report.delivered  # one call per order, no retry
        busy = [n for n, log in enumerate(workers.logs) if "Task amazon_mws.flow.step[" in log.read_text()]
        assert len(busy) == 4  # every worker took part
        # The calls really came faster than the burst alone allows: the bucket refilled and was shared.
        times = sorted(r["time"] for r in items_calls)
        assert Counter(r["status"] for r in items_calls) == {200: len(items_calls)}
        assert len(times) > 30
