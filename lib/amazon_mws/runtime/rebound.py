"""How long a rebounded message waits before it runs again, and how often: one policy for every executor.

In the runtime because both the Celery tasks (``workers``) and the in-process flow runner (``flows``) apply
it, and neither may stand on the other. ``REBOUND_INITIAL_DELAY`` seconds (default 1), doubled each time up
to ``REBOUND_MAX_DELAY`` (60), at most ``REBOUND_MAX_RETRIES`` times (10).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

_N = TypeVar("_N", int, float)


def _number(name: str, default: _N, cast: Callable[[str], _N]) -> _N:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = cast(raw)
    except ValueError:
        raise ValueError(f"{name}: must be a number, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name}: must be >= 0, got {raw!r}")
    return value


@dataclass(frozen=True)
class ReboundPolicy:
    initial: float = 1.0
    max_delay: float = 60.0
    max_retries: int = 10

    def delay(self, retries: int) -> float:
        """Countdown before retry number ``retries + 1``: initial, 2x, 4x... capped at max_delay."""
        return min(self.initial * float(2**retries), self.max_delay)

    @classmethod
    def from_env(cls) -> ReboundPolicy:
        return cls(
            initial=_number("REBOUND_INITIAL_DELAY", 1.0, float),
            max_delay=_number("REBOUND_MAX_DELAY", 60.0, float),
            max_retries=_number("REBOUND_MAX_RETRIES", 10, int),
        )
