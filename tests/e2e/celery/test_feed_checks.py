"""Feed checks on Celery are scheduled tasks whose state is in Redis: they survive a worker restart.

Redis DB 12. RESPONSE_CHECK_DELAY is 1.5 s and the sandbox takes ~7 s (first test) or ~2 s to process a feed, so checks
find the feed still in progress and reschedule themselves. The worker that submitted the feed is SIGKILLed
while its check waits on a countdown; a new worker picks the check up (the broker hands the unacked
message back after the visibility timeout) and the caller still gets the processing report.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from celery_helpers import ALL_STATUSES

from amazon_mws.core.times import to_amazon
from amazon_mws.sandbox import Sandbox
from amazon_mws.workers.app import CeleryExecutor

pytestmark = pytest.mark.timeout(110)
SCALE = "0.01"
BODY = {"messages": [{"SKU": "SKU-1", "Quantity": 10}, {"SKU": "SKU-2", "Quantity": 0}]}


def _workers(factory):
    return factory(12, AMAZON_MWS_TIME_SCALE=SCALE, RESPONSE_CHECK_DELAY="1500", CELERY_VISIBILITY_TIMEOUT="4",
                   CELERY_RESTORE_INTERVAL="1", CELERY_RESTORE_THROTTLE="1")


def test_a_feed_check_survives_a_worker_restart(workers_factory):
    with Sandbox(orders=0, time_scale=float(SCALE), feed_processing_seconds=700) as sandbox:
        workers = _workers(workers_factory)
        workers.start(1)
        handle = CeleryExecutor(workers.app(), queue=workers.queue).submit("updateItem", sandbox.credentials, BODY)
        deadline = time.monotonic() + 30
        while " scheduled in " not in workers.logs[0].read_text():  # the wait is in Redis
            assert time.monotonic() < deadline, workers.log_text()[-3000:]
            time.sleep(0.05)
        pending = list(workers.client.scan_iter(match=f"{workers.prefix}feedcheck:*"))
        assert len(pending) == 1  # the pending check is in Redis, not in the worker
        workers.kill(0)
        workers.start(1)
        result = handle.result(timeout=60)
        assert result.ok, result.errors
        (out,) = [m.body for m in result.data]
        assert out["status"] == "_DONE_" and out["feedType"] == "_POST_INVENTORY_AVAILABILITY_DATA_"
        assert out["processingReport"]["messagesProcessed"] == 2
        submits = [r for r in sandbox.requests if r["action"] == "SubmitFeed"]
        checks = [r for r in sandbox.requests if r["action"] == "GetFeedSubmissionList"]
        assert len(submits) == 1 and len(checks) >= 1  # submitted once (not again after the restart)
        # the record goes with the last check; its lock a moment after the result is out
        deadline = time.monotonic() + 10
        while list(workers.client.scan_iter(match=f"{workers.prefix}feedcheck:*")):
            assert time.monotonic() < deadline, list(workers.client.scan_iter(match=f"{workers.prefix}feedcheck:*"))
            time.sleep(0.05)
        assert "Task amazon_mws.feed_check[" in workers.logs[1].read_text()  # the new worker did it


def test_a_flow_feed_action_goes_on_when_its_checks_end(workers_factory, tmp_path, monkeypatch):
    from amazon_mws.workers.flow_runs import parse_flow, run_once

    with Sandbox(orders=3, seed=4, time_scale=float(SCALE), feed_processing_seconds=200) as sandbox:
        workers = _workers(workers_factory)
        workers.set_env(monkeypatch)
        workers.start(2)
        out = tmp_path / "feeds.jsonl"
        spec = {
            "name": f"feeds-{workers.run_id}",
            "credentials": sandbox.credentials,
            "steps": [
                {"id": "orders", "step": "getNewAndUpdatedOrders",
                 "config": {"orderStatus": ALL_STATUSES, "emitBehaviour": "order",
                            "startTime": to_amazon(sandbox.now() - timedelta(days=400))}},
                {"id": "stock", "step": "updateItem", "feedBatchSeconds": 0,  # a feed per message: 3 waits
                 "map": {"messages": {"value": [{"SKU": "SKU-1", "Quantity": 3}]}}},
            ],
            "sink": {"type": "file", "path": str(out)},
        }
        started = time.monotonic()
        report = run_once(parse_flow(spec), timeout=80, app=workers.app())
        assert report.ok, report.errors
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        assert len(lines) == 3 == report.delivered
        assert {line["body"]["status"] for line in lines} == {"_DONE_"}
        assert len({line["body"]["feedSubmissionId"] for line in lines}) == 3
        assert {line["passthrough"]["orders"]["body"]["orders"][0]["AmazonOrderId"] for line in lines} == set(
            sandbox.orders)
        assert time.monotonic() - started < 60
        text = workers.log_text()
        assert text.count("Task amazon_mws.feed_check[") >= 3  # checks were tasks, not sleeps


def test_get_feed_submission_result_waits_by_scheduled_checks_not_in_the_worker(workers_factory):
    from amazon_mws.backends import feeds_api
    from amazon_mws.feeds.build import build_feed

    with Sandbox(orders=0, time_scale=float(SCALE), feed_processing_seconds=500) as sandbox:
        [doc] = build_feed("updateItem", BODY, sandbox.credentials["sellerId"])
        info = feeds_api(sandbox.credentials).submit_feed(doc.xml, doc.feed_type)
        workers = _workers(workers_factory)
        workers.start(1)
        handle = CeleryExecutor(workers.app(), queue=workers.queue).submit(
            "getFeedSubmissionResult", sandbox.credentials, {"submissionId": str(info["FeedSubmissionId"])})
        result = handle.result(timeout=60)
        assert result.ok, result.errors
        (out,) = [m.body for m in result.data]
        assert out["status"] == "_DONE_" and out["processingReport"]["messagesProcessed"] == 2
        assert "Task amazon_mws.feed_check[" in workers.logs[0].read_text()  # checked by scheduled tasks


def test_a_check_pending_from_before_the_upgrade_finishes(workers_factory, monkeypatch):
    """A record written by the old feed_checks module (no poller name) is checked and finished by the
    generic wait task: the keys, the record and the task name did not change."""
    import uuid

    from celery.result import AsyncResult

    from amazon_mws.backends import feeds_api
    from amazon_mws.feeds import job
    from amazon_mws.feeds.build import build_feed
    from amazon_mws.workers.app import FEED_CHECK_TASK, feed_checks_queue

    with Sandbox(orders=0, time_scale=float(SCALE), feed_processing_seconds=500) as sandbox:
        workers = _workers(workers_factory)
        workers.set_env(monkeypatch)
        [doc] = build_feed("updateItem", BODY, sandbox.credentials["sellerId"])
        state = job.start(feeds_api(sandbox.credentials), doc, settings=job.CheckSettings(delay_seconds=1.5))
        key, check_id, task_id = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
        old_record = {  # exactly the fields feed_checks.schedule wrote
            "key": key, "step": "updateItem", "jobs": [state], "outputs": [],
            "continuation": {"kind": "result", "taskId": task_id, "events": [], "state": {}},
            "flow": None, "stage": None, "cfg": sandbox.credentials, "checkId": check_id,
            "createdAt": time.time(), "dueAt": time.time(),
        }
        workers.client.set(f"{workers.prefix}feedcheck:{key}", json.dumps(old_record))
        workers.client.zadd(f"{workers.prefix}feedchecks", {key: old_record["dueAt"]})
        app = workers.app()
        app.send_task(FEED_CHECK_TASK, args=[key, check_id], queue=feed_checks_queue())
        workers.start(1)
        result = AsyncResult(task_id, app=app).get(timeout=60)
        events = result["events"]
        assert [e["event"] for e in events] == ["data", "end"], events
        out = events[0]["body"]
        assert out["feedSubmissionId"] == state["feedSubmissionId"] and out["status"] == "_DONE_"
        assert out["processingReport"]["messagesProcessed"] == 2
        deadline = time.monotonic() + 10
        while workers.client.exists(f"{workers.prefix}feedcheck:{key}"):  # the record goes with the last check
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert workers.client.zscore(f"{workers.prefix}feedchecks", key) is None
        assert len([r for r in sandbox.requests if r["action"] == "SubmitFeed"]) == 1


CRASHY_POLLER = '''
from pathlib import Path

from amazon_mws.runtime.waits import PollRound

MARK = Path(__file__).with_name("crashed-once")


def poll(cfg, states):
    if not MARK.exists():  # the first round crashes, as with Redis blinking mid-round
        MARK.write_text("yes")
        raise RuntimeError("Redis blinked")
    return PollRound()
'''


def test_a_wait_whose_round_crashes_is_checked_again_not_left_for_the_sweep(workers_factory, tmp_path, monkeypatch):
    import uuid

    from amazon_mws.runtime.waits import Wait
    from amazon_mws.workers import waits

    (tmp_path / "crashy_poller.py").write_text(CRASHY_POLLER)
    workers = _workers(workers_factory)
    workers.env["PYTHONPATH"] = str(tmp_path)
    workers.set_env(monkeypatch)
    workers.start(1)
    app, task_id = workers.app(), uuid.uuid4().hex
    waits.schedule(app, [Wait({"n": 1}, 0.1, "crashy_poller:poll")], "getFeedSubmissionStatus",
                   continuation={"kind": "result", "taskId": task_id})
    result = app.AsyncResult(task_id).get(timeout=40)  # the sweep would send it again only after 5 minutes
    assert [e["event"] for e in result["events"]] == ["end"]
    assert (tmp_path / "crashed-once").exists()
    assert "RuntimeError: Redis blinked; checking again" in workers.log_text()
