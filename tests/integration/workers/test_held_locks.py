"""Flow locks (``FlowStore.lock``) renewed by one thread per process: held past their TTL while held,
gone when released, lapsing when the holder stops renewing. Real Redis (DB 15, a prefix of our own)."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from amazon_mws.workers.flow_store import FlowStore

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def fs(redis_url):
    prefix = f"test-held-locks-{uuid.uuid4().hex[:8]}:"
    client = redis.Redis.from_url(redis_url)
    yield FlowStore(client, prefix)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_held_locks_outlive_their_ttl_and_go_when_released(fs):
    short, longer = fs.key("f", "lock", "short"), fs.key("f", "lock", "longer")
    a = fs.lock(short, "a", ttl=0.6)
    b = fs.lock(longer, "b", ttl=1.5)
    assert a is not None and b is not None
    assert fs.lock(short, "intruder", ttl=0.6) is None
    time.sleep(2.0)  # more than three of a's TTLs, more than one of b's
    assert fs.holder(short) == "a" and fs.holder(longer) == "b"
    a.release()
    assert fs.holder(short) is None and fs.holder(longer) == "b"
    time.sleep(1.0)
    assert fs.holder(longer) == "b"
    b.release()
    assert fs.holder(longer) is None


def test_a_lock_taken_over_is_not_renewed_back(fs):
    key = fs.key("f", "lock", "lost")
    held = fs.lock(key, "first", ttl=0.6)
    assert held is not None
    fs.r.set(key, "second", px=5000)  # as if it lapsed while this process was stopped and another took it
    time.sleep(0.8)
    assert fs.holder(key) == "second"
    held.release()  # not ours any more: releasing leaves the new holder alone
    assert fs.holder(key) == "second"
