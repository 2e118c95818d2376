"""Amazon's request quotas as token buckets, per seller and operation group, and its hourly quotas.

Each bucket starts full (`burst` requests) and gains one request every `restore_seconds` (already
multiplied by the time scale), never above `burst`: Amazon's "leaky bucket". Where Amazon publishes an
hourly quota (SubmitFeed: 30), the seller's hour starts with its first request of the group ("the hourly
window start varies per caller") and lasts an hour (scaled); past the quota every request is refused
with QuotaExceeded until the hour resets. Time comes from the sandbox clock, so advancing the clock
restores quota just as waiting would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from amazon_mws.core.quotas import OPERATION_GROUP, QUOTAS


class Throttle:
    def __init__(self, clock: Callable[[], float], time_scale: float = 1.0, enabled: bool = True) -> None:
        if time_scale <= 0:
            raise ValueError(f"time_scale must be greater than 0, got {time_scale}")
        self._clock = clock
        self.time_scale = time_scale
        self.enabled = enabled
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # -> (tokens, at)
        self._hours: dict[tuple[str, str], tuple[float, int]] = {}  # -> (hour started at, requests in it)
        self._lock = threading.Lock()

    def take(self, seller: str, operation: str) -> bool:
        """Spend one request of `operation`'s bucket; False when the bucket is empty (throttled)."""
        group = OPERATION_GROUP.get(operation)
        if not self.enabled or group is None:
            return True
        quota = QUOTAS[group].scaled(self.time_scale)
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get((seller, group), (float(quota.burst), now))
            tokens = min(float(quota.burst), tokens + max(0.0, now - at) / quota.restore_seconds)
            if tokens < 1.0:
                self._buckets[(seller, group)] = (tokens, now)
                return False
            self._buckets[(seller, group)] = (tokens - 1.0, now)
            if quota.hourly:
                started, count = self._hour(seller, group, now)
                self._hours[(seller, group)] = (started, count + 1)
            return True

    def _hour(self, seller: str, group: str, now: float) -> tuple[float, int]:
        started, count = self._hours.get((seller, group), (now, 0))
        if now >= started + 3600.0 * self.time_scale:
            return now, 0  # the hour is over: a new one starts with this request
        return started, count

    def hourly(self, seller: str, operation: str) -> tuple[int, int, float] | None:
        """(quota, requests left, reset time) of the seller's hour for `operation`, or None without an
        hourly quota. Zero left: the request is refused with QuotaExceeded until the reset time."""
        group = OPERATION_GROUP.get(operation)
        if not self.enabled or group is None or not QUOTAS[group].hourly:
            return None
        hourly = int(QUOTAS[group].hourly or 0)
        now = self._clock()
        with self._lock:
            started, count = self._hour(seller, group, now)
        return hourly, max(0, hourly - count), started + 3600.0 * self.time_scale

    def remaining(self, seller: str, operation: str) -> float:
        """Requests left in the bucket right now (for tests and the admin view)."""
        group = OPERATION_GROUP[operation]
        quota = QUOTAS[group].scaled(self.time_scale)
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get((seller, group), (float(quota.burst), now))
        return min(float(quota.burst), tokens + max(0.0, now - at) / quota.restore_seconds)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._hours.clear()
