"""Rebounds: when a step that asked to be run again is run again, and when it is given up.

A step emits ``rebound`` to say "not now, run this message again later" (Amazon not ready, a report still
being made). Every place that runs steps (``amazon-mws run``, the Celery ``run_step`` task, a flow's poll
and step tasks, the in-process flow runner) asks ``decide`` what to do with a run, so all of them wait the
same and stop at the same limit with the same error:

- ``Again(delay, rebounds)``: run it again after ``delay`` seconds, ``rebounds`` being the count so far
  (``REBOUND_INITIAL_DELAY``, default 1 s, doubled each time up to ``REBOUND_MAX_DELAY``, 60 s);
- ``GiveUp(error)``: it rebounded ``REBOUND_MAX_RETRIES`` (10) times already: the run ends with a
  ``ReboundLimitError`` error event (``GiveUp.apply``), never with silence;
- ``None``: the run did not rebound (or failed), its outcome stands.

The count is the caller's to carry, and it counts rebounds only: on Celery it travels as the task's
``rebounds`` keyword (``workers.retries``), not as Celery's own retry count, which lock waits and crash
retries also raise. It is also what the step sees as ``ctx.attempt``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from amazon_mws.runtime.emitter import Event
from amazon_mws.runtime.errors import ReboundLimitError
from amazon_mws.runtime.executor import RunResult
from amazon_mws.runtime.settings import env_count, env_number

LIMIT_ERROR = ReboundLimitError.__name__  # the error event's type


@dataclass(frozen=True)
class ReboundPolicy:
    initial: float = 1.0
    max_delay: float = 60.0
    max_retries: int = 10

    def delay(self, rebounds: int) -> float:
        """Countdown before rebound retry number ``rebounds + 1``: initial, 2x, 4x... capped at max_delay."""
        return float(min(self.initial * (2**rebounds), self.max_delay))

    @classmethod
    def from_env(cls) -> ReboundPolicy:
        """The policy the environment sets; a bad value is an error naming the variable and the rule."""
        return cls(
            initial=env_number("REBOUND_INITIAL_DELAY", 1.0),
            max_delay=env_number("REBOUND_MAX_DELAY", 60.0),
            max_retries=env_count("REBOUND_MAX_RETRIES", 10),
        )


@dataclass(frozen=True)
class Again:
    """Run the message again after ``delay`` seconds, as rebound number ``rebounds``."""

    delay: float
    rebounds: int


@dataclass(frozen=True)
class GiveUp:
    """Stop: ``error`` is the ReboundLimitError the run ends with."""

    error: dict[str, str]

    def apply(self, result: RunResult) -> Event:
        """Put the error event into ``result`` (before its end event); returns it for callers that stream."""
        event = Event("error", error=self.error)
        at = len(result.events) - 1 if result.events and result.events[-1].kind == "end" else len(result.events)
        result.events.insert(at, event)
        return event


def decide(result: RunResult, rebounds: int, policy: ReboundPolicy | None = None) -> Again | GiveUp | None:
    """What to do with a finished run, ``rebounds`` rebound retries having been made before it."""
    rebound = result.rebound
    if rebound is None or not result.ok:
        return None
    policy = policy or ReboundPolicy.from_env()
    if rebounds < policy.max_retries:
        return Again(policy.delay(rebounds), rebounds + 1)
    last = f"; last reason: {rebound.reason}" if rebound.reason else ""
    return GiveUp({
        "type": LIMIT_ERROR,
        "message": f"{result.step}: rebounded {rebounds} times (REBOUND_MAX_RETRIES={policy.max_retries}); giving "
                   f"up (raise REBOUND_MAX_RETRIES to wait longer){last}",
    })


def run_rebounding(
    run: Callable[[int], RunResult],
    policy: ReboundPolicy | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_give_up: Callable[[Event], None] | None = None,
) -> RunResult:
    """In one process: ``run(rebounds)`` until it does not rebound, sleeping as ``decide`` says; at the limit
    the result carries the ReboundLimitError (and ``on_give_up`` gets the event, for a streaming caller)."""
    policy = policy or ReboundPolicy.from_env()
    rebounds = 0
    while True:
        result = run(rebounds)
        decision = decide(result, rebounds, policy)
        if isinstance(decision, Again):
            sleep(decision.delay)
            rebounds = decision.rebounds
            continue
        if isinstance(decision, GiveUp):
            event = decision.apply(result)
            if on_give_up is not None:
                on_give_up(event)
        return result
