"""Scheduled polling: flows on a Redis-backed beat schedule (celery-redbeat), and ``amazon-mws beat``.

Why redbeat rather than Celery's file scheduler: the schedule lives in Redis next to everything else, so
``flow run`` (any machine) adds a flow without restarting beat, and beat takes a Redis lock, so a second
beat started by mistake (or a replacement started before the old one died) waits instead of doubling every
poll. Overlap of one flow's polls is prevented separately, by the flow's own lock (``flow_tasks.poll``).

Entries are named ``flow:<name>``; each sends ``amazon_mws.flow.poll(<name>)`` to the poll queue. Beat also
runs the feed-check sweep every minute (re-sends checks whose task was lost).
"""

from __future__ import annotations

import os
import sys
from typing import Any

SWEEP_ENTRY = "amazon-mws:feed-check-sweep"
SWEEP_EVERY = 60.0


def _schedule_of(spec: dict[str, Any]):
    from celery.schedules import crontab, schedule

    if "cron" in spec:
        minute, hour, day, month, weekday = str(spec["cron"]).split()
        return crontab(minute=minute, hour=hour, day_of_month=day, month_of_year=month, day_of_week=weekday)
    return schedule(float(spec["interval"]))


def entry_name(flow_name: str) -> str:
    return f"flow:{flow_name}"


def schedule_flow(flow, *, app=None):
    """Add (or replace) the flow's beat entry; returns the entry."""
    from redbeat import RedBeatSchedulerEntry

    from amazon_mws.workers.app import FLOW_POLL_TASK, poll_queue
    from amazon_mws.workers.app import app as default_app

    app = app or default_app
    entry = RedBeatSchedulerEntry(
        entry_name(flow.name), FLOW_POLL_TASK, _schedule_of(flow.schedule), args=[flow.name],
        options={"queue": poll_queue()}, app=app,
    )
    entry.save()
    return entry


def unschedule_flow(flow_name: str, *, app=None) -> bool:
    from redbeat import RedBeatSchedulerEntry

    from amazon_mws.workers.app import app as default_app

    app = app or default_app
    try:
        RedBeatSchedulerEntry.from_key(f"{app.conf.redbeat_key_prefix}{entry_name(flow_name)}", app=app).delete()
    except KeyError:
        return False
    return True


def unschedule(args) -> int:
    """``amazon-mws flow unschedule FLOW``: off beat's schedule and the registered flows (FLOW: the flow
    file or a registered name). Exit 1, saying so, when it was neither: nothing to do is worth knowing."""
    import json

    from amazon_mws.workers.flow_store import FlowStore

    if not os.environ.get("REDIS_URL"):
        print("amazon-mws flow unschedule: REDIS_URL is not set; the schedule lives in Redis (beat's, "
              "celery-redbeat), and a flow run in one process is never scheduled", file=sys.stderr)
        return 2
    name = args.flow
    if os.path.isfile(name):
        from amazon_mws.flows.spec import load_flow
        from amazon_mws.runtime.errors import ValidationError

        try:
            name = load_flow(name).name
        except ValidationError as exc:
            for line in exc.errors:
                print(f"amazon-mws flow unschedule: {line}", file=sys.stderr)
            return 2
    scheduled = unschedule_flow(name)
    registered = FlowStore.from_env().unregister(name)
    if not (scheduled or registered):
        print(f"amazon-mws flow unschedule: flow {name!r} was not scheduled (no beat entry {entry_name(name)!r}) "
              "nor registered; nothing changed", file=sys.stderr)
        return 1
    print(json.dumps({"event": "flowUnscheduled", "flow": name, "wasScheduled": scheduled,
                      "wasRegistered": registered}))
    return 0


def next_run(flow_name: str, *, app=None) -> float | None:
    """Seconds until the flow's next scheduled poll (None: not scheduled)."""
    from redbeat import RedBeatSchedulerEntry

    from amazon_mws.workers.app import app as default_app

    app = app or default_app
    try:
        entry = RedBeatSchedulerEntry.from_key(f"{app.conf.redbeat_key_prefix}{entry_name(flow_name)}", app=app)
    except KeyError:
        return None
    return float(entry.is_due().next)


def _schedule_sweep(app) -> None:
    from celery.schedules import schedule
    from redbeat import RedBeatSchedulerEntry

    from amazon_mws.workers.app import FEED_CHECK_SWEEP_TASK, feed_checks_queue

    RedBeatSchedulerEntry(SWEEP_ENTRY, FEED_CHECK_SWEEP_TASK, schedule(SWEEP_EVERY),
                          options={"queue": feed_checks_queue()}, app=app).save()


def beat(args) -> int:
    """``amazon-mws beat [--loglevel L]``: run the scheduler (one per deployment; a second one waits)."""
    if not os.environ.get("REDIS_URL"):
        print("amazon-mws beat: REDIS_URL is not set; beat keeps its schedule and lock in Redis "
              "(e.g. REDIS_URL=redis://127.0.0.1:6379/0)", file=sys.stderr)
        return 2
    from amazon_mws.workers.app import app

    _schedule_sweep(app)
    loglevel = getattr(args, "loglevel", None) or os.environ.get("LOG_LEVEL") or "INFO"
    if getattr(args, "max_interval", None):
        app.conf.beat_max_loop_interval = float(args.max_interval)
    app.start(["beat", "--scheduler", "redbeat.RedBeatScheduler", f"--loglevel={loglevel}"])
    return 0
