"""A step run end to end through a real Celery worker process on the real Redis broker (DB 14).

The worker is the installed ``amazon-mws worker`` in a subprocess, on a queue of its own, with the
fixture component; rebounds use a 50 ms initial delay (time compression, not sleeping) and a cap of 3.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

from amazon_mws.workers.app import TASK_NAME, CeleryExecutor, make_app

pytestmark = pytest.mark.timeout(120)

BROKER = "redis://127.0.0.1:6379/14"
AMAZON_MWS_BIN = Path(sys.executable).parent / "amazon-mws"
SECRET = "right-secret-key-0001"
CFG = {"sellerId": "A1SELLER", "secretKey": SECRET, "marketplaceId": "ATVPDKIKX0DER"}
GOOD_ID = "123-1234567-1234567"


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    """Start the worker; yield (executor, state prefix, log path); stop it and delete our keys."""
    from testsupport import FIXTURE_COMPONENT, redis_answers

    assert redis_answers(), "Redis does not answer on 127.0.0.1:6379"
    run_id = uuid.uuid4().hex[:10]
    queue, prefix = f"test-runtime-{run_id}", f"test-runtime-{run_id}:"
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = dict(
        os.environ,
        REDIS_URL=BROKER,
        AMAZON_MWS_COMPONENT_DIR=str(FIXTURE_COMPONENT),
        AMAZON_MWS_STATE_PREFIX=prefix,
        REBOUND_INITIAL_DELAY="0.05",
        REBOUND_MAX_RETRIES="3",
        LOG_LEVEL="DEBUG",
    )
    log = log_path.open("w")
    proc = subprocess.Popen(
        [str(AMAZON_MWS_BIN), "worker", "--concurrency", "1", "--queues", queue, "--loglevel", "DEBUG"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    app = make_app(BROKER)
    executor = CeleryExecutor(app, queue=queue)
    client = redis.Redis.from_url(BROKER)
    task_ids: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while "ready." not in log_path.read_text():
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "worker did not become ready:\n" + log_path.read_text()
            time.sleep(0.1)
        yield executor, prefix, log_path, task_ids
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        keys = list(client.scan_iter(match=f"{prefix}*")) + [queue]
        keys += [f"celery-task-meta-{t}" for t in task_ids]
        client.delete(*keys)
        client.close()
        app.close()


def submit(worker, step, cfg, body, namespace=None):
    executor, _, _, task_ids = worker
    handle = executor.submit(step, cfg, body, namespace=namespace or f"ns-{uuid.uuid4().hex[:8]}")
    task_ids.append(handle.id)
    return handle.result(timeout=60)


def test_action_runs_on_the_worker(worker):
    result = submit(worker, "echoOrders", CFG, {"amazonOrderIds": [GOOD_ID]})
    assert [e.kind for e in result.events] == ["data", "end"]
    assert result.data[0].body == {"orders": [{"AmazonOrderId": GOOD_ID, "SalesChannel": "AFN"}]}


def test_rebound_retries_then_succeeds_with_state_in_redis(worker):
    _, prefix, _, _ = worker
    started = time.monotonic()
    result = submit(worker, "flaky", CFG, {"succeedOn": 3}, namespace="flaky-ok")
    assert result.ok and result.data[0].body == {"tries": 3}
    assert result.state == {"tries": 3, "attempts": [0, 1, 2]}  # ctx.attempt is the rebound count
    assert time.monotonic() - started >= 0.05 + 0.1  # the countdowns were honoured: 50 ms, then 100 ms
    raw = redis.Redis.from_url(BROKER).hgetall(f"{prefix}flaky-ok:state")
    assert raw[b"tries"] == b"3"


def test_rebound_gives_up_after_the_cap(worker):
    result = submit(worker, "alwaysRebound", CFG, {})
    assert [e.kind for e in result.events] == ["updateSnapshot", "rebound", "error", "end"]
    assert result.errors == [{
        "type": "ReboundLimitError",
        "message": "alwaysRebound: rebounded 3 times (REBOUND_MAX_RETRIES=3); giving up (raise REBOUND_MAX_RETRIES "
                   "to wait longer); last reason: never ready (try 4)",
    }]
    assert result.state == {"tries": 4, "attempts": [0, 1, 2, 3]}


def test_the_executor_sends_to_the_queue_amazon_mws_queue_names(worker, monkeypatch):
    executor, _, _, task_ids = worker
    monkeypatch.setenv("AMAZON_MWS_QUEUE", executor.queue)  # the one queue this file's worker takes
    own = CeleryExecutor(executor.app)
    assert own.queue == executor.queue
    handle = own.submit("echoOrders", CFG, {"amazonOrderIds": [GOOD_ID]}, namespace="queue-from-env")
    task_ids.append(handle.id)
    assert handle.result(timeout=30).ok


def test_bad_input_and_lazy_bodies_cross_the_broker(worker):
    bad = submit(worker, "echoOrders", CFG, {"amazonOrderIds": ["12"]})
    assert bad.errors[0]["message"] == r"body.amazonOrderIds[0]: '12' does not match '^\d{3}-\d{7}-\d{7}$'"
    lazy = submit(worker, "listThings", dict(CFG, status="Shipped", count="1500", lazy=True), {})
    assert len(lazy.data[0].body["things"]) == 1500


def test_every_problem_of_a_config_and_its_message_comes_back_in_one_error(worker):
    cfg = {"sellerId": "A1SELLER", "marketplaceId": "ATVPDKIKX0DER", "chanel": "MFN"}  # no secretKey; a typo
    result = submit(worker, "echoOrders", cfg, {"amazonOrderIds": ["12"]})
    assert result.errors == [{"type": "ValidationError", "message": (
        "cfg.secretKey: is required; cfg.chanel: unknown field (did you mean channel?); "
        r"body.amazonOrderIds[0]: '12' does not match '^\d{3}-\d{7}-\d{7}$'")}]


def test_worker_logs_hold_no_secret(worker):
    _, _, log_path, _ = worker
    pin, token = "pin-4455-worker", "amzn.mws.worker-SECRET-token"
    result = submit(worker, "explode", dict(CFG, apiPin=pin, mwsAuthToken=token), {})
    assert result.errors == [{"type": "RuntimeError", "message": "Amazon refused key *** / token ***"}]
    submit(worker, "flaky", dict(CFG, apiPin=pin), {"succeedOn": 2})  # a retry re-sends the arguments
    time.sleep(0.3)
    text = log_path.read_text()
    assert TASK_NAME in text and "printed: *** *** ***" in text
    for secret in (SECRET, pin, token):
        assert secret not in text
