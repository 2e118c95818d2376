"""The feed outbox on Celery, with real `amazon-mws worker` processes: messages sent as separate tasks (or a
flow's messages, each its own step task on any worker) go as one feed, each answered with its own records,
and exactly one feed reaches the sandbox whatever dies: the worker submitting the batch while Amazon's
reply is on its way, or while it reconciles a send whose outcome it does not know.

Redis DB 11. The sandbox takes SubmitFeed at once; "slow" holds its reply back so the kill lands between
Amazon accepting the feed and the worker recording its id.
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

pytestmark = pytest.mark.timeout(150)
SCALE = "0.01"
FAST = {"AMAZON_MWS_TIME_SCALE": SCALE, "RESPONSE_CHECK_DELAY": "300", "CELERY_VISIBILITY_TIMEOUT": "4",
        "CELERY_RESTORE_INTERVAL": "1", "CELERY_RESTORE_THROTTLE": "1", "FEED_INFLIGHT_STALE_SECONDS": "2",
        "FEED_BATCH_SECONDS": "1.5"}


def _stock(n: int, skus: int) -> dict:
    return {"id": f"stock-{n}", "body": {"messages": [{"SKU": f"SKU-{n}-{k}", "Quantity": k} for k in range(skus)]}}


def _submit_all(workers, sandbox, count: int) -> list:
    executor = CeleryExecutor(workers.app(), queue=workers.queue)
    return [executor.submit("updateItem", sandbox.credentials, _stock(n, n + 1)) for n in range(count)]


def _answered_by_one_feed(sandbox: Sandbox, workers, handles: list, sends: int = 1) -> None:
    from celery.exceptions import TimeoutError as NoAnswer

    outs = []
    for n, handle in enumerate(handles):
        try:
            result = handle.result(timeout=90)
        except NoAnswer:
            raise AssertionError(f"message {n} not answered:\n{workers.log_text()[-6000:]}") from None
        assert result.ok, result.errors
        [out] = [m.body for m in result.data]
        assert out["status"] == "_DONE_"
        assert out["processingReport"]["messagesProcessed"] == n + 1  # its own records only
        outs.append(out)
    assert len(sandbox.feeds) == 1, sandbox.feeds  # exactly one feed at "Amazon"
    assert len([r for r in sandbox.requests if r["action"] == "SubmitFeed"]) == sends
    assert {o["feedSubmissionId"] for o in outs} == set(sandbox.feeds)
    [feed] = sandbox.feeds.values()
    assert feed["body"].count(b"<Message>") == sum(range(1, len(handles) + 1))


def _wait_for(sandbox: Sandbox, workers, action: str, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while not [r for r in sandbox.requests if r["action"] == action]:
        assert time.monotonic() < deadline, workers.log_text()[-3000:]
        time.sleep(0.02)


def test_messages_sent_as_separate_tasks_go_as_one_feed(workers_factory):
    with Sandbox(orders=0, time_scale=float(SCALE), feed_processing_seconds=100) as sandbox:
        workers = workers_factory(11, **FAST)
        workers.start(2)
        handles = _submit_all(workers, sandbox, 8)
        _answered_by_one_feed(sandbox, workers, handles)
        text = workers.log_text()
        assert text.count("sealed: 8 messages, 36 records") == 1  # sealed once, by one of the two workers


def test_a_worker_killed_while_amazon_answers_its_batchs_submit_makes_no_second_feed(workers_factory):
    with Sandbox(orders=0, time_scale=float(SCALE), feed_processing_seconds=100) as sandbox:
        workers = workers_factory(11, **FAST)
        workers.start(1)
        sandbox.inject_fault("slow", operation="SubmitFeed", delay=3.0)
        handles = _submit_all(workers, sandbox, 4)
        _wait_for(sandbox, workers, "SubmitFeed")
        workers.kill(0)  # Amazon has the batch's feed; the worker never hears its id
        workers.start(1)
        _answered_by_one_feed(sandbox, workers, handles)
        assert "reconciling for it" in workers.logs[1].read_text()  # the replacement asked Amazon first


def test_a_worker_killed_while_it_reconciles_a_cut_send_sends_the_batch_once(workers_factory):
    with Sandbox(orders=0, time_scale=float(SCALE), feed_processing_seconds=100) as sandbox:
        workers = workers_factory(11, **FAST)
        workers.start(1)
        sandbox.inject_fault("cut", operation="SubmitFeed")  # dropped before Amazon did anything
        sandbox.inject_fault("slow", operation="GetFeedSubmissionList", delay=3.0)  # the reconciling look
        handles = _submit_all(workers, sandbox, 3)
        _wait_for(sandbox, workers, "GetFeedSubmissionList")
        workers.kill(0)  # the outcome of the one send is unknown to everyone but Amazon, which has nothing
        assert sandbox.feeds == {}
        workers.start(1)
        _answered_by_one_feed(sandbox, workers, handles, sends=2)  # the cut send, then one after Amazon was asked


def test_a_flows_feed_action_sends_one_feed_for_its_messages_or_one_each_when_told(workers_factory, tmp_path,
                                                                                    monkeypatch):
    from amazon_mws.workers.flow_runs import parse_flow, run_once

    with Sandbox(orders=4, seed=4, time_scale=float(SCALE), feed_processing_seconds=100) as sandbox:
        workers = workers_factory(11, **FAST)
        workers.set_env(monkeypatch)
        workers.start(2)
        for batch_seconds, feeds in ((1.0, 1), (0, 4)):
            out = tmp_path / f"feeds-{batch_seconds}.jsonl"
            spec = {
                "name": f"batches-{batch_seconds:g}-{workers.run_id}",
                "credentials": sandbox.credentials,
                "steps": [
                    {"id": "orders", "step": "getNewAndUpdatedOrders",
                     "config": {"orderStatus": ALL_STATUSES, "emitBehaviour": "order",
                                "startTime": to_amazon(sandbox.now() - timedelta(days=400))}},
                    {"id": "stock", "step": "updateItem", "feedBatchSeconds": batch_seconds,
                     "map": {"messages": {"value": [{"SKU": "SKU-1", "Quantity": 3}]}}},
                ],
                "sink": {"type": "file", "path": str(out)},
            }
            before = set(sandbox.feeds)
            report = run_once(parse_flow(spec), timeout=90, app=workers.app())
            assert report.ok, report.errors
            lines = [json.loads(line) for line in out.read_text().splitlines()]
            assert len(lines) == 4 == report.delivered  # every order's message answered
            assert {line["body"]["processingReport"]["messagesProcessed"] for line in lines} == {1}
            made = set(sandbox.feeds) - before
            assert len(made) == feeds and {line["body"]["feedSubmissionId"] for line in lines} == made
