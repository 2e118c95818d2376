"""Waits: a step that must look again later (a submitted feed) hands its wait over instead of sleeping.

Why here, in the runtime: the Celery code may not know any Amazon code (the import contracts in
pyproject.toml), yet it must carry a feed check on. So a step describes what it waits for as a ``Wait`` (a
JSON-able ``state``, the ``delay`` before the next look, and the ``poller`` that looks, by dotted name), and
the worker schedules tasks that call the poller by that name (``amazon_mws.workers.waits``).

A task that runs a step under a worker does so inside ``collecting()``; inside it ``defer(wait)`` keeps the
wait and returns True. Anywhere else (one process: the CLI, a flow run here, a library call) ``defer``
returns False and the step waits inline, as it always did.

A poller is ``poll(cfg, states) -> PollRound``: one look at every state (the step's cfg, with its
credentials, as the step had it), what finished (outputs, as the step would have emitted them), what failed
(error entries), and what is still pending (new waits).
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast


@dataclass(frozen=True)
class Wait:
    """What a step waits for: ``state`` (JSON), ``delay`` seconds to the next look, ``poller`` by name
    (``"package.module:function"``), so it can be stored, sent and picked up by another process."""

    state: dict[str, Any]
    delay: float
    poller: str


@dataclass
class PollRound:
    """One poller call's answer: finished outputs, error entries (``{"type", "message"}``), waits left."""

    outputs: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    pending: list[Wait] = field(default_factory=list)


Poller = Callable[[dict[str, Any], list[dict[str, Any]]], PollRound]

_COLLECTED: contextvars.ContextVar[list[Wait] | None] = contextvars.ContextVar(
    "amazon_mws_collected_waits", default=None
)


@contextlib.contextmanager
def collecting() -> Iterator[list[Wait]]:
    """Inside: ``defer`` takes the waits (collected in the yielded list) instead of the step waiting."""
    waits: list[Wait] = []
    token = _COLLECTED.set(waits)
    try:
        yield waits
    finally:
        _COLLECTED.reset(token)


def deferring() -> bool:
    """Whether a wait handed over now would be taken (a step that must prepare one, e.g. join a shared
    batch, asks first: prepared for nobody, it would be half done)."""
    return _COLLECTED.get() is not None


def defer(wait: Wait) -> bool:
    """Hand the wait to the worker running this step: True if taken, False in one process (wait inline)."""
    waits = _COLLECTED.get()
    if waits is None:
        return False
    waits.append(wait)
    return True


def resolve(name: str) -> Poller:
    """The poller named ``"package.module:function"``; a name that finds none is a ValueError naming it."""
    module_name, sep, attr = name.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"poller {name!r}: is not of the form 'package.module:function'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"poller {name!r}: module {module_name!r} cannot be imported ({exc})") from exc
    poller = getattr(module, attr, None)
    if not callable(poller):
        raise ValueError(f"poller {name!r}: module {module_name!r} has no function {attr!r}")
    return cast(Poller, poller)
