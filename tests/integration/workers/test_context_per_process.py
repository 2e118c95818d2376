"""``amazon_mws.workers.context`` in one process: one client for both stores, made again after a fork or
when the environment names another Redis; a flow parsed once per registered version, and again when the
flow is registered with another spec (or, registered before versions existed, when its text changed).

Real Redis (DB 15, a prefix of the test's own); the real worker path is in tests/e2e/celery."""

from __future__ import annotations

import json
import os
import uuid

import pytest
import redis

from amazon_mws.flows.spec import parse_flow
from amazon_mws.workers import context

pytestmark = pytest.mark.timeout(60)
CREDS = {"sellerId": "A1TESTSELLER", "accessKeyId": "AKIA-TEST", "secretKey": "test",
         "marketplaceId": "A1PA6795UKMFR9", "endpoint": "http://127.0.0.1:9"}


@pytest.fixture
def prefix(redis_url, monkeypatch):
    prefix = f"test-worker-context-{uuid.uuid4().hex[:8]}:"
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("AMAZON_MWS_STATE_PREFIX", prefix)
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def _flow(name: str, path: str):
    return parse_flow({"name": name, "credentials": CREDS,
                       "steps": [{"id": "orders", "step": "getNewAndUpdatedOrders",
                                  "config": {"orderStatus": ["Shipped"], "startTime": "2026-01-01T00:00:00Z"}}],
                       "sink": {"type": "file", "path": path}})


def test_one_client_per_process_for_both_stores(prefix, redis_url, monkeypatch):
    ctx = context.current()
    assert context.current() is ctx and context.flow_store() is ctx.flows
    assert context.state_store() is context.state_store()
    assert context.state_store()._client is ctx.client is ctx.flows.r  # type: ignore[attr-defined]
    monkeypatch.setenv("AMAZON_MWS_STATE_PREFIX", f"{prefix}other:")
    assert context.current() is not ctx and context.flow_store().prefix == f"{prefix}other:"


def test_a_forked_child_makes_its_own(prefix):
    parent = context.current()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without pytest's teardown
        child = context.current()
        fresh = child is not parent and child.client is not parent.client and child.pid == os.getpid()
        os.write(write, b"fresh" if fresh and child.client.ping() else b"shared")
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 16) == b"fresh"
    os.close(read)
    assert context.current() is parent


def test_a_flow_is_parsed_once_per_registered_version(prefix, tmp_path):
    fs = context.flow_store()
    name = f"cached-{uuid.uuid4().hex[:6]}"
    fs.register(_flow(name, str(tmp_path / "a.jsonl")))
    first = fs.flow(name)
    assert fs.flow(name) is first  # nothing parsed again
    fs.register(_flow(name, str(tmp_path / "a.jsonl")))  # its inline secrets are sealed anew: a new version
    again = fs.flow(name)
    assert again is not first and again.sink.path == first.sink.path
    assert fs.flow(name) is again  # and parsed once
    fs.register(_flow(name, str(tmp_path / "b.jsonl")))
    second = fs.flow(name)
    assert second is not first and second.sink.path == str(tmp_path / "b.jsonl")


def test_a_flow_registered_before_versions_is_compared_by_its_text(prefix, tmp_path):
    fs = context.flow_store()
    name = f"legacy-{uuid.uuid4().hex[:6]}"
    fs.register(_flow(name, str(tmp_path / "a.jsonl")))
    fs.r.delete(fs.key(name, "version"))
    first = fs.flow(name)
    assert fs.flow(name) is first
    fs.r.set(fs.key(name, "spec"), json.dumps(_flow(name, str(tmp_path / "b.jsonl")).to_json()))
    assert fs.flow(name).sink.path == str(tmp_path / "b.jsonl")


def test_an_unregistered_flow_is_named(prefix):
    with pytest.raises(LookupError, match="'nowhere' is not registered"):
        context.flow_store().flow("nowhere")
