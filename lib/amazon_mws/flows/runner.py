"""Flows: a trigger, then actions, then a sink, run once or on a schedule (the Python API and the CLI).

    from amazon_mws.flows.runner import load_flow, run_once
    report = run_once(load_flow("orders.flow.json"))      # workers when REDIS_URL is set, else here

- ``run_once(flow)``: one poll, and wait until the sink got everything the poll produced. With REDIS_URL the
  work is done by the workers (one task per message) and this process only waits; without it, everything
  runs here, with the trigger's state in the local SQLite file, so a newcomer can try a flow file with no
  services at all.
- ``register(flow)``: store the flow for the workers and (with a schedule) put it on the beat schedule.

See ``flow_spec`` for the file format, ``flow_tasks`` for what the workers do and why it is crash-safe.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from amazon_mws.flows.spec import Flow, load_flow, parse_flow
from amazon_mws.runtime.emitter import Event
from amazon_mws.runtime.message import Message

__all__ = ["Flow", "FlowReport", "load_flow", "parse_flow", "register", "run_once", "run_once_here",
           "run_once_on_workers"]


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

    The same ids, maps and passthrough as on workers; rebounds wait (ReboundPolicy) and sink retries sleep.
    Every message between steps is kept in the state store until its step is done (``InFlight``), and a
    message the sink did not take is parked (``Parking``): a stopped run loses nothing, a failed one neither."""
    from amazon_mws.flows.guards import guard
    from amazon_mws.flows.history import recording
    from amazon_mws.flows.parking import InFlight
    from amazon_mws.flows.progress import FlowProgress
    from amazon_mws.runtime import interrupts
    from amazon_mws.runtime.executor import run_step
    from amazon_mws.runtime.jsonlog import log_context
    from amazon_mws.runtime.state import state_store_from_env
    from amazon_mws.workers.app import ReboundPolicy
    from amazon_mws.workers.flow_tasks import children, namespace_of

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
        attempt = 0
        while True:
            with log_context(flow=flow.name, step=step.id, message=msg.id if msg else "poll"):
                result = run_step(step.step, flow.cfg_for(index), msg or {}, state_namespace=ns,
                                  on_event=on_event, attempt=attempt)
            if result.rebound is None or not result.ok or attempt >= policy.max_retries:
                break
            sleep(policy.delay(attempt))
            attempt += 1
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


def retry_here(flow: Flow, store=None, *, sleep: Callable[[float], None] = time.sleep) -> FlowReport:
    """``flow retry`` in one process: send the parked messages now (a failure parks them again)."""
    from amazon_mws.runtime.state import state_store_from_env

    store = store or state_store_from_env()
    report = FlowReport(flow.name, "in-process")
    started = time.monotonic()
    _retry_parked_here(flow, store, report, sleep)
    report.seconds = time.monotonic() - started
    return report


# -- on workers -------------------------------------------------------------------------------------


def _claim_here(flow: Flow) -> None:
    """Refuse, before it is stored, a flow whose name another seller's flow already uses (``guards``).
    Credentials that resolve only on the workers are checked there, at the poll."""
    from amazon_mws.flows.guards import claim
    from amazon_mws.runtime.errors import ValidationError
    from amazon_mws.runtime.state import state_store_from_env

    try:
        cfg = flow.cfg_for(0)
    except ValidationError:
        return
    claim(state_store_from_env(), flow.name, cfg)


def register(flow: Flow, *, schedule: bool = True, app=None) -> None:
    """Store the flow where workers find it; with a schedule (and ``schedule``), add it to beat's."""
    from amazon_mws.workers.flow_store import FlowStore

    _claim_here(flow)
    FlowStore.from_env().register(flow)
    if schedule and flow.schedule:
        from amazon_mws.workers.scheduler import schedule_flow

        schedule_flow(flow, app=app)


def run_once_on_workers(flow: Flow, *, timeout: float = 600.0, app=None, interval: float = 0.1) -> FlowReport:
    """Register the flow, send one poll, and wait until every message it caused has been through."""
    from amazon_mws.workers.app import FLOW_POLL_TASK, poll_queue
    from amazon_mws.workers.app import app as default_app
    from amazon_mws.workers.flow_store import FlowStore

    app = app or default_app
    fs = FlowStore.from_env()
    _claim_here(flow)
    fs.register(flow)
    tracker = uuid.uuid4().hex
    poll_id = f"once-{tracker}"
    started = time.monotonic()
    fs.track_sent(flow.name, tracker, [f"poll:{poll_id}"])
    app.send_task(FLOW_POLL_TASK, args=[flow.name, poll_id], kwargs={"tracker": tracker}, queue=poll_queue())
    return _wait_for_tracker(fs, flow, tracker, started, timeout, interval)


def retry_on_workers(flow: Flow, *, timeout: float = 600.0, app=None, interval: float = 0.1) -> FlowReport:
    """``flow retry`` with REDIS_URL: the registered flow's parked messages go to the sink tasks now."""
    from amazon_mws.workers.app import app as default_app
    from amazon_mws.workers.flow_store import FlowStore
    from amazon_mws.workers.flow_tasks import send_parked

    fs = FlowStore.from_env()
    tracker = uuid.uuid4().hex
    started = time.monotonic()
    if not send_parked(app or default_app, fs, flow, tracker):
        return FlowReport(flow.name, "workers")
    return _wait_for_tracker(fs, flow, tracker, started, timeout, interval)


def _wait_for_tracker(fs, flow: Flow, tracker: str, started: float, timeout: float, interval: float) -> FlowReport:
    """Until every message counted under ``tracker`` is finished (a long wait tells the counts on stderr);
    then what became of them."""
    from amazon_mws.runtime.progress import Ticker

    sent = finished = 0
    ticker = Ticker(lambda: f"flow {flow.name}: {finished} of {sent} messages done on the workers")
    try:
        while True:
            sent, finished = fs.tracker_counts(flow.name, tracker)
            if sent and sent == finished:
                ticker.finish()
                break
            ticker.tick()
            if time.monotonic() - started > timeout:
                raise TimeoutError(
                    f"flow {flow.name}: {finished} of {sent} messages done after {timeout:.0f} s "
                    "(are workers running on the poll, actions and feed-checks queues?)"
                )
            time.sleep(interval)
        errors = fs.tracker_errors(flow.name, tracker)
        sink_stage = f"{len(flow.steps)}:"
        delivered = sum(1 for m in fs.tracker_members(flow.name, tracker) if m.startswith(sink_stage))
        delivered -= sum(1 for e in errors if e.get("step") == "sink" or e.get("parked"))
    finally:
        fs.forget_tracker(flow.name, tracker)
    return FlowReport(flow.name, "workers", messages=sent, delivered=delivered,
                      parked=sum(1 for e in errors if e.get("parked")), errors=errors,
                      seconds=time.monotonic() - started)


WORKERS_TIMEOUT = 600.0  # seconds ``--once`` waits for workers when no timeout is given


def run_once(flow: Flow, *, timeout: float | None = None, app=None) -> FlowReport:
    """One poll, waited for: on workers when REDIS_URL is set (``timeout`` default 600 s), else in this
    process (no limit unless ``timeout`` is given: a first walk may take hours of Amazon's quota)."""
    import os

    if os.environ.get("REDIS_URL"):
        return run_once_on_workers(flow, timeout=WORKERS_TIMEOUT if timeout is None else timeout, app=app)
    return run_once_here(flow, timeout=timeout)


# -- CLI --------------------------------------------------------------------------------------------


def say_parked(report: FlowReport, flow_ref: str) -> None:
    """Tell the operator, on stderr, what the run left parked and how to send it."""
    if report.parked:
        print(f"amazon-mws flow: {report.parked} message(s) parked: the sink did not take them (see "
              f"`amazon-mws status`); the next run sends them first, `amazon-mws flow retry {flow_ref}` "
              "sends them now", file=sys.stderr)


def flow_command(args) -> int:
    """``amazon-mws flow run FLOW.json [--once] [--timeout S]``."""
    import os

    from amazon_mws.runtime.errors import ValidationError
    from amazon_mws.runtime.logs import configure_logging
    from amazon_mws.runtime.state import StateStoreError

    configure_logging()
    try:
        flow = load_flow(args.flow_file)
    except ValidationError as exc:
        for line in exc.errors:
            print(f"amazon-mws flow: {line}", file=sys.stderr)
        return 2
    if args.timeout is not None and args.timeout <= 0:
        print(f"amazon-mws flow: --timeout: must be more than 0 seconds, got {args.timeout:g}", file=sys.stderr)
        return 2
    if args.once:
        try:
            report = run_once(flow, timeout=args.timeout)
        except TimeoutError as exc:
            print(f"amazon-mws flow: {exc}", file=sys.stderr)
            return 1
        except ValidationError as exc:
            for line in exc.errors:
                print(f"amazon-mws flow: {line}", file=sys.stderr)
            return 2
        except StateStoreError as exc:
            print(f"amazon-mws flow: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            from amazon_mws.runtime.interrupts import after_interrupt

            return after_interrupt("amazon-mws flow: interrupted; the messages not yet delivered are kept, the "
                                   "next run of this flow sends them first")
        summary = json.dumps({"event": "flowDone", **report.to_json()})
        print(summary, file=sys.stderr if flow.sink.type == "stdout" else sys.stdout)
        say_parked(report, args.flow_file)
        return 0 if report.ok else 1
    if not os.environ.get("REDIS_URL"):
        print("amazon-mws flow: a scheduled flow needs REDIS_URL (workers and `amazon-mws beat`); "
              "use --once to run one poll in this process", file=sys.stderr)
        return 2
    if not flow.schedule:
        print("amazon-mws flow: flow.schedule: is required to schedule a flow (or use --once)", file=sys.stderr)
        return 2
    try:
        register(flow)
    except ValidationError as exc:
        for line in exc.errors:
            print(f"amazon-mws flow: {line}", file=sys.stderr)
        return 2
    print(json.dumps({"event": "flowScheduled", "flow": flow.name, "schedule": flow.schedule}))
    return 0
