"""Feeds: 10,000 inventory updates arriving as 100 messages of 100 `{"SKU", "Quantity"}` each.

SubmitFeed's quota is 15 then one every 2 minutes (and Amazon asks for the same feed type no more than
once every 20 minutes, batched by feed type and marketplace). So the number of SubmitFeed calls, not
the bytes, sets the wall time. Against a time-compressed sandbox (client and sandbox share the scale;
Amazon's XSDs validate every feed on both sides when ../shared/amazon/xsd is there):

- baseline: one feed per message: the `updateItem` action run once per incoming message, one after
  another (100 feeds), what a message on its own still does;
- the outbox: the same 100 messages run side by side as `amazon-mws run updateItem --message FILE.jsonl`
  runs them (runtime.batching, steps/feed_outbox.py): gathered into as few feeds as Amazon's size
  guidance allows, each message answered with its own records' report.

Both must report all 10,000 updates processed, message by message. Prints SubmitFeed calls, the wall time,
and the least time Amazon's SubmitFeed quota allows for that many feeds. Ratio = baseline wall / outbox
wall.

With `--workers N` (2 by default; 0 skips it) the same messages also go to N real `amazon-mws worker`
processes as separate Celery tasks (`CeleryExecutor.submit`, every task on whichever worker is free),
once with `FEED_BATCH_SECONDS=0` (one feed per message, the baseline) and once with the default window
(steps/feed_batches.py: one feed for the tasks' messages, batched in Redis). Redis: BENCH_REDIS_URL
(default redis://127.0.0.1:6379/12), under a key prefix of the run's own.

    python bench/feed_batching.py [--messages 100] [--lines 100] [--time-scale 0.005] [--workers 2] [--quick]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from common import ROOT, Result, report, write_json

XSD_DIR = (ROOT / ".." / "shared" / "amazon" / "xsd").resolve()


def messages(count: int, lines: int) -> list[dict[str, Any]]:
    return [
        {"messages": [{"SKU": f"SKU-{m:03d}-{i:03d}", "Quantity": (m * lines + i) % 50} for i in range(lines)]}
        for m in range(count)
    ]


def floor_minutes(calls: int) -> str:
    """The least time Amazon's SubmitFeed quota allows for `calls` feeds: 15 at once, then one per 2 minutes,
    and no more than 30 in an hour."""
    from amazon_mws.core.quotas import quota_for

    quota = quota_for("SubmitFeed")
    by_rate = max(0, calls - quota.burst) * quota.restore_seconds / 60
    by_hour = max(0, (calls - 1) // quota.hourly) * 60 if quota.hourly else 0
    return f"{max(by_rate, by_hour):.0f} min (restore rate {by_rate:.0f} min, hourly cap {by_hour:.0f} min)"


def run_feeds(bodies: list[dict[str, Any]], time_scale: float, *, gathered: bool) -> dict[str, Any]:
    """Each body through the real `updateItem` step against a fresh sandbox: one after another, or side by
    side in one Gathering (the outbox)."""
    from amazon_mws.runtime.batching import run_gathered
    from amazon_mws.runtime.executor import run_step
    from amazon_mws.sandbox import Sandbox

    with Sandbox(orders=0, seed=5, time_scale=time_scale) as sandbox:
        cfg = dict(sandbox.credentials)

        def one(body: dict[str, Any]) -> int:
            result = run_step("updateItem", cfg, {"body": body})
            assert not result.errors, result.errors
            [message] = result.data
            processed = int((message.body.get("processingReport") or {}).get("messagesProcessed") or 0)
            assert processed == len(body["messages"]), message.body  # each message its own records
            return processed

        started = time.perf_counter()
        processed = sum(run_gathered(bodies, one) if gathered else map(one, bodies))
        wall = time.perf_counter() - started
        log = sandbox.requests
    return {"wall": wall, "processed": processed, **tally(log)}


def tally(log: list[dict[str, Any]]) -> dict[str, Any]:
    """The feed calls the sandbox saw, by action, and how many it throttled."""
    calls = {a: sum(1 for r in log if r["action"] == a) for a in ("SubmitFeed", "GetFeedSubmissionList",
                                                                   "GetFeedSubmissionResult")}
    return {"calls": calls, "throttled": sum(1 for r in log if r.get("error_code") == "RequestThrottled")}


def summary(run: dict[str, Any], quota: bool = False) -> str:
    """One run's calls, wall and counts (`quota`: with the least time Amazon's real quota allows)."""
    floor = (f"; SubmitFeed quota alone at Amazon's real rates: {floor_minutes(run['calls']['SubmitFeed'])}"
             if quota else "")
    return (f"{run['calls']['SubmitFeed']} SubmitFeed, {run['calls']['GetFeedSubmissionList']} status checks, "
            f"{run['wall']:.2f} s{floor}; {run['processed']} processed, {run['throttled']} throttled")


def run_on_workers(bodies: list[dict[str, Any]], time_scale: float, workers: int, window: float) -> dict[str, Any]:
    """Each body a Celery task of `updateItem` on `workers` worker processes, FEED_BATCH_SECONDS=`window`."""
    import uuid

    from workers import start_workers, stop_workers

    from amazon_mws.runtime.sealing import KEY_ENV, new_key
    from amazon_mws.sandbox import Sandbox
    from amazon_mws.workers.app import CeleryExecutor, make_app

    os.environ.setdefault(KEY_ENV, new_key())  # the client seals the tasks' credentials, the workers open them
    run = uuid.uuid4().hex[:8]
    url = os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/12"
    env = {**os.environ, "REDIS_URL": url, "AMAZON_MWS_QUEUE": f"bench-{run}", "AMAZON_MWS_STATE_PREFIX":
           f"bench-{run}:", "FEED_BATCH_SECONDS": str(window), "LOG_LEVEL": "WARNING"}
    env.pop("AMAZON_MWS_STATE_PATH", None)
    logs = Path(tempfile.mkdtemp(prefix="bench-feed-workers-"))
    with Sandbox(orders=0, seed=5, time_scale=time_scale) as sandbox:
        procs = start_workers(workers, env, logs)
        try:
            executor = CeleryExecutor(make_app(url), queue=env["AMAZON_MWS_QUEUE"])
            started = time.perf_counter()
            handles = [executor.submit("updateItem", sandbox.credentials, {"id": f"stock-{n}", "body": body})
                       for n, body in enumerate(bodies)]
            processed = 0
            for handle, body in zip(handles, bodies, strict=True):
                result = handle.result(timeout=1800)
                assert not result.errors, result.errors
                [message] = result.data
                own = int((message.body.get("processingReport") or {}).get("messagesProcessed") or 0)
                assert own == len(body["messages"]), message.body  # each message its own records
                processed += own
            wall = time.perf_counter() - started
        finally:
            stop_workers(procs)
        log = sandbox.requests
    return {"wall": wall, "processed": processed, **tally(log)}


def workers_result(bodies: list[dict[str, Any]], scale: float, workers: int, total: int) -> Result:
    """The Celery rows: one feed per task against the tasks batched in Redis, same messages, same workers."""
    from amazon_mws.runtime.batching import DEFAULT_WINDOW

    alone = run_on_workers(bodies, scale, workers, 0)
    print(f"  {workers} workers, a feed per task: {alone['calls']['SubmitFeed']} SubmitFeed, {alone['wall']:.2f} s",
          flush=True)
    batched = run_on_workers(bodies, scale, workers, DEFAULT_WINDOW)
    print(f"  {workers} workers, batched:         {batched['calls']['SubmitFeed']} SubmitFeed, "
          f"{batched['wall']:.2f} s", flush=True)
    return Result(
        bench="feeds-on-workers",
        baseline_label=f"{workers} Celery workers, one feed per task ({len(bodies)} tasks), wall",
        baseline=alone["wall"],
        figure_label=f"{workers} Celery workers, tasks batched in Redis (window {DEFAULT_WINDOW:g} s), wall",
        figure=batched["wall"],
        unit="s",
        ratio=alone["wall"] / batched["wall"],
        target="every update processed; fewer SubmitFeed calls",
        met=alone["processed"] == total == batched["processed"]
        and batched["calls"]["SubmitFeed"] < alone["calls"]["SubmitFeed"],
        details={"one feed per task": summary(alone), "batched": summary(batched)},
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--lines", type=int, default=100)
    parser.add_argument("--time-scale", type=float, default=0.005)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (0: skip that part)")
    parser.add_argument("--quick", action="store_true", help="compressed harder (0.001)")
    parser.add_argument("--json", help="write the results here (for run_all.py)")
    args = parser.parse_args()
    scale = min(args.time_scale, 0.001) if args.quick else args.time_scale
    os.environ["AMAZON_MWS_TIME_SCALE"] = str(scale)
    os.environ["RESPONSE_CHECK_DELAY"] = str(30000 * scale)  # ms, compressed like everything else
    os.environ.pop("REDIS_URL", None)
    state = tempfile.TemporaryDirectory(prefix="feed-batching-")  # feed intents, sealed batches: thrown away
    os.environ["AMAZON_MWS_STATE_PATH"] = str(Path(state.name) / "state.sqlite3")
    if XSD_DIR.is_dir():
        os.environ.setdefault("AMAZON_XSD_DIR", str(XSD_DIR))

    bodies = messages(args.messages, args.lines)
    total = args.messages * args.lines
    per_message = run_feeds(bodies, scale, gathered=False)
    print(f"  one feed per message: {per_message['calls']['SubmitFeed']} SubmitFeed, "
          f"{per_message['wall']:.2f} s, {per_message['processed']} processed", flush=True)
    coalesced = run_feeds(bodies, scale, gathered=True)
    print(f"  the outbox:           {coalesced['calls']['SubmitFeed']} SubmitFeed, "
          f"{coalesced['wall']:.2f} s, {coalesced['processed']} processed", flush=True)
    result = Result(
        bench="feeds",
        baseline_label=f"one feed per message ({args.messages} messages), wall",
        baseline=per_message["wall"],
        figure_label="the outbox (gathered into few feeds), wall",
        figure=coalesced["wall"],
        unit="s",
        ratio=per_message["wall"] / coalesced["wall"],
        target="every update processed; fewer SubmitFeed calls",
        met=per_message["processed"] == total == coalesced["processed"]
        and coalesced["calls"]["SubmitFeed"] < per_message["calls"]["SubmitFeed"],
        details={
            "updates": f"{total} in {args.messages} messages of {args.lines}",
            "time scale": f"{scale} (XSD validation {'on' if XSD_DIR.is_dir() else 'off'})",
            "one feed per message": summary(per_message, quota=True),
            "the outbox": summary(coalesced, quota=True),
            "where the outbox runs": "amazon-mws run ACTION --message FILE.jsonl or - (one message per line)",
        },
    )
    report(result)
    results = [result]
    if args.workers:
        results.append(workers_result(bodies, scale, args.workers, total))
        report(results[-1])
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
