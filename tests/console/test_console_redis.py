"""With REDIS_URL the Runs screen adds the workers' view (what `amazon-mws status` reads from Redis), and
Schedule is offered; the keys live under a prefix of this test's own and are deleted after."""

from __future__ import annotations

import json
import uuid

import pytest
import redis
import requests

from amazon_mws.console.app import COOKIE
from amazon_mws.flows.spec import parse_flow
from amazon_mws.runtime.state.redis import RedisStateStore
from amazon_mws.workers.flow_store import FlowStore

from .console_support import TOKEN, start_console


@pytest.fixture
def prefix(redis_url):
    prefix = f"test-console-{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


def test_runs_show_the_workers_view_from_redis(tmp_path, redis_url, prefix, monkeypatch, sandbox):
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("AMAZON_MWS_STATE_PREFIX", prefix)
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps(sandbox.credentials))
    flow = parse_flow({"name": "on-workers", "credentials": {"file": str(creds)}, "schedule": {"interval": 60},
                       "steps": [{"id": "orders", "step": "getNewAndUpdatedOrders",
                                  "config": {"orderStatus": ["Shipped"]}}]}, base_dir=tmp_path)
    store = FlowStore.from_env()
    store.register(flow)  # registered only: no beat schedule is written to the shared Redis
    store.set_last_run("on-workers", {"finishedAt": 1_700_000_000, "messages": 3, "ok": True})
    RedisStateStore(redis_url, prefix=prefix).namespace("flow:on-workers:orders").replace(
        {"cursor": "2026-11-30T10:00:00.000Z"})

    console = start_console(tmp_path, {"REDIS_URL": redis_url, "AMAZON_MWS_STATE_PREFIX": prefix})
    try:
        with requests.Session() as session:
            session.cookies.set(COOKIE, TOKEN)
            page = session.get(f"{console.url}/runs", timeout=30).text
            flow_page = session.get(f"{console.url}/flow", timeout=30).text
    finally:
        console.stop()
    workers = page.split("On the workers (Redis)", 1)[1]
    assert "<td>on-workers</td>" in workers
    assert "2026-11-30T10:00:00.000Z" in workers and "2023-11-14 22:13:20 UTC" in workers
    assert 'value="schedule"' in flow_page and "needs REDIS_URL" not in flow_page  # Schedule enabled
    assert sandbox.credentials["secretKey"] not in page


def test_schedule_registers_the_flow_for_workers_and_beat(tmp_path, redis_url, prefix, sandbox):
    console = start_console(tmp_path, {"REDIS_URL": redis_url, "AMAZON_MWS_STATE_PREFIX": prefix})
    flow = {"name": "scheduled-here", "trigger": "getNewAndUpdatedOrders", "actionCount": "0", "sinkType": "file"}
    try:
        with requests.Session() as session:
            session.cookies.set(COOKIE, TOKEN)
            session.post(f"{console.url}/credentials", data={**sandbox.credentials, "action": "save"}, timeout=30)
            session.post(f"{console.url}/step/getNewAndUpdatedOrders/metadata",
                         data={"orderStatus": "Shipped"}, timeout=30)
            unscheduled = session.post(f"{console.url}/flow", data={**flow, "do": "schedule"}, timeout=30).text
            scheduled = session.post(f"{console.url}/flow", data={**flow, "do": "schedule", "interval": "60"},
                                     timeout=30).text
    finally:
        console.stop()
    assert "flow.schedule: give an interval to schedule" in unscheduled
    assert "Scheduled every 60.0 s." in scheduled
    client = redis.Redis.from_url(redis_url)
    assert client.sismember(f"{prefix}flows", "scheduled-here")
    entries = [k.decode() for k in client.scan_iter(match=f"{prefix}redbeat:*scheduled-here*")]
    assert entries, "no beat entry for the flow"
