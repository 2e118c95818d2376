"""Amazon's clock as its replies state it (the `Date` header), for bounds Amazon checks against its own time.

Orders v2026-01-01 refuses a `lastUpdatedBefore` / `createdBefore` later than two minutes before the
request, by Amazon's clock. A window bound taken from our clock is wrong by the skew, and a 400 then ends
the poll; taken from Amazon's, it is right by construction. Every SP-API reply carries `Date`, so the
offset (Amazon minus us) is learned from each reply and kept per host, process-wide; until a host has
answered once the local clock stands in, with a wider margin at the caller (`known`). `Date` has whole
seconds; the callers' margins cover that.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_OFFSETS: dict[str, timedelta] = {}  # base URL -> Amazon's clock minus ours
_LOCK = threading.Lock()


def _local() -> datetime:
    return datetime.now(timezone.utc)


def observe(base_url: str, headers: Mapping[str, str], *, received: datetime | None = None) -> None:
    """Learn the offset from a reply's `Date` header (ignored when absent or not a date)."""
    raw = headers.get("Date") or headers.get("date")
    if not raw:
        return
    try:
        stated = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return
    if stated.tzinfo is None:
        stated = stated.replace(tzinfo=timezone.utc)
    with _LOCK:
        _OFFSETS[base_url] = stated - (received or _local())


def now(base_url: str) -> datetime:
    """The time at Amazon's `base_url` now, as far as its replies told us (else the local clock)."""
    with _LOCK:
        offset = _OFFSETS.get(base_url, timedelta(0))
    return _local() + offset


def known(base_url: str) -> bool:
    """Whether `base_url` has told us its time yet (callers widen their margin while it has not)."""
    with _LOCK:
        return base_url in _OFFSETS


def forget(base_url: str) -> None:
    """Drop what was learned (tests; a host whose clock jumped)."""
    with _LOCK:
        _OFFSETS.pop(base_url, None)
