"""Client-side pacing: Amazon's published quotas as token buckets keyed by seller and operation group.

A request waits for its token instead of drawing a 503 from Amazon. The bucket holds `burst` tokens
and gains one every `restore_seconds` (quotas.py, scaled by AMAZON_MWS_TIME_SCALE). Two stores:

- `RedisLimiter` (when REDIS_URL is set): one Lua script does refill-and-take atomically with the
  Redis server's clock (`TIME`), so every worker process on every machine draws from the same bucket
  and clocks of different machines do not matter. A blocking take *reserves* its token (the count
  may go negative) and returns how long to sleep, so waiting callers are served in order and nobody
  spins on Redis.
- `LocalLimiter` otherwise: the same arithmetic under a lock, for one process.

Where Amazon publishes an hourly quota too (SubmitFeed: 30 an hour besides its burst of 15 and one per
2 minutes; Amazon answers QuotaExceeded from the 31st), each bucket also keeps the times of its requests in
the last hour (scaled, with the same headroom) and a request waits until it is at most the N-th of any
hour. Amazon's hour starts when the caller's first request arrives ("the window start varies per
caller"), so no hour of Amazon's can hold more than any of ours.

`acquire(..., block=False)` (sample mode) takes a token only if one is there and raises `Throttled`
otherwise. `drain()` empties a bucket when Amazon throttles us anyway (another client of the same
seller, a clock drift): Amazon's bucket is empty, so ours should be too.
"""

from __future__ import annotations

import bisect
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from amazon_mws.core.errors import Throttled
from amazon_mws.core.quotas import OPERATION_GROUP, QUOTAS, Quota, quota_for, time_scale_from_env
from amazon_mws.runtime.progress import announce_wait


class Limiter(Protocol):
    time_scale: float

    def acquire(
        self, seller_id: str, operation: str, *, block: bool = True, quota: Quota | None = None
    ) -> float: ...

    def drain(self, seller_id: str, operation: str, *, quota: Quota | None = None) -> None: ...


# Our bucket starts when we send, Amazon's when the request arrives, and the time a request takes to get
# there varies (a first request slowed by a TCP/TLS handshake, a busy machine): requests we spaced exactly
# may arrive closer together. Two margins, for two causes:
# - HEADROOM: each restore interval is 1 % longer than published (600 ms at Amazon's one-a-minute
#   ListOrders), for clocks that do not tick alike. Measured by bench/sync_walk.py's sweep: 0 % drew
#   throttled replies; 5 % cost 5 % of the floor.
# - JITTER_SECONDS: a request may arrive up to 10 ms (real time: the time scale does not shrink it) later
#   than another relative to their sends. That does not add up from request to request: sends i..j, one
#   more than the burst allows at once, may arrive within their span less 10 ms, so the rule is that such
#   a span be 10 ms longer than the bucket alone needs (Amazon then accepts them for any delays within the
#   jitter). A bucket keeps its last `burst` send times for it (`_Lag`); the first `burst` requests still go
#   at once. (It was 10 ms added to every restore interval: 1.9 s over 200 getOrders at time scale 1e-5.)
HEADROOM = 0.01
JITTER_SECONDS = 0.01


def _quota(operation: str, time_scale: float, given: Quota | None = None) -> Quota | None:
    """The bucket's quota with headroom. `given` (already scaled) replaces the table's: SP-API tells the
    rate it really applies in `x-amzn-RateLimit-Limit`, and the client adapts to it."""
    if operation not in OPERATION_GROUP:
        return None  # an operation without a published quota is not paced
    quota = given or quota_for(operation, time_scale)
    return Quota(quota.burst, quota.restore_seconds * (1 + HEADROOM), quota.hourly)


class _Lag:
    """The jitter rule of one bucket. `earliest` is the least, over the sends up to `burst` places back, of
    when the next send would be one more than the bucket allows since that send (`burst` + elapsed /
    restore); the next send waits until `earliest` + JITTER_SECONDS. `recent` holds the later sends, whose
    turn to count comes as more follow (a GCRA fed with each send `burst` places late)."""

    def __init__(self) -> None:
        self.earliest: float | None = None
        self.recent: deque[float] = deque()

    def wait(self, now: float) -> float:
        return 0.0 if self.earliest is None else max(0.0, self.earliest + JITTER_SECONDS - now)

    def sent(self, at: float, quota: Quota) -> None:
        self.recent.append(at)
        while len(self.recent) >= quota.burst:
            first = self.recent.popleft()
            self.earliest = max(first, self.earliest if self.earliest is not None else first) + quota.restore_seconds


HOUR = 3600.0


def _hour(time_scale: float) -> float:
    """The hourly window, scaled, with the same headroom as the restore interval."""
    return HOUR * time_scale * (1 + HEADROOM) + JITTER_SECONDS


def _throttled(operation: str, wait: float) -> Throttled:
    return Throttled(
        f"{operation}: no request quota left, the next token comes in {wait:.2f} s (sample mode "
        "does not wait)",
        code="RequestThrottled",
        retry_after=wait,
    )


class LocalLimiter:
    """Thread-safe in-process token buckets."""

    def __init__(
        self,
        time_scale: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.time_scale = time_scale_from_env() if time_scale is None else time_scale
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # key -> (tokens, at)
        self._hours: dict[tuple[str, str], list[float]] = {}  # key -> send times (taken or reserved), last hour
        self._lags: dict[tuple[str, str], _Lag] = {}

    def _refill(self, key: tuple[str, str], quota: Quota, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(quota.burst), now))
        if now > at:
            tokens = min(float(quota.burst), tokens + (now - at) / quota.restore_seconds)
        return tokens

    def acquire(
        self, seller_id: str, operation: str, *, block: bool = True, quota: Quota | None = None
    ) -> float:
        quota = _quota(operation, self.time_scale, quota)
        if quota is None:
            return 0.0
        key = (seller_id, OPERATION_GROUP[operation])
        with self._lock:
            now = self._clock()
            tokens = self._refill(key, quota, now)
            lag = self._lags.setdefault(key, _Lag())
            wait = 0.0 if tokens >= 1 else (1 - tokens) * quota.restore_seconds
            wait = max(wait, lag.wait(now), self._hourly_wait(key, quota, now))
            if wait and not block:
                self._buckets[key] = (tokens, now)
                raise _throttled(operation, wait)
            self._buckets[key] = (tokens - 1, now)  # a wait reserves: later callers queue behind us
            lag.sent(now + wait, quota)
            if quota.hourly:
                bisect.insort(self._hours[key], now + wait)
        if wait:
            announce_wait(operation, quota_for(operation, 1.0).restore_seconds, wait)
            self._sleep(wait)
        return wait

    def _hourly_wait(self, key: tuple[str, str], quota: Quota, now: float) -> float:
        """How long until a send at `now` would be at most the hourly quota's N-th in any hour."""
        if not quota.hourly:
            return 0.0
        window = _hour(self.time_scale)
        sends = [t for t in self._hours.get(key, []) if t > now - window]
        self._hours[key] = sends
        if len(sends) < quota.hourly:
            return 0.0
        return max(0.0, sends[-quota.hourly] + window - now)

    def drain(self, seller_id: str, operation: str, *, quota: Quota | None = None) -> None:
        quota = _quota(operation, self.time_scale, quota)
        if quota is None:
            return
        key = (seller_id, OPERATION_GROUP[operation])
        with self._lock:
            now = self._clock()
            tokens = self._refill(key, quota, now)
            self._buckets[key] = (min(tokens, 0.0), now)

    def levels(self, seller_id: str) -> dict[str, dict[str, float]]:
        """``{group: {"tokens", "burst"}}`` for the seller's buckets used so far, refilled to now: what
        ``amazon-mws status`` shows from Redis, for a process that paces by itself (the console)."""
        out: dict[str, dict[str, float]] = {}
        with self._lock:
            now = self._clock()
            for (seller, group), _ in self._buckets.items():
                if seller == seller_id and group in QUOTAS:
                    quota = QUOTAS[group].scaled(self.time_scale)
                    out[group] = {"tokens": round(self._refill((seller, group), quota, now), 2), "burst": quota.burst}
        return out


# KEYS[1] bucket (tokens, at, and `lag`: _Lag.earliest), KEYS[2] its hour (a sorted set of send times),
# KEYS[3] its recent sends (_Lag.recent, a list); ARGV: burst, restore_seconds, mode ("take" reserves, "try"
# takes only if available, "drain" empties), hourly quota (0: none), hour window seconds, jitter seconds.
# Returns the seconds to wait as a string (Lua numbers would be truncated to integers).
_LUA = """
local burst = tonumber(ARGV[1])
local restore = tonumber(ARGV[2])
local mode = ARGV[3]
local hourly = tonumber(ARGV[4])
local hour = tonumber(ARGV[5])
local jitter = tonumber(ARGV[6])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'lag')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
local lag = tonumber(state[3])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) / restore)
end
local wait = 0
if mode == 'drain' then
  tokens = math.min(tokens, 0)
else
  if tokens < 1 then
    wait = (1 - tokens) * restore
  end
  if lag ~= nil then
    wait = math.max(wait, lag + jitter - now)
  end
  if hourly > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - hour)
    if redis.call('ZCARD', KEYS[2]) >= hourly then
      local nth = redis.call('ZRANGE', KEYS[2], -hourly, -hourly, 'WITHSCORES')
      wait = math.max(wait, tonumber(nth[2]) + hour - now)
    end
  end
  if wait == 0 or mode == 'take' then
    tokens = tokens - 1
    redis.call('RPUSH', KEYS[3], tostring(now + wait))
    while redis.call('LLEN', KEYS[3]) >= burst do
      local first = tonumber(redis.call('LPOP', KEYS[3]))
      if lag == nil or first > lag then
        lag = first
      end
      lag = lag + restore
    end
    if hourly > 0 then
      local at_send = now + wait
      redis.call('ZADD', KEYS[2], at_send, tostring(at_send) .. ':' .. tostring(redis.call('INCR', KEYS[2] .. ':n')))
      redis.call('PEXPIRE', KEYS[2], math.ceil((wait + hour + 60) * 1000))
      redis.call('PEXPIRE', KEYS[2] .. ':n', math.ceil((wait + hour + 60) * 1000))
    end
  end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
if lag ~= nil then
  redis.call('HSET', KEYS[1], 'lag', tostring(lag))
end
local ttl = math.ceil(((burst - tokens) * restore + jitter + 60) * 1000)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return tostring(wait)
"""


class RedisLimiter:
    """Token buckets shared by every process that talks to the same Redis."""

    def __init__(
        self,
        client: Any,  # a redis.Redis, or anything with its register_script
        *,
        prefix: str = "amazon_mws:quota",
        time_scale: float | None = None,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.time_scale = time_scale_from_env() if time_scale is None else time_scale
        self._client = client
        self._prefix = prefix
        self._sleep = sleep
        self._script = client.register_script(_LUA)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisLimiter:
        import redis

        return cls(redis.Redis.from_url(url), **kwargs)

    def _run(self, seller_id: str, operation: str, mode: str, given: Quota | None = None) -> float | None:
        quota = _quota(operation, self.time_scale, given)
        if quota is None:
            return None
        key = f"{self._prefix}:{seller_id}:{OPERATION_GROUP[operation]}"
        hour = repr(_hour(self.time_scale))
        raw = self._script(keys=[key, f"{key}:hour", f"{key}:recent"], args=[
            quota.burst, repr(quota.restore_seconds), mode, quota.hourly or 0, hour, repr(JITTER_SECONDS)])
        return float(raw.decode() if isinstance(raw, bytes) else raw)

    def acquire(
        self, seller_id: str, operation: str, *, block: bool = True, quota: Quota | None = None
    ) -> float:
        wait = self._run(seller_id, operation, "take" if block else "try", quota)
        if not wait:
            return 0.0
        if not block:
            raise _throttled(operation, wait)
        announce_wait(operation, quota_for(operation, 1.0).restore_seconds, wait)
        self._sleep(wait)
        return wait

    def drain(self, seller_id: str, operation: str, *, quota: Quota | None = None) -> None:
        self._run(seller_id, operation, "drain", quota)


_SHARED: dict[tuple[str | None, float], Limiter] = {}
_SHARED_LOCK = threading.Lock()


def limiter_from_env(time_scale: float | None = None) -> Limiter:
    """The process's limiter: Redis-backed when REDIS_URL is set, else in-process. One instance per
    (REDIS_URL, time scale), so every connection in a process shares the same buckets."""
    scale = time_scale_from_env() if time_scale is None else time_scale
    url = os.environ.get("REDIS_URL") or None
    with _SHARED_LOCK:
        limiter = _SHARED.get((url, scale))
        if limiter is None:
            limiter = RedisLimiter.from_url(url, time_scale=scale) if url else LocalLimiter(scale)
            _SHARED[(url, scale)] = limiter
        return limiter
