"""Nothing lost on Celery: a webhook that is down for a whole run, a receiver that drips, a 5xx burst on
the feed checks.

Redis DB 13, real ``amazon-mws worker`` processes, a real webhook receiver on 127.0.0.1. The sink's budget is
the flow's ``retries`` (5 by default: six attempts, more than Celery's own default of 3 retries); when it is
spent the message is parked, ``status`` shows it, the next poll sends it first, ``flow retry`` sends it now.
"""

from __future__ import annotations

import json
import subprocess
import time
from datetime import timedelta

import pytest
from celery_helpers import AMAZON_MWS_BIN, orders_flow

from amazon_mws.core.times import to_amazon
from amazon_mws.sandbox import Sandbox
from amazon_mws.workers.flow_runs import parse_flow, run_once
from receivers import Receiver

pytestmark = pytest.mark.timeout(150)
SCALE = "0.01"


def _cli(workers, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(AMAZON_MWS_BIN), *args], env=workers.env, capture_output=True, text=True, timeout=90)


def _parked(workers, name: str) -> dict:
    status = _cli(workers, "status", "--json", "--flow", name)
    assert status.returncode == 0, status.stderr
    (flow,) = json.loads(status.stdout)["flows"]
    return flow


def test_a_webhook_down_for_a_whole_run_parks_every_message_after_its_full_budget(workers_factory, monkeypatch):
    with Sandbox(orders=3, seed=31, time_scale=float(SCALE)) as sandbox, Receiver("down") as hook:
        workers = workers_factory(13, AMAZON_MWS_TIME_SCALE=SCALE)
        workers.set_env(monkeypatch)
        workers.start(1)
        name = f"parked-{workers.run_id}"
        start = to_amazon(sandbox.now() - timedelta(days=400))
        flow = parse_flow(orders_flow(name, sandbox.credentials, start, hook.sink(),
                                      items=False))
        report = run_once(flow, timeout=100, app=workers.app())
        assert report.parked == 3 and report.delivered == 0 and not report.ok
        assert set(hook.attempts.values()) == {6}, hook.attempts  # 1 + retries (5), not Celery's 1 + 3
        assert all("gave up after 5 retries" in e["message"] for e in report.errors)

        shown = _parked(workers, name)
        assert shown["parked"]["count"] == 3 and len(shown["recentErrors"]) == 3
        assert {e["id"] for e in shown["parked"]["oldest"]} == set(hook.attempts)

        hook.mode = "ok"
        retried = _cli(workers, "flow", "retry", name, "--timeout", "60")
        assert retried.returncode == 0, retried.stderr
        assert json.loads(retried.stdout)["delivered"] == 3
        assert hook.delivered_keys() == set(hook.attempts)
        assert _parked(workers, name)["parked"]["count"] == 0


def test_the_next_poll_sends_parked_messages_first_and_a_dripping_receiver_is_cut_off(workers_factory, monkeypatch):
    with Sandbox(orders=2, seed=32, time_scale=float(SCALE)) as sandbox, \
            Receiver("drip", drip_seconds=0.3) as hook:
        workers = workers_factory(13, AMAZON_MWS_TIME_SCALE=SCALE)
        workers.set_env(monkeypatch)
        workers.start(1)
        name = f"first-{workers.run_id}"
        start = to_amazon(sandbox.now() - timedelta(days=400))
        sink = hook.sink(retries=0, timeout=1)
        flow = parse_flow(orders_flow(name, sandbox.credentials, start, sink, items=False))
        started = time.monotonic()
        dripped = run_once(flow, timeout=60, app=workers.app())
        assert time.monotonic() - started < 30
        assert dripped.parked == 2
        assert all("time limit of one delivery" in e["message"] for e in dripped.errors)
        parked_keys = set(hook.attempts)

        newer = sandbox.add_order()["AmazonOrderId"]
        sandbox.advance_clock(600)
        hook.mode = "ok"
        report = run_once(flow, timeout=60, app=workers.app())
        assert report.ok and report.delivered == 3 and report.parked == 0
        keys = [key for key, _ in hook.received]
        assert set(keys[:2]) == parked_keys and keys[2].endswith(f"-order-{newer}")
        assert _parked(workers, name)["parked"]["count"] == 0


def test_a_burst_of_500s_on_the_feed_checks_delays_the_result_but_never_drops_it(workers_factory):
    from amazon_mws.workers.app import CeleryExecutor

    with Sandbox(orders=0, time_scale=float(SCALE), feed_processing_seconds=200) as sandbox:
        workers = workers_factory(13, AMAZON_MWS_TIME_SCALE=SCALE, RESPONSE_CHECK_DELAY="500")
        workers.start(1)  # and no beat: nothing would re-send a check task that died
        sandbox.inject_fault("500", count=10, operation="GetFeedSubmissionList")  # two whole checks fail
        body = {"messages": [{"SKU": "SKU-1", "Quantity": 4}]}
        handle = CeleryExecutor(workers.app(), queue=workers.queue).submit("updateItem", sandbox.credentials, body)
        result = handle.result(timeout=60)
        assert result.ok, result.errors
        (out,) = [m.body for m in result.data]
        assert out["status"] == "_DONE_" and out["processingReport"]["messagesProcessed"] == 1
        checks = [r for r in sandbox.requests if r["action"] == "GetFeedSubmissionList"]
        assert len(checks) >= 11 and not sandbox.faults.pending()
        assert workers.log_text().count("check failed (ServerError") == 2
