"""Redis lost under running workers, and a fault-injection run that kills Redis and workers at random.

Each test runs its own redis-server on a free port (``own_redis``; never the shared one), real
``amazon-mws worker`` processes on it, the sandbox and a webhook receiver on 127.0.0.1.

- Redis restarted empty mid-walk: the next poll does not walk again from Start Time as if nothing happened;
  it stops with StateLost naming ``amazon-mws flow reset``; after the reset, every order arrives.
- Fault injection: rounds of ``flow run --once``, each hit at a random moment by a killed worker, a Redis
  restarted empty, or a webhook that is down; the operator does what the errors say (``flow reset`` after
  StateLost). At the end every order of the window was delivered at least once. The seed is printed.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import threading
import time
from datetime import timedelta

import pytest
import redis
from celery_helpers import AMAZON_MWS_BIN, orders_flow
from own_redis import own_redis  # noqa: F401 - fixture

from amazon_mws.core.times import to_amazon
from amazon_mws.sandbox import Sandbox
from amazon_mws.workers.flow_runs import parse_flow, run_once
from receivers import Receiver

SCALE = "0.005"
FAST_REDELIVERY = {"CELERY_VISIBILITY_TIMEOUT": "4", "CELERY_RESTORE_INTERVAL": "1", "CELERY_RESTORE_THROTTLE": "1"}


def _workers_on(factory, server, monkeypatch, count: int):
    workers = factory(0, AMAZON_MWS_TIME_SCALE=SCALE, **FAST_REDELIVERY)
    workers.url = workers.env["REDIS_URL"] = server.url
    workers.client = redis.Redis.from_url(server.url)
    workers.set_env(monkeypatch)
    workers.start(count)
    return workers


def _trigger_pages(workers, name: str) -> int:
    try:
        raw = workers.client.hget(f"{workers.prefix}flow:{name}:orders:state", "run")
    except redis.ConnectionError:
        return 0
    return int(json.loads(raw).get("pages", 0)) if raw else 0


def _in_background(flow, workers, timeout: float):
    outcome: dict = {}

    def drive() -> None:
        try:
            outcome["report"] = run_once(flow, timeout=timeout, app=workers.app())
        except Exception as exc:  # Redis gone under the waiting client, or the timeout: the test looks
            outcome["error"] = exc

    thread = threading.Thread(target=drive, daemon=True)
    thread.start()
    return thread, outcome


def _reset(workers, name: str) -> dict:
    done = subprocess.run([str(AMAZON_MWS_BIN), "flow", "reset", name], env=workers.env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _state_lost(report) -> bool:
    return any(e.get("type") == "StateLost" for e in report.errors)


def _order_ids(hook: Receiver) -> set[str]:
    return {key.rsplit("-order-", 1)[1].split(":")[0] for key in hook.delivered_keys()}


def _walk_flow(sandbox: Sandbox, workers, hook: Receiver, kind: str, per_page: int):
    """One message per order, straight to the webhook; a page of ``per_page`` orders per ListOrders call."""
    start = to_amazon(sandbox.now() - timedelta(days=400))
    spec = orders_flow(f"{kind}-{workers.run_id}", sandbox.credentials, start, hook.sink(),
                       per_page=per_page, items=False)
    return parse_flow(spec)


@pytest.mark.timeout(170)
def test_redis_restarted_empty_mid_walk_stops_the_next_poll_until_reset(own_redis, workers_factory,  # noqa: F811
                                                                        monkeypatch):
    with Sandbox(orders=60, seed=41, time_scale=float(SCALE)) as sandbox, Receiver("ok") as hook:
        workers = _workers_on(workers_factory, own_redis, monkeypatch, 1)
        flow = _walk_flow(sandbox, workers, hook, "lost", per_page=5)
        name = flow.name
        thread, outcome = _in_background(flow, workers, timeout=40)
        deadline = time.monotonic() + 40
        while _trigger_pages(workers, name) < 3:
            assert time.monotonic() < deadline and thread.is_alive(), workers.log_text()[-3000:]
            time.sleep(0.01)
        own_redis.restart_empty()
        thread.join(60)
        assert not thread.is_alive()

        report = run_once(flow, timeout=60, app=workers.app())
        assert _state_lost(report), report.errors
        (lost,) = [e for e in report.errors if e["type"] == "StateLost"]
        assert "the state store was emptied or replaced while this worker ran" in lost["message"]
        assert "amazon-mws flow reset FLOW" in lost["message"]
        assert report.delivered == 0  # no silent walk from Start Time
        again = run_once(flow, timeout=60, app=workers.app())
        assert _state_lost(again)  # it stays stopped until someone decides

        assert _reset(workers, name)["from"] == "startTime"
        done = run_once(flow, timeout=60, app=workers.app())
        assert done.ok, done.errors
        assert _order_ids(hook) == set(sandbox.orders)


@pytest.mark.timeout(290)
def test_killing_redis_and_workers_at_random_loses_no_order(own_redis, workers_factory, monkeypatch):  # noqa: F811
    seed = int(os.environ.get("FAULT_SEED") or random.randrange(1_000_000))
    print(f"fault injection seed: FAULT_SEED={seed}")
    rng = random.Random(seed)
    with Sandbox(orders=80, seed=42, time_scale=float(SCALE)) as sandbox, Receiver("ok") as hook:
        workers = _workers_on(workers_factory, own_redis, monkeypatch, 2)
        flow = _walk_flow(sandbox, workers, hook, "faults", per_page=8)
        name = flow.name
        faults = []
        for _ in range(4):
            thread, _ = _in_background(flow, workers, timeout=25)
            time.sleep(rng.uniform(0.2, 2.5))
            fault = rng.choice(["worker", "redis", "sink"])
            faults.append(fault)
            if fault == "worker":
                live = [n for n, p in enumerate(workers.procs) if p.poll() is None]
                workers.kill(rng.choice(live))
                workers.start(1)
            elif fault == "redis":
                own_redis.restart_empty()
            else:
                hook.mode = "down"
                time.sleep(rng.uniform(0.5, 1.5))
                hook.mode = "ok"
            thread.join(40)
            assert not thread.is_alive()

        for _ in range(8):  # the operator: run again, reset when told the state is gone, until one run is clean
            report = run_once(flow, timeout=60, app=workers.app())
            if _state_lost(report):
                _reset(workers, name)
                continue
            if report.ok and report.parked == 0:
                break
        else:
            pytest.fail(f"no clean run after faults {faults} (seed {seed}): {report.errors}")
        missing = set(sandbox.orders) - _order_ids(hook)
        assert not missing, f"lost {len(missing)} orders after faults {faults} (seed {seed})"
