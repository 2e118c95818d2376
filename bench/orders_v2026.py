"""1,000 orders with their items on SP-API: Orders v0 against Orders v2026-01-01, side by side in one run.

Each walk is one Get New And Updated Orders run with Include Order Items, against its own fresh sandbox
(same seed, so the same 1,000 orders), at Amazon's published quotas compressed by `--time-scale` on both
sides (the sandbox's throttle and the client's AMAZON_MWS_TIME_SCALE). v0 costs getOrders pages plus one
getOrderItems per order (0.5/s, burst 30) and the Restricted Data Tokens for buyer data; v2026 returns the
items inside each order, so the run is its searchOrders pages alone (0.0056/s, burst 20). The figures are
requests and wall time (compressed); "at Amazon's real quotas" is the least time the published usage plans
allow for those requests (per bucket: the burst at once, then one per restore interval; the slowest decides).
Baseline v0, figure v2026, ratio = v2026 wall / v0 wall; target: fewer requests and less time.

    python bench/orders_v2026.py [--orders 1000] [--time-scale 0.01]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import Result, report, write_json

from amazon_mws.steps.fields import ORDER_STATUSES

APIS = ("v0", "2026-01-01")


def quota_floor(by_operation: Counter) -> float:
    """Seconds Amazon's real quotas need at least for these requests: per bucket, the burst at once, then
    one per restore interval (the buckets refill side by side, so the slowest decides)."""
    from amazon_mws.core.quotas import quota_for

    floors = [max(0, n - q.burst) * q.restore_seconds for op, n in by_operation.items() for q in [quota_for(op)]]
    return max(floors, default=0.0)


def walk(orders: int, time_scale: float, api: str) -> dict[str, Any]:
    from amazon_mws import backends
    from amazon_mws.core import limiter
    from amazon_mws.runtime.executor import run_step
    from amazon_mws.runtime.state.sqlite import SqliteStateStore
    from amazon_mws.sandbox import Sandbox

    limiter._SHARED.clear()
    backends.shared_limiter.cache_clear()
    with Sandbox(orders=orders, seed=3, time_scale=time_scale) as sandbox, tempfile.TemporaryDirectory() as tmp:
        store = SqliteStateStore(Path(tmp) / "state.sqlite3")
        cfg = {**sandbox.sp_credentials, "ordersApi": api, "orderStatus": list(ORDER_STATUSES),
               "maxResultsPerPage": 100, "includeOrderItems": True}
        gathered: list[dict[str, Any]] = []

        def keep(event: Any) -> None:  # the body is read as it is emitted (its pages are dropped after the run)
            if event.kind == "data":
                gathered.extend(event.message.body["orders"])

        started = time.perf_counter()
        result = run_step("getNewAndUpdatedOrders", cfg, snapshot={}, state_namespace=store.namespace("bench"),
                          on_event=keep, keep_data=False)
        elapsed = time.perf_counter() - started
        assert not result.errors, result.errors
        calls = [r for r in sandbox.requests if r["action"] != "lwaToken"]
        store.close()
    assert len(gathered) == orders and all(o["orderItems"] for o in gathered), (api, len(gathered))
    by_operation = Counter(r["action"] for r in calls)
    return {
        "api": api,
        "requests": len(calls),
        "by_operation": dict(by_operation),
        "throttled": sum(1 for r in calls if r.get("status") == 429),
        "elapsed": elapsed,
        "amazon_seconds": quota_floor(by_operation),
        "items": sum(len(o["orderItems"]) for o in gathered),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--time-scale", type=float, default=0.01)
    parser.add_argument("--quick", action="store_true", help="compressed harder (0.002)")
    parser.add_argument("--json", help="write the results here (for run_all.py)")
    args = parser.parse_args()
    if args.quick:
        args.time_scale = min(args.time_scale, 0.002)
    os.environ["AMAZON_MWS_TIME_SCALE"] = str(args.time_scale)
    os.environ.pop("REDIS_URL", None)
    walks = {api: walk(args.orders, args.time_scale, api) for api in APIS}
    for w in walks.values():
        print(f"  {w['api']:>10}: {w['requests']} requests {w['by_operation']}, wall {w['elapsed']:.2f} s, "
              f"at Amazon's real quotas >= {w['amazon_seconds'] / 60:.1f} min, throttled {w['throttled']}", flush=True)
    v0, v2026 = walks["v0"], walks["2026-01-01"]
    result = Result(
        bench="orders v0 vs v2026-01-01",
        baseline_label=f"Orders v0, {args.orders} orders with items, wall",
        baseline=v0["elapsed"],
        figure_label="Orders v2026-01-01, the same orders, wall",
        figure=v2026["elapsed"],
        unit="s",
        ratio=v2026["elapsed"] / v0["elapsed"],
        target="< 1 with fewer requests",
        met=v2026["elapsed"] < v0["elapsed"] and v2026["requests"] < v0["requests"],
        details={
            "requests v0 / v2026": f"{v0['requests']} / {v2026['requests']} ({v0['by_operation']} / "
                                   f"{v2026['by_operation']})",
            "at Amazon's real quotas (least time)": f"{v0['amazon_seconds'] / 60:.1f} min / "
                                                     f"{v2026['amazon_seconds'] / 60:.1f} min",
            "items": f"{v0['items']} / {v2026['items']}",
            "throttled replies": f"{v0['throttled']} / {v2026['throttled']}",
            "time scale": args.time_scale,
        },
    )
    report(result)
    write_json(args.json, [result])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
