"""Celery at scale: orders per second with 1, 2 and 4 worker processes polling several sellers.

Each seller is its own sandbox (its own quotas), with Amazon's published quotas compressed by
--time-scale (the workers' limiter uses the same scale, so both sides agree). Each seller has one flow:
the orders trigger, one message per page, into a JSON-lines file. A poll is quota-bound (ListOrders: a
burst of 6 pages, then one page per minute x scale), so one worker polls one seller at a time and the
work spreads over workers by seller: the target is >= 0.9 x N the one-worker rate with N workers.
Throttled replies (503s the sandboxes sent) must stay at 0: the workers share each seller's bucket in Redis.

    python bench/workers.py [--sellers 8] [--orders 300] [--time-scale 0.01] [--quick] [--json out.json]

Needs Redis (REDIS_URL, default redis://127.0.0.1:6379/12); keys go under a unique prefix, deleted after.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

from common import Result, machine, report, write_json

from amazon_mws.steps.fields import ORDER_STATUSES

BIN = Path(sys.executable).parent / "amazon-mws"
STATUSES = list(ORDER_STATUSES)


def start_workers(count: int, env: dict[str, str], logdir: Path) -> list[subprocess.Popen]:
    procs, logs = [], []
    for n in range(count):
        log = logdir / f"worker-{n}.log"
        procs.append(subprocess.Popen([str(BIN), "worker", "--concurrency", "1", "--loglevel", "INFO"],
                                      env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                      start_new_session=True))
        logs.append(log)
    deadline = time.monotonic() + 60
    for proc, log in zip(procs, logs, strict=True):
        while "ready." not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("worker did not start:\n" + log.read_text()[-2000:])
            time.sleep(0.1)
    return procs


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def one_round(workers: int, args, url: str) -> dict[str, float]:
    """Fresh sandboxes and Redis keys, ``workers`` processes, one poll per seller at once; orders/s."""
    from amazon_mws.core.times import to_amazon
    from amazon_mws.sandbox import Sandbox
    from amazon_mws.workers.app import make_app
    from amazon_mws.workers.flow_runs import parse_flow, run_once_on_workers

    run = uuid.uuid4().hex[:8]
    env = {**os.environ, "REDIS_URL": url, "AMAZON_MWS_QUEUE": f"bench-{run}",
           "AMAZON_MWS_STATE_PREFIX": f"bench-{run}:", "AMAZON_MWS_TIME_SCALE": str(args.time_scale),
           "LOG_LEVEL": "WARNING"}
    for key in ("REDIS_URL", "AMAZON_MWS_QUEUE", "AMAZON_MWS_STATE_PREFIX", "AMAZON_MWS_TIME_SCALE"):
        os.environ[key] = env[key]
    sandboxes = [Sandbox(orders=args.orders, seed=100 + s, time_scale=args.time_scale).start()
                 for s in range(args.sellers)]
    tmp = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    procs = start_workers(workers, env, tmp)
    app = make_app(url)
    try:
        flows = []
        for s, box in enumerate(sandboxes):
            spec = {"name": f"bench-{run}-{s}", "credentials": box.credentials, "steps": [{
                "id": "orders", "step": "getNewAndUpdatedOrders",
                "config": {"orderStatus": STATUSES, "emitBehaviour": "page", "maxResultsPerPage": args.per_page,
                           "startTime": to_amazon(box.now() - timedelta(days=400))}}],
                "sink": {"type": "file", "path": str(tmp / f"seller-{s}.jsonl")}}
            flows.append(parse_flow(spec))
        reports: list = [None] * len(flows)

        def go(i: int) -> None:
            reports[i] = run_once_on_workers(flows[i], timeout=1800, app=app)

        started = time.perf_counter()
        threads = [threading.Thread(target=go, args=(i,)) for i in range(len(flows))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        delivered = 0
        for s in range(args.sellers):
            for line in (tmp / f"seller-{s}.jsonl").read_text().splitlines():
                delivered += len(json.loads(line)["body"]["orders"])
        expected = sum(len(box.orders) for box in sandboxes)
        if delivered != expected or not all(r and r.ok for r in reports):
            raise RuntimeError(f"{workers} workers: delivered {delivered} of {expected} orders; "
                               f"errors {[r.errors for r in reports if r and not r.ok]}")
        throttled = sum(1 for box in sandboxes for r in box.requests if r["status"] == 503)
        return {"workers": workers, "seconds": seconds, "orders": delivered, "rate": delivered / seconds,
                "throttled": throttled}
    finally:
        stop_workers(procs)
        for box in sandboxes:
            box.stop()
        import redis

        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"bench-{run}*")) + list(client.scan_iter(match="celery-task-meta-*"))
        keys += list(client.scan_iter(match="amazon_mws:quota:*"))  # the sandboxes' sellers are gone
        if keys:
            client.delete(*keys)
        app.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=8)
    parser.add_argument("--orders", type=int, default=300, help="orders per seller")
    parser.add_argument("--per-page", type=int, default=20)
    parser.add_argument("--time-scale", type=float, default=0.01)
    parser.add_argument("--quick", action="store_true", help="fewer orders per seller")
    parser.add_argument("--json", default=None, help="write the results here (for run_all.py)")
    args = parser.parse_args()
    if args.quick:
        args.orders = min(args.orders, 200)
    url = os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/12"
    print(f"[workers] {args.sellers} sellers x {args.orders} orders, {args.per_page}/page, "
          f"time scale {args.time_scale}; {machine()['cpu']}, {machine()['cores']} cores")
    rounds = {}
    for n in (1, 2, 4):
        rounds[n] = one_round(n, args, url)
        r = rounds[n]
        print(f"  {n} worker(s): {r['orders']} orders in {r['seconds']:.2f} s = {r['rate']:.1f} orders/s, "
              f"throttled replies {r['throttled']}")
        sys.stdout.flush()
    base = rounds[1]["rate"]
    results = []
    for n in (2, 4):
        ratio = rounds[n]["rate"] / base
        results.append(Result(
            bench=f"workers-{n}", baseline_label="1 worker process, orders/s", baseline=base,
            figure_label=f"{n} worker processes, orders/s", figure=rounds[n]["rate"], unit="orders/s",
            ratio=ratio, target=f">= {0.9 * n:.1f}x (0.9 x {n}) and 0 throttled",
            met=ratio >= 0.9 * n and rounds[n]["throttled"] == 0 and rounds[1]["throttled"] == 0,
            details={"sellers": args.sellers, "orders per seller": args.orders,
                     "throttled replies (1/2/4 workers)": "/".join(str(rounds[k]["throttled"]) for k in (1, 2, 4)),
                     "seconds (1/2/4 workers)": "/".join(f"{rounds[k]['seconds']:.2f}" for k in (1, 2, 4))},
        ))
    for result in results:
        report(result)
    write_json(args.json, results)
    return 0 if all(r.met for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
