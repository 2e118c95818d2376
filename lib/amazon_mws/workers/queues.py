"""The queue names (``AMAZON_MWS_QUEUE``, default ``amazon-mws``, is the base name), in a module of their own
so every task module can send to them without importing the Celery app (which imports the task modules).

``<base>`` for actions and single step runs, ``<base>.poll`` for trigger polls, ``<base>.feed-checks`` for
waits (feed re-checks), so a slow poll of one seller never holds up actions, and the waits (short, frequent)
never wait behind either.
"""

from __future__ import annotations

import os

DEFAULT_QUEUE = "amazon-mws"


def base_queue() -> str:
    return os.environ.get("AMAZON_MWS_QUEUE") or DEFAULT_QUEUE


def actions_queue() -> str:
    """Actions, sinks and single step runs."""
    return base_queue()


def poll_queue() -> str:
    """Trigger polls (long: they wait on ListOrders' quota)."""
    return f"{base_queue()}.poll"


def feed_checks_queue() -> str:
    """Waits: feed re-checks (short, scheduled with a countdown); the name predates generic waits."""
    return f"{base_queue()}.feed-checks"


def all_queues() -> list[str]:
    return [actions_queue(), poll_queue(), feed_checks_queue()]
