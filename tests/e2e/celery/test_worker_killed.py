"""A worker SIGKILLed in the middle of the trigger's run: it is replaced and every order still arrives.

Redis DB 10. 300 orders, 10 per page: 30 ListOrders pages, paced by the (compressed) quota, so the poll
takes several seconds and the kill lands mid-run. The poll lock's TTL (2 s) and the broker's visibility
timeout (4 s) are short here so the dead worker's poll is redelivered quickly; the replacement resumes the
trigger from Redis (paging position and gathered orders), re-emits at most the page it was on, and the
per-message done-markers keep the duplicates from reaching the webhook.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from celery_helpers import orders_flow

from amazon_mws.core.times import to_amazon
from amazon_mws.sandbox import Sandbox
from amazon_mws.workers.flow_runs import parse_flow, run_once

pytestmark = pytest.mark.timeout(115)
SCALE = "0.005"


def _trigger_state(workers, flow_name: str) -> dict:
    raw = workers.client.hgetall(f"{workers.prefix}flow:{flow_name}:orders:state")
    return {k.decode(): json.loads(v) for k, v in raw.items()}


def test_sigkilled_worker_mid_sync_loses_no_order(workers_factory, webhook_factory, monkeypatch):
    hook = webhook_factory()
    with Sandbox(orders=300, seed=21, time_scale=float(SCALE)) as sandbox:
        workers = workers_factory(10, AMAZON_MWS_TIME_SCALE=SCALE, CELERY_VISIBILITY_TIMEOUT="4",
                                  CELERY_RESTORE_INTERVAL="1", CELERY_RESTORE_THROTTLE="1")
        workers.set_env(monkeypatch)
        workers.start(2)
        name = f"crash-{workers.run_id}"
        start = to_amazon(sandbox.now() - timedelta(days=400))
        spec = orders_flow(name, sandbox.credentials, start, hook.sink(), per_page=10)
        flow = parse_flow(spec)
        outcome: dict = {}

        def drive() -> None:
            try:
                outcome["report"] = run_once(flow, timeout=100, app=workers.app())
            except Exception as exc:  # reported by the assertion below
                outcome["error"] = exc

        driver = threading.Thread(target=drive)
        driver.start()
        deadline = time.monotonic() + 40
        while (_trigger_state(workers, name).get("run") or {}).get("pages", 0) < 8:
            assert time.monotonic() < deadline, workers.log_text()[-3000:]
            time.sleep(0.02)
        polling = [n for n, log in enumerate(workers.logs) if "Task amazon_mws.flow.poll[" in log.read_text()]
        assert len(polling) == 1
        run_before = _trigger_state(workers, name)["run"]
        workers.kill(polling[0])
        assert _trigger_state(workers, name).get("cursor") is None  # the cursor did not move
        workers.start(1)  # the replacement
        killed_at = time.time()
        driver.join(timeout=105)
        print("after kill", time.time() - killed_at)
        assert "error" not in outcome, f"{outcome.get('error')}\n{workers.log_text()[-4000:]}"
        report = outcome["report"]
        assert report.ok, report.errors

        run_ids = {r["params"].get("NextToken") for r in sandbox.requests if r["action"] == "ListOrdersByNextToken"}
        assert run_ids  # paging happened
        text = workers.log_text()
        assert f"resuming run {run_before['id']}" in text  # the replacement took over the same window
        order_ids = [o["AmazonOrderId"] for o in sandbox.orders.values()]
        delivered = [body["amazonOrderId"] for _, body in hook.received]
        assert Counter(delivered) == Counter(order_ids)  # no order lost, none delivered twice
        state = _trigger_state(workers, name)
        assert "run" not in state and state["cursor"]  # the window completed and the cursor moved once
        throttled = [r for r in sandbox.requests if r["status"] == 503]
        assert throttled == []
