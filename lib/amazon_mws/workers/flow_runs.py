"""Flows on workers, and the choice between workers and one process (the Python API and the CLI).

    from amazon_mws.workers.flow_runs import load_flow, run_once
    report = run_once(load_flow("orders.flow.json"))      # workers when REDIS_URL is set, else here

- ``run_once(flow)``: one poll, and wait until the sink got everything the poll produced. With REDIS_URL the
  work is done by the workers (one task per message) and this process only waits; without it, everything
  runs here (``flows.runner.run_once_here``).
- ``register(flow)``: store the flow for the workers and (with a schedule) put it on the beat schedule.
- ``flow_command``: ``amazon-mws flow run FLOW.json [--once]``.

In ``workers`` because it sends the tasks and reads their trackers; ``flows`` stands below and knows no
Celery. See ``workers.flow_tasks`` for what the workers do and why it is crash-safe.
"""

from __future__ import annotations

import json
import sys
import time
import uuid

from amazon_mws.flows.runner import FlowReport, run_once_here, say_parked
from amazon_mws.flows.spec import Flow, load_flow, parse_flow

__all__ = ["Flow", "FlowReport", "load_flow", "parse_flow", "register", "retry_on_workers", "run_once",
           "run_once_on_workers"]


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
