"""A worker's shared things (``amazon_mws.workers.context``) on a real worker process and a Redis of the
test's own (``own_redis``: INFO's connection counter is then ours alone, the shared Redis has other users;
it is the first fixture, so it is stopped after the workers' cleanup).

- Many messages, a bounded number of Redis connections: the step tasks share one connection pool, they
  do not open one each (before, every task's ``FlowStore.from_env()`` did).
- The worker parses a flow once per registered version, and a flow registered again with another sink
  is what the very next message goes through: no restart, no stale cached flow.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery_helpers import orders_flow
from own_redis import own_redis  # noqa: F401 - fixture

from amazon_mws.core.times import to_amazon
from amazon_mws.flows.spec import parse_flow
from amazon_mws.runtime.message import Message
from amazon_mws.sandbox import Sandbox
from amazon_mws.workers.flow_runs import run_once

pytestmark = pytest.mark.timeout(150)
SCALE = "0.01"


def _workers_on(factory, server, monkeypatch):
    workers = factory(0, AMAZON_MWS_TIME_SCALE=SCALE)
    workers.url = workers.env["REDIS_URL"] = server.url
    workers.client = redis.Redis.from_url(server.url)
    workers.set_env(monkeypatch)
    workers.start(1)
    return workers


def _connections(client: redis.Redis) -> int:
    return int(client.info("stats")["total_connections_received"])


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_many_messages_open_a_bounded_number_of_connections(own_redis, workers_factory, monkeypatch,  # noqa: F811
                                                            tmp_path):
    workers = _workers_on(workers_factory, own_redis, monkeypatch)
    app = workers.app()
    with Sandbox(orders=160, seed=23, time_scale=float(SCALE)) as sandbox:
        start = to_amazon(sandbox.now() - timedelta(days=400))
        warm = parse_flow(orders_flow(f"warm-{workers.run_id}", sandbox.credentials, start,
                                      {"type": "file", "path": str(tmp_path / "warm.jsonl")}, items=False))
        spec = orders_flow(f"conns-{workers.run_id}", sandbox.credentials, start,
                           {"type": "file", "path": str(tmp_path / "out.jsonl")}, per_page=100, items=False)
        # a first run makes the connections a worker keeps (broker, pool child, limiter, stores)
        assert run_once(warm, timeout=90, app=app).ok
        before = _connections(workers.client)
        report = run_once(parse_flow(spec), timeout=90, app=app)
        opened = _connections(workers.client) - before
    assert report.ok and report.delivered == len(sandbox.orders) == 160
    assert len(_lines(tmp_path / "out.jsonl")) == 160
    # the worker, this client and its tracker polls together: a handful, never one per message
    assert opened <= 20, f"{opened} Redis connections opened for {report.messages} tasks"


def test_a_flow_registered_again_is_what_the_next_message_goes_through(own_redis, workers_factory,  # noqa: F811
                                                                       monkeypatch, tmp_path):
    from amazon_mws.workers.flow_store import FlowStore
    from amazon_mws.workers.flow_tasks import send_message

    workers = _workers_on(workers_factory, own_redis, monkeypatch)
    app = workers.app()
    fs = FlowStore.from_env()
    creds = {"sellerId": "A1TESTSELLER", "accessKeyId": "AKIA-TEST", "secretKey": "test",
             "marketplaceId": "A1PA6795UKMFR9", "endpoint": "http://127.0.0.1:9"}
    name = f"again-{workers.run_id}"
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"

    def deliver(sink: Path, n: int) -> None:
        flow = parse_flow(orders_flow(name, creds, "2026-01-01T00:00:00Z", {"type": "file", "path": str(sink)},
                                      items=False))
        fs.register(flow)
        for i in range(n):
            send_message(app, fs, flow, len(flow.steps), Message(id=f"{sink.stem}-{i}", body={"n": i}), None)

    def wait_for(sink: Path, count: int) -> None:
        deadline = time.monotonic() + 60
        while len(_lines(sink)) < count:
            assert time.monotonic() < deadline, f"{sink.name}: {len(_lines(sink))} of {count}\n" + workers.log_text()
            time.sleep(0.05)

    deliver(first, 3)
    wait_for(first, 3)
    version = workers.client.get(f"{workers.prefix}flow:{name}:version")
    deliver(second, 2)  # the same flow name, another sink: the worker must not keep the flow it parsed
    wait_for(second, 2)
    assert [m["id"] for m in _lines(second)] == ["second-0", "second-1"]
    assert len(_lines(first)) == 3
    assert workers.client.get(f"{workers.prefix}flow:{name}:version") != version
    assert workers.procs[0].poll() is None and workers.log_text().count("ready.") == 1  # never restarted
