"""Announcing long waits on stderr, so a run that pauses for Amazon never looks hung.

One plain line per wait (it is read in a terminal and in a log file alike), only for waits long enough
to be noticed; short pacing gaps and fast runs stay silent. The clock shown is local wall time: when to
look again. Three kinds: a quota wait (the limiters), a feed check (``feeds.job``'s wait loop in one
process), and a long ``flow run --once`` with its per-step counts (``Ticker``). ``LOG_LEVEL=ERROR`` (or
CRITICAL), the setting that asks for errors only, silences them all. stdout is never touched.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

ANNOUNCE_SECONDS = 2.0
EVERY_SECONDS = 5.0  # a long run's progress line at most this often


def enabled() -> bool:
    """Off when LOG_LEVEL asks for errors only."""
    from amazon_mws.runtime.logs import level_from_env

    return level_from_env() < logging.ERROR


def say(text: str) -> None:
    """One progress line on stderr (unless silenced)."""
    if enabled():
        print(text, file=sys.stderr, flush=True)


def clock_in(seconds: float) -> str:
    """The local time ``seconds`` from now, ``HH:MM:SS``."""
    return (datetime.now() + timedelta(seconds=seconds)).strftime("%H:%M:%S")


def rate_words(restore_seconds: float) -> str:
    """Amazon's restore interval in words: ``1 a minute``, ``2 a second``, ``1 every 5 s``."""
    if abs(restore_seconds - 60) < 0.5:
        return "1 a minute"
    if restore_seconds <= 1:
        return f"{round(1 / restore_seconds):g} a second"
    return f"1 every {restore_seconds:g} s"


def announce_wait(operation: str, restore_seconds: float, seconds: float) -> None:
    """``waiting for Amazon's quota (ListOrders, 1 a minute) until 12:03:10`` on stderr, for long waits."""
    if seconds < ANNOUNCE_SECONDS:
        return
    say(f"waiting for Amazon's quota ({operation}, {rate_words(restore_seconds)}) until {clock_in(seconds)}")


def announce_feed_check(state: dict[str, Any]) -> None:
    """``feed 1234 (_POST_INVENTORY_AVAILABILITY_DATA_): _IN_PROGRESS_, next check at 12:03:10``, before a
    wait between checks long enough to notice."""
    delay = float(state["delaySeconds"])
    if delay < ANNOUNCE_SECONDS:
        return
    say(f"feed {state['feedSubmissionId']} ({state['feedType'] or 'feed type not known yet'}): {state['status']}, "
        f"next check at {clock_in(delay)}")


class Ticker:
    """A long run's progress line: ``tick()`` as the run moves prints ``line()`` once the run has taken
    ``ANNOUNCE_SECONDS``, then at most every ``EVERY_SECONDS``; ``finish()`` prints the final counts if
    any line was printed (a fast run prints nothing)."""

    def __init__(self, line: Callable[[], str], *, clock: Callable[[], float] = time.monotonic) -> None:
        self._line = line
        self._clock = clock
        self._started = clock()
        self._last: float | None = None
        self._said = ""

    def tick(self) -> None:
        now = self._clock()
        if now - self._started < ANNOUNCE_SECONDS:
            return
        if self._last is not None and now - self._last < EVERY_SECONDS:
            return
        self._print(now)

    def finish(self) -> None:
        if self._last is not None:
            self._print(self._clock())

    def _print(self, now: float) -> None:
        text = self._line()
        if text != self._said:
            say(text)
            self._said = text
        self._last = now
