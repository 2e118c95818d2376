"""Exactly one feed per input on Celery, with real `amazon-mws worker` processes, whatever dies around
SubmitFeed: the worker (SIGKILL while Amazon's reply is on its way), Redis (stalled past the clients'
socket timeout, right after Amazon took the feed), or the client (it sends the same message again).

Redis DB 13 (the stalled-Redis test runs its own redis-server). The sandbox takes SubmitFeed at once and
answers it late ("slow"), so the fault lands between Amazon accepting the feed and the worker recording
its id. Each test ends with one feed at the sandbox and the message answered with that feed's report.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest
import redis

from amazon_mws.sandbox import Sandbox
from amazon_mws.workers.app import CeleryExecutor

pytestmark = pytest.mark.timeout(120)
SCALE = "0.01"
BODY = {"messages": [{"SKU": "SKU-1", "Quantity": 10}, {"SKU": "SKU-2", "Quantity": 0}]}
FAST = {"AMAZON_MWS_TIME_SCALE": SCALE, "RESPONSE_CHECK_DELAY": "300", "CELERY_VISIBILITY_TIMEOUT": "4",
        "CELERY_RESTORE_INTERVAL": "1", "CELERY_RESTORE_THROTTLE": "1", "FEED_INFLIGHT_STALE_SECONDS": "2"}


def _wait_for_submit(sandbox: Sandbox, workers, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not [r for r in sandbox.requests if r["action"] == "SubmitFeed"]:
        assert time.monotonic() < deadline, workers.log_text()[-3000:]
        time.sleep(0.02)


def _one_feed_answered(sandbox: Sandbox, result) -> dict:
    assert result.ok, result.errors
    (out,) = [m.body for m in result.data]
    assert len(sandbox.feeds) == 1, sandbox.feeds  # exactly one feed at "Amazon"
    assert out["feedSubmissionId"] in sandbox.feeds and out["status"] == "_DONE_"
    assert out["processingReport"]["messagesProcessed"] == 2
    assert len([r for r in sandbox.requests if r["action"] == "SubmitFeed"]) == 1
    return out


def test_a_worker_killed_after_submit_feed_is_continued_not_resubmitted(workers_factory):
    with Sandbox(orders=0, time_scale=float(SCALE), feed_processing_seconds=100) as sandbox:
        workers = workers_factory(13, **FAST)
        workers.start(1)
        sandbox.inject_fault("slow", operation="SubmitFeed", delay=3.0)
        handle = CeleryExecutor(workers.app(), queue=workers.queue).submit(
            "updateItem", sandbox.credentials, {"id": "stock-1", "body": BODY})
        _wait_for_submit(sandbox, workers)
        workers.kill(0)  # Amazon has the feed; the worker never hears its id
        workers.start(1)
        _one_feed_answered(sandbox, handle.result(timeout=90))
        assert "reconciling for it" in workers.logs[1].read_text()  # the replacement asked Amazon first


def test_the_same_message_sent_twice_makes_one_feed(workers_factory):
    with Sandbox(orders=0, time_scale=float(SCALE), feed_processing_seconds=100) as sandbox:
        workers = workers_factory(13, **FAST)
        workers.start(2)
        executor = CeleryExecutor(workers.app(), queue=workers.queue)
        handles = [executor.submit("updateItem", sandbox.credentials, {"id": "stock-2", "body": BODY})
                   for _ in range(2)]  # a client retrying, a broker delivering twice
        results = [h.result(timeout=90) for h in handles]
        outs = [_one_feed_answered(sandbox, r) for r in results]
        assert outs[0]["feedSubmissionId"] == outs[1]["feedSubmissionId"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_redis():
    """A redis-server of this test's own, so it can be stalled (SIGSTOP) without touching the shared one."""
    port = _free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                             "--bind", "127.0.0.1"], stdout=subprocess.DEVNULL, start_new_session=True)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield proc, port
    os.kill(proc.pid, signal.SIGCONT)
    proc.terminate()
    proc.wait(timeout=10)


def test_redis_stalled_after_submit_feed_makes_no_second_feed(own_redis, workers_factory):
    """Every Redis client of the worker (broker, state, intents, checks) hangs while Amazon's reply comes."""
    proc, port = own_redis
    with Sandbox(orders=0, time_scale=float(SCALE), feed_processing_seconds=100) as sandbox:
        workers = workers_factory(0, **FAST)
        workers.url = f"redis://127.0.0.1:{port}/0"
        workers.env["REDIS_URL"] = workers.url
        workers.client = redis.Redis(port=port)
        workers.start(1)
        sandbox.inject_fault("slow", operation="SubmitFeed", delay=1.0)
        handle = CeleryExecutor(workers.app(), queue=workers.queue).submit(
            "updateItem", sandbox.credentials, {"id": "stock-3", "body": BODY})
        _wait_for_submit(sandbox, workers)
        os.kill(proc.pid, signal.SIGSTOP)  # Redis stalls while Amazon's reply is on its way
        time.sleep(4)  # longer than the reply's delay, the visibility timeout and the stale time
        os.kill(proc.pid, signal.SIGCONT)
        _one_feed_answered(sandbox, handle.result(timeout=90))
