"""The token-bucket limiter: in-process, against the real Redis (DB 13), and shared by processes."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import uuid

import pytest
import redis

from amazon_mws.core import limiter as limiter_module
from amazon_mws.core.errors import Throttled
from amazon_mws.core.limiter import LocalLimiter, RedisLimiter, limiter_from_env
from amazon_mws.core.quotas import Quota, quota_for

REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def redis_prefix():
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # a missing Redis is a failure, not a skip
    prefix = f"test-mws-limiter:{uuid.uuid4().hex}"
    yield prefix
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def _limiters(prefix: str, scale: float):
    return [
        LocalLimiter(scale),
        RedisLimiter(redis.Redis.from_url(REDIS_URL), prefix=prefix, time_scale=scale),
    ]


@pytest.mark.parametrize("kind", ["local", "redis"])
def test_burst_then_restore_rate(kind: str, redis_prefix: str) -> None:
    scale = 0.06 / 300  # GetServiceStatus: burst 2, one per 300 s -> one per 0.06 s
    limiter = _limiters(redis_prefix, scale)[0 if kind == "local" else 1]
    restore = quota_for("GetServiceStatus", scale).restore_seconds
    assert limiter.acquire("S1", "GetServiceStatus") == 0
    assert limiter.acquire("S1", "GetServiceStatus") == 0
    started = time.monotonic()
    waited = limiter.acquire("S1", "GetServiceStatus")
    elapsed = time.monotonic() - started
    paced = restore * (1 + limiter_module.HEADROOM) + limiter_module.JITTER_SECONDS  # the margin on top
    assert 0.5 * restore < waited <= paced + 0.01
    assert elapsed >= waited * 0.95
    # another seller and another group have their own buckets
    assert limiter.acquire("S2", "GetServiceStatus") == 0
    assert limiter.acquire("S1", "ListOrderItems") == 0


@pytest.mark.parametrize("kind", ["local", "redis"])
def test_sample_mode_raises_instead_of_waiting(kind: str, redis_prefix: str) -> None:
    limiter = _limiters(redis_prefix, 1.0)[0 if kind == "local" else 1]
    for _ in range(6):
        limiter.acquire("S1", "ListOrdersByNextToken", block=False)  # shares ListOrders' bucket of 6
    started = time.monotonic()
    with pytest.raises(Throttled, match="ListOrders"):
        limiter.acquire("S1", "ListOrders", block=False)
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize("kind", ["local", "redis"])
def test_drain_empties_the_bucket(kind: str, redis_prefix: str) -> None:
    scale = 0.05 / 2  # ListOrderItems: burst 30, one per 2 s -> one per 0.05 s
    limiter = _limiters(redis_prefix, scale)[0 if kind == "local" else 1]
    assert limiter.acquire("S1", "ListOrderItems") == 0
    limiter.drain("S1", "ListOrderItems")
    with pytest.raises(Throttled):
        limiter.acquire("S1", "ListOrderItems", block=False)
    assert limiter.acquire("S1", "ListOrderItems") > 0.02


def test_unknown_operation_is_not_paced() -> None:
    assert LocalLimiter(1.0).acquire("S1", "GetMatchingProduct") == 0


def test_local_threads_share_one_bucket() -> None:
    scale = 0.02 / 60  # GetOrder: burst 6, one per 60 s -> one per 0.02 s
    limiter = LocalLimiter(scale)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            limiter.acquire("S1", "GetOrder")
            with lock:
                stamps.append(time.monotonic())

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(stamps) == 20
    assert time.monotonic() - started >= (20 - 6) * 0.02 * 0.95


def _process_worker(prefix: str, scale: float, count: int, out) -> None:
    limiter = RedisLimiter(redis.Redis.from_url(REDIS_URL), prefix=prefix, time_scale=scale)
    stamps = []
    for _ in range(count):
        limiter.acquire("SELLER", "GetOrder")
        stamps.append(time.time())
    out.put((os.getpid(), stamps))


def test_processes_sharing_redis_never_exceed_the_quota(redis_prefix: str) -> None:
    restore = 0.05
    scale = restore / 60  # GetOrder: burst 6, one per 60 s -> one per 0.05 s
    procs, per_proc, burst = 4, 8, 6
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    workers = [
        ctx.Process(target=_process_worker, args=(redis_prefix, scale, per_proc, out)) for _ in range(procs)
    ]
    for w in workers:
        w.start()
    results = [out.get(timeout=30) for _ in workers]
    for w in workers:
        w.join(timeout=10)
    assert len({pid for pid, _ in results}) == procs
    stamps = sorted(s for _, ss in results for s in ss)
    assert len(stamps) == procs * per_proc
    # in any window [t_i, t_j], at most burst + elapsed/restore requests (+1 for timing jitter of the stamps)
    for i in range(len(stamps)):
        for j in range(i, len(stamps)):
            allowed = burst + (stamps[j] - stamps[i]) / restore + 1
            assert j - i + 1 <= allowed, (i, j, stamps[j] - stamps[i])
    # and the quota really paced them: the extra requests needed their restore intervals
    assert stamps[-1] - stamps[0] >= (procs * per_proc - burst - 1) * restore * 0.9


def test_limiter_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    local = limiter_from_env(0.5)
    assert isinstance(local, LocalLimiter) and local.time_scale == 0.5
    assert limiter_from_env(0.5) is local  # one shared instance per process
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    shared = limiter_from_env(0.5)
    assert isinstance(shared, RedisLimiter)
    monkeypatch.setenv("AMAZON_MWS_TIME_SCALE", "0.25")
    assert limiter_from_env().time_scale == 0.25


@pytest.mark.parametrize("kind", ["local", "redis"])
def test_an_hourly_quota_holds_the_request_past_it_until_the_hour_is_over(kind: str, redis_prefix: str) -> None:
    """SubmitFeed's 30 an hour, shrunk: 3 an hour, the hour 0.72 s, the bucket never the limit (its burst of
    10 less the jitter reserve, one token at one per 10 ms)."""
    scale = 0.0002
    limiter = _limiters(redis_prefix, scale)[0 if kind == "local" else 1]
    quota = Quota(burst=10, restore_seconds=0.01, hourly=3)
    started = time.monotonic()
    assert [limiter.acquire("S1", "SubmitFeed", quota=quota) for _ in range(3)] == [0, 0, 0]
    with pytest.raises(Throttled):
        limiter.acquire("S1", "SubmitFeed", block=False, quota=quota)  # sample mode: not now
    waited = limiter.acquire("S1", "SubmitFeed", quota=quota)
    hour = 3600 * scale
    assert hour * 0.9 <= time.monotonic() - started <= hour * 1.5 and waited > hour * 0.8
    assert limiter.acquire("S2", "SubmitFeed", quota=quota) == 0  # another seller has its own hour
    # the fourth went in the new hour: two more fit in it, the third waits again
    assert limiter.acquire("S1", "SubmitFeed", quota=quota) == 0
    assert limiter.acquire("S1", "SubmitFeed", quota=quota) == 0
    with pytest.raises(Throttled):
        limiter.acquire("S1", "SubmitFeed", block=False, quota=quota)


def test_the_published_hourly_quotas_reach_the_limiter() -> None:
    assert quota_for("SubmitFeed").hourly == 30 and quota_for("GetFeedSubmissionResult").hourly == 60
    assert quota_for("ListOrders").hourly is None


class FakeTime:
    """A clock that only moves when the limiter sleeps: send times exactly as the limiter allows them."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _send_times(operation: str, scale: float, count: int) -> list[float]:
    fake = FakeTime()
    limiter = LocalLimiter(scale, clock=fake.clock, sleep=fake.sleep)
    stamps = []
    for _ in range(count):
        limiter.acquire("S1", operation)
        stamps.append(fake.now)
    return stamps


def _worst_excess(stamps: list[float], quota: Quota, jitter: float) -> float:
    """How far Amazon's bucket could be overdrawn if each request arrived up to `jitter` seconds late (any
    mix of delays): sends i..j may arrive within max(0, span - jitter) of each other, and Amazon accepts
    burst + that / restore of them (positive: a throttled reply is possible)."""
    worst = float("-inf")
    for i in range(len(stamps)):
        for j in range(i, len(stamps)):
            allowed = quota.burst + max(0.0, stamps[j] - stamps[i] - jitter) / quota.restore_seconds
            worst = max(worst, (j - i + 1) - allowed)
    return worst


@pytest.mark.parametrize(("operation", "scale"), [
    ("getOrders", 1e-5),  # burst 20, one per 0.6 ms: the 10 ms of jitter fit in the burst
    ("ListOrders", 1e-5),  # burst 6, one per 0.6 ms: they do not (the rest lengthens each interval)
    ("ListOrders", 0.02),  # burst 6, one per 1.2 s (bench/sync_walk.py's scale)
    ("GetServiceStatus", 1e-4),  # burst 2
])
def test_requests_keep_the_quota_whatever_the_delays_up_to_the_jitter(operation: str, scale: float) -> None:
    stamps = _send_times(operation, scale, 60)
    assert _worst_excess(stamps, quota_for(operation, scale), limiter_module.JITTER_SECONDS) <= 1e-9


def test_the_jitter_is_held_back_once_not_paid_per_request() -> None:
    """200 getOrders at time scale 1e-5 (one per 0.6 ms, burst 20): the old margin added 10 ms to every
    request past the burst (1.9 s); holding the jitter back as burst costs it once."""
    quota = quota_for("getOrders", 1e-5)
    stamps = _send_times("getOrders", 1e-5, 200)
    floor = (200 - quota.burst) * quota.restore_seconds  # Amazon's own: no margin at all
    assert stamps[-1] <= limiter_module.JITTER_SECONDS + floor * (1 + limiter_module.HEADROOM) + 1e-9
    assert stamps[-1] >= floor  # and never faster than Amazon's quota
    assert stamps[:3] == [0.0, 0.0, 0.0]  # what is left of the burst still goes at once


@pytest.mark.parametrize("kind", ["local", "redis"])
def test_past_the_burst_the_jitter_comes_on_top_once(
    kind: str, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """getOrders (burst 20) with one token per 0.1 s and 0.25 s of jitter: the whole burst goes at once, the
    21st waits the restore interval plus the jitter (it may arrive 0.25 s ahead of the first), the 22nd
    one interval more, not another jitter."""
    monkeypatch.setattr(limiter_module, "JITTER_SECONDS", 0.25)
    limiter = _limiters(redis_prefix, 0.1 / 60)[0 if kind == "local" else 1]
    restore = 0.1 * (1 + limiter_module.HEADROOM)
    for _ in range(20):
        assert limiter.acquire("S1", "getOrders", block=False) == 0
    with pytest.raises(Throttled):
        limiter.acquire("S1", "getOrders", block=False)
    sleeps: list[float] = []
    limiter._sleep = sleeps.append  # type: ignore[attr-defined]  # the wait it asks for, not slept
    first = limiter.acquire("S1", "getOrders")
    second = limiter.acquire("S1", "getOrders")
    assert restore + 0.25 - 0.05 < first <= restore + 0.25
    assert restore * 0.9 < second - first <= restore * 1.1


def test_status_reads_the_levels_past_a_buckets_companion_keys() -> None:
    """`amazon-mws status` scans the seller's quota keys: the bucket's `:recent` list (and an hourly
    quota's `:hour` set) sit beside the bucket's hash and are not read as one."""
    from amazon_mws.status import QUOTA_PREFIX, quota_levels

    client = redis.Redis.from_url(REDIS_URL)
    seller = f"status-{uuid.uuid4().hex}"
    limiter = RedisLimiter(client, prefix=QUOTA_PREFIX, time_scale=1.0)
    try:
        limiter.acquire(seller, "ListOrders")
        limiter.acquire(seller, "SubmitFeed")
        assert client.type(f"{QUOTA_PREFIX}:{seller}:ListOrders:recent") == b"list"
        levels = quota_levels(client, seller, time_scale=1.0)
        assert set(levels) == {"ListOrders", "SubmitFeed"}
        assert levels["ListOrders"]["burst"] == 6 and 4.9 < levels["ListOrders"]["tokens"] <= 5.1
    finally:
        keys = list(client.scan_iter(f"{QUOTA_PREFIX}:{seller}:*"))
        if keys:
            client.delete(*keys)
