"""A long Get New And Updated Orders walk against a time-compressed sandbox, measured against the quota floor.

The floor is what Amazon's quota allows at best: the first `burst` ListOrders/ByNextToken requests at once,
then one per restore interval. The ratio elapsed / floor says how close pacing gets (target <= 1.05) and the
sandbox counts throttled replies (target 0). Client and sandbox share the time scale, as in production they
share Amazon's published numbers.

    python bench/sync_walk.py [--orders 3100] [--per-page 100] [--time-scale 0.02]
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3100)
    parser.add_argument("--per-page", type=int, default=100)
    parser.add_argument("--time-scale", type=float, default=0.02)
    args = parser.parse_args()
    os.environ["AMAZON_MWS_TIME_SCALE"] = str(args.time_scale)
    os.environ.pop("REDIS_URL", None)

    from amazon_mws.mws.quotas import quota_for
    from amazon_mws.runtime.executor import run_step
    from amazon_mws.runtime.state_sqlite import SqliteStateStore
    from amazon_mws.sandbox import Sandbox

    quota = quota_for("ListOrders", args.time_scale)
    with (
        Sandbox(orders=args.orders, seed=3, time_scale=args.time_scale) as sandbox,
        tempfile.TemporaryDirectory() as tmp,
    ):
        store = SqliteStateStore(Path(tmp) / "state.sqlite3")
        cfg = {
            **sandbox.credentials,
            "orderStatus": [
                "Pending",
                "Unshipped",
                "PartiallyShipped",
                "Shipped",
                "Canceled",
                "Unfulfillable",
                "PendingAvailability",
                "InvoiceUnconfirmed",
            ],
            "maxResultsPerPage": args.per_page,
        }
        started = time.perf_counter()
        result = run_step("getNewAndUpdatedOrders", cfg, snapshot={}, state_namespace=store.namespace("bench:sync"))
        elapsed = time.perf_counter() - started
        assert not result.errors, result.errors
        walk = [r for r in sandbox.requests if r["action"] in ("ListOrders", "ListOrdersByNextToken")]
        throttled = sum(1 for r in walk if r.get("error_code") == "RequestThrottled")
        pages = len(walk) - throttled
        orders = sum(len(m.body["orders"]) for m in result.data)

    floor = max(0, pages - quota.burst) * quota.restore_seconds
    print(
        f"sync walk: {orders} orders in {pages} pages, burst {quota.burst}, "
        f"restore {quota.restore_seconds:.3f} s (time scale {args.time_scale})"
    )
    print(f"  baseline (quota floor): {floor:8.2f} s")
    print(f"  measured (elapsed):     {elapsed:8.2f} s")
    print(f"  ratio elapsed/floor:    {elapsed / floor if floor else math.nan:8.3f}   (target <= 1.05)")
    print(f"  throttled replies:      {throttled:8d}   (target 0)")


if __name__ == "__main__":
    main()
