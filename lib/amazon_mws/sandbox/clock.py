"""The sandbox clock and Amazon's date formats.

The clock is the wall clock plus an offset that tests move forward (`advance_clock`): everything that
depends on time (the 2-minute window, the 15-minute timestamp window, quotas, feed processing) reads
this clock, so a test can jump an hour without sleeping and the sandbox stays self-consistent.
Dates keep millisecond precision, as Amazon's do, so a `LastUpdatedBefore` handed back to a client
and sent again as `LastUpdatedAfter` names exactly the same instant.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

UTC = timezone.utc


class Clock:
    """Wall clock plus an adjustable offset (seconds). Thread-safe."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        """Seconds since the epoch on the sandbox clock."""
        with self._lock:
            return time.time() + self._offset

    def now(self) -> datetime:
        """The sandbox time, UTC, truncated to milliseconds (Amazon's precision)."""
        return truncate_ms(datetime.fromtimestamp(self.time(), UTC))

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError(f"advance_clock: seconds must be >= 0, got {seconds}")
        with self._lock:
            self._offset += seconds
        return self.now()


def truncate_ms(dt: datetime) -> datetime:
    return dt.replace(microsecond=dt.microsecond // 1000 * 1000)


def iso_ms(dt: datetime) -> str:
    """`2020-06-24T14:10:37.462Z`: the Orders API's date format."""
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def iso_offset(dt: datetime) -> str:
    """`2020-10-12T11:32:53+00:00`: the Feeds API's date format."""
    return dt.astimezone(UTC).replace(microsecond=0).isoformat()


def http_date(dt: datetime) -> str:
    """RFC 1123, for the `Date` header (clients use it to measure clock skew)."""
    return format_datetime(dt.astimezone(UTC), usegmt=True)


def parse_iso(value: str) -> datetime:
    """An ISO 8601 date-time as clients send it (`Z`, an offset, or none: then UTC). ValueError if not."""
    text = value.strip()
    if not text or "T" not in text:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time")
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
