"""Flows in one process: a trigger, then actions, then a sink, each message through each step, here.

- ``run_once_here(flow)``: one poll, and every message it produced through to the sink, with the trigger's
  state in the local SQLite file, so a newcomer can try a flow file with no services at all.
- ``retry_here(flow)``: the parked messages to the sink again.

The same flow on workers, and ``run_once`` (workers when REDIS_URL is set, else here), ``register`` and the
``flow run`` command: ``workers.flow_runs``. See ``flows.spec`` for the file format, ``flows.stages`` for
what both share, ``workers.flow_tasks`` for what the workers do and why it is crash-safe.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from amazon_mws.flows.spec import Flow, load_flow, parse_flow
from amazon_mws.runtime.emitter import Event
from amazon_mws.runtime.message import Message

__all__ = ["Flow", "FlowReport", "load_flow", "parse_flow", "retry_here", "run_once_here", "say_parked"]


@dataclass
class FlowReport:
    """What one ``--once`` run did."""

    flow: str
    mode: str  # "workers" | "in-process"
    messages: int = 0  # tasks (or in-process step runs) the run went through, sink included
    delivered: int = 0
    parked: int = 0  # messages the sink did not take, kept in the flow's parking lot (flows.parking)
    errors: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {"flow": self.flow, "mode": self.mode, "messages": self.messages, "delivered": self.delivered,
                "parked": self.parked, "errors": self.errors, "seconds": round(self.seconds, 3), "ok": self.ok}


# -- in one process ---------------------------------------------------------------------------------


def run_once_here(flow: Flow, store=None, *, sleep: Callable[[float], None] = time.sleep,
                  timeout: float | None = None) -> FlowReport:
    """The whole flow in this process: parked messages first, then what a stopped run left, then the
    trigger, each message through each step, then the sink.

    ``timeout``: seconds, after which the run stops at a safe point (``TimeoutError``): between two
    messages, and in the main thread also inside a step (its quota wait, a feed check) as Ctrl-C would
    (``runtime.interrupts``); what is not delivered yet stays in flight for the next run. A long run
    tells its per-step counts on stderr as it goes (``flows.progress``).

    The same ids, maps and passthrough as on workers; rebounds wait as ``runtime.rebound`` decides (then a
    ReboundLimitError in the report) and sink retries sleep.
    Every message between steps is kept in the state store until its step is done (``InFlight``), and a
    message the sink did not take is parked (``Parking``): a stopped run loses nothing, a failed one neither."""
    from amazon_mws.flows.guards import guard
    from amazon_mws.flows.history import recording
    from amazon_mws.flows.parking import InFlight
    from amazon_mws.flows.progress import FlowProgress
    from amazon_mws.flows.stages import children, namespace_of
    from amazon_mws.runtime import interrupts
    from amazon_mws.runtime.executor import run_step
    from amazon_mws.runtime.jsonlog import log_context
    from amazon_mws.runtime.rebound import ReboundPolicy, run_rebounding
    from amazon_mws.runtime.state import state_store_from_env

    store = store or state_store_from_env()
    report = FlowReport(flow.name, "in-process")
    started = time.monotonic()
    in_flight = InFlight(store, flow.name)
    queue: deque[tuple[int, Message]] = deque(in_flight.left())
    policy = ReboundPolicy.from_env()
    progress = FlowProgress(flow, report)
    for stage, _ in queue:
        progress.queued(stage)
    stop_at = None if timeout is None else started + timeout

    def run(index: int, msg: Message | None) -> None:
        step = flow.steps[index]
        emitted = 0

        def on_event(event: Event) -> None:
            nonlocal emitted
            if event.kind == "data" and event.message is not None:
                if index == 0:
                    progress.emitted(event.message)
                for child in children(flow, index, event.message, msg, emitted):
                    in_flight.put(index + 1, child)
                    queue.append((index + 1, child))
                    progress.queued(index + 1)
                emitted += 1

        ns = store.namespace(namespace_of(flow, index))

        def attempt(rebounds: int):
            with log_context(flow=flow.name, step=step.id, message=msg.id if msg else "poll"):
                return run_step(step.step, flow.cfg_for(index), msg or {}, state_namespace=ns,
                                on_event=on_event, attempt=rebounds)

        result = run_rebounding(attempt, policy, sleep=sleep)
        report.messages += 1
        for error in result.errors:
            report.errors.append({"step": step.id, "messageId": msg.id if msg else "poll", **error})

    def drain() -> None:
        while queue:
            if stop_at is not None and time.monotonic() >= stop_at:
                raise interrupts.TimedOut
            index, msg = queue.popleft()
            if index >= len(flow.steps):
                _sink_here(flow, store, msg, report, sleep)
            else:
                run(index, msg)
            in_flight.done(index, msg)
            progress.step_done(index)

    try:
        with interrupts.deadline(timeout):
            guard(store, flow)  # before anything moves: another seller's flow of this name is refused
            with recording(store, flow, report):  # for `amazon-mws status` (flows.history)
                _retry_parked_here(flow, store, report, sleep)
                drain()  # a stopped run's messages, in the order they were queued
                run(0, None)
                drain()
    except interrupts.TimedOut:
        raise TimeoutError(
            f"flow {flow.name}: stopped after {timeout:g} s (--timeout), {report.delivered} message(s) delivered; "
            "the messages not yet delivered are kept, the next run of this flow sends them first") from None
    progress.ticker.finish()
    report.seconds = time.monotonic() - started
    return report


def _sink_here(flow: Flow, store, msg: Message, report: FlowReport, sleep: Callable[[float], None], *,
               parked: bool = False) -> None:
    """Deliver one message; one the sink does not take is parked (with its error), never dropped.
    ``parked``: it came from the lot, and leaves it once delivered."""
    from amazon_mws.flows.parking import Parking
    from amazon_mws.flows.sinks import SinkError, deliver_with_retries

    report.messages += 1
    parking = Parking(store, flow.name)
    try:
        deliver_with_retries(flow.sink, flow.name, msg, sleep=sleep)
    except SinkError as exc:
        parking.park(msg, str(exc), exc.attempts)
        report.parked += 1
        report.errors.append({"step": "sink", "messageId": msg.id, "type": "SinkError", "message": str(exc),
                              "parked": True})
        return
    if parked:
        parking.delivered(msg.id)
    report.delivered += 1


def _retry_parked_here(flow: Flow, store, report: FlowReport, sleep: Callable[[float], None]) -> None:
    from amazon_mws.flows.parking import Parking

    for msg in Parking(store, flow.name).messages():
        _sink_here(flow, store, msg, report, sleep, parked=True)


def retry_here(flow: Flow, store=None, *, sleep: Callable[[float], None] = time.sleep,
               timeout: float | None = None) -> FlowReport:
    """``flow retry`` in one process: send the parked messages now (a failure parks them again).
    ``timeout``: stop at a safe point after that many seconds (``TimeoutError``), as ``run_once_here`` does;
    a message not yet sent stays parked."""
    from amazon_mws.runtime import interrupts
    from amazon_mws.runtime.state import state_store_from_env

    store = store or state_store_from_env()
    report = FlowReport(flow.name, "in-process")
    started = time.monotonic()
    try:
        with interrupts.deadline(timeout):
            _retry_parked_here(flow, store, report, sleep)
    except interrupts.TimedOut:
        raise TimeoutError(
            f"flow {flow.name}: stopped after {timeout:g} s (--timeout), {report.delivered} message(s) delivered; "
            "the others stay parked for the next retry or run") from None
    report.seconds = time.monotonic() - started
    return report


# -- CLI ----------------------------------------------------------------------------------------------


def say_parked(report: FlowReport, flow_ref: str) -> None:
    """Tell the operator, on stderr, what the run left parked and how to send it."""
    if report.parked:
        print(f"amazon-mws flow: {report.parked} message(s) parked: the sink did not take them (see "
              f"`amazon-mws status`); the next run sends them first, `amazon-mws flow retry {flow_ref}` "
              "sends them now", file=sys.stderr)
