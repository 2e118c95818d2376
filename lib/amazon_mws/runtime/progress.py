"""Announcing long waits on stderr, so a run that pauses for Amazon's quota never looks hung.

One plain line per wait (it is read in a terminal and in a log file alike), only for waits long enough
to be noticed; short pacing gaps stay silent. The clock shown is local wall time: when to look again.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

ANNOUNCE_SECONDS = 2.0


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
    until = (datetime.now() + timedelta(seconds=seconds)).strftime("%H:%M:%S")
    print(f"waiting for Amazon's quota ({operation}, {rate_words(restore_seconds)}) until {until}",
          file=sys.stderr, flush=True)
