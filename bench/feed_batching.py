"""Feeds: 10,000 inventory updates arriving as 100 messages of 100 `{"SKU", "Quantity"}` each.

SubmitFeed's quota is 15 then one every 2 minutes (and Amazon asks for the same feed type no more than
once every 20 minutes, batched by feed type and marketplace). So the number of SubmitFeed calls, not
the bytes, sets the wall time. Against a time-compressed sandbox (client and sandbox share the scale;
Amazon's XSDs validate every feed on both sides when ../shared/amazon/xsd is there):

- baseline: one feed per message: the `updateItem` action run once per incoming message (100 feeds),
  which is also what the component does today (each message is one step run);
- coalesced: the same 10,000 lines as one `updateItem` message (one feed), what a coalescing step in
  front of the feed action would send.

Both must report all 10,000 messages processed. Prints SubmitFeed calls, the wall time, and that time
at Amazon's real quotas (wall / time scale). Ratio = baseline wall / coalesced wall.

    python bench/feed_batching.py [--messages 100] [--lines 100] [--time-scale 0.005] [--quick]
"""

from __future__ import annotations

import argparse
import os
import time
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


def run_feeds(bodies: list[dict[str, Any]], time_scale: float) -> dict[str, Any]:
    """Each body through the real `updateItem` step, one after another, against a fresh sandbox."""
    from amazon_mws.runtime.executor import run_step
    from amazon_mws.sandbox import Sandbox

    with Sandbox(orders=0, seed=5, time_scale=time_scale) as sandbox:
        cfg = dict(sandbox.credentials)
        processed = 0
        started = time.perf_counter()
        for body in bodies:
            result = run_step("updateItem", cfg, {"body": body})
            assert not result.errors, result.errors
            for message in result.data:
                processed += int((message.body.get("processingReport") or {}).get("messagesProcessed") or 0)
        wall = time.perf_counter() - started
        log = sandbox.requests
    calls = {a: sum(1 for r in log if r["action"] == a) for a in ("SubmitFeed", "GetFeedSubmissionList",
                                                                   "GetFeedSubmissionResult")}
    throttled = sum(1 for r in log if r.get("error_code") == "RequestThrottled")
    return {"wall": wall, "processed": processed, "calls": calls, "throttled": throttled}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--lines", type=int, default=100)
    parser.add_argument("--time-scale", type=float, default=0.005)
    parser.add_argument("--quick", action="store_true", help="compressed harder (0.001)")
    parser.add_argument("--json", help="write the results here (for run_all.py)")
    args = parser.parse_args()
    scale = min(args.time_scale, 0.001) if args.quick else args.time_scale
    os.environ["AMAZON_MWS_TIME_SCALE"] = str(scale)
    os.environ["RESPONSE_CHECK_DELAY"] = str(30000 * scale)  # ms, compressed like everything else
    os.environ.pop("REDIS_URL", None)
    if XSD_DIR.is_dir():
        os.environ.setdefault("AMAZON_XSD_DIR", str(XSD_DIR))

    bodies = messages(args.messages, args.lines)
    total = args.messages * args.lines
    per_message = run_feeds(bodies, scale)
    print(f"  one feed per message: {per_message['calls']['SubmitFeed']} SubmitFeed, "
          f"{per_message['wall']:.2f} s, {per_message['processed']} processed", flush=True)
    coalesced = run_feeds([{"messages": [line for body in bodies for line in body["messages"]]}], scale)
    print(f"  coalesced:            {coalesced['calls']['SubmitFeed']} SubmitFeed, "
          f"{coalesced['wall']:.2f} s, {coalesced['processed']} processed", flush=True)
    result = Result(
        bench="feeds",
        baseline_label=f"one feed per message ({args.messages} messages), wall",
        baseline=per_message["wall"],
        figure_label="coalesced into one feed, wall",
        figure=coalesced["wall"],
        unit="s",
        ratio=per_message["wall"] / coalesced["wall"],
        target="every update processed; fewer SubmitFeed calls",
        met=per_message["processed"] == total == coalesced["processed"]
        and coalesced["calls"]["SubmitFeed"] < per_message["calls"]["SubmitFeed"],
        details={
            "updates": f"{total} in {args.messages} messages of {args.lines}",
            "time scale": f"{scale} (XSD validation {'on' if XSD_DIR.is_dir() else 'off'})",
            "one feed per message": (
                f"{per_message['calls']['SubmitFeed']} SubmitFeed, {per_message['calls']['GetFeedSubmissionList']} "
                f"status checks, {per_message['wall']:.2f} s; SubmitFeed quota alone at Amazon's real rates: "
                f"{floor_minutes(per_message['calls']['SubmitFeed'])}; {per_message['processed']} processed, "
                f"{per_message['throttled']} throttled"
            ),
            "coalesced": (
                f"{coalesced['calls']['SubmitFeed']} SubmitFeed, {coalesced['calls']['GetFeedSubmissionList']} "
                f"status checks, {coalesced['wall']:.2f} s; SubmitFeed quota alone at Amazon's real rates: "
                f"{floor_minutes(coalesced['calls']['SubmitFeed'])}; {coalesced['processed']} processed, "
                f"{coalesced['throttled']} throttled"
            ),
            "the component today": "one feed per message (each message is one step run): the baseline row",
        },
    )
    report(result)
    write_json(args.json, [result])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
