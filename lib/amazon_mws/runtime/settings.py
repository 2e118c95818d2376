"""Numbers read from the environment: one reader, so every setting refuses a bad value the same way.

An operator who writes ``FLOW_LOCK_TTL=30s`` or ``FEED_BATCH_SECONDS=-1`` learns which variable and which
rule at start-up, instead of a crash deep in a run or a silent default.
"""

from __future__ import annotations

import os


def env_number(name: str, default: float, *, minimum: float = 0.0, inclusive: bool = True,
               whole: bool = False) -> float:
    """``name`` as a number (unset or blank: ``default``), at least ``minimum`` (``inclusive=False``:
    greater than it); ``whole``: a count, so ``2.5`` is refused. A bad value raises ValueError naming the
    variable, the value and the rule."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(int(raw)) if whole else float(raw)
    except ValueError:
        raise ValueError(f"{name}: {raw!r} is not a {'whole number' if whole else 'number'}") from None
    if value != value:  # NaN compares false with every bound: refuse it by name
        raise ValueError(f"{name}: {raw!r} is not a number")
    if inclusive and value < minimum:
        raise ValueError(f"{name}: {raw!r} is less than the minimum {minimum:g}")
    if not inclusive and value <= minimum:
        raise ValueError(f"{name}: {raw!r} must be greater than {minimum:g}")
    return value


def env_count(name: str, default: int) -> int:
    """A count from the environment (retries, attempts): a whole number, 0 or more."""
    return int(env_number(name, default, whole=True))
