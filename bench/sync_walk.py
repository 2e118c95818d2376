"""A long Get New And Updated Orders walk against a time-compressed sandbox, measured against the quota floor.

The floor is what Amazon's quota allows at best: the first `burst` ListOrders/ByNextToken requests at once,
then one per restore interval, so the last of `pages` requests cannot arrive before
`(pages - burst) * restore` after the first. The figure is the walk's span as the sandbox saw it (first
request to last), so start-up and the final emit of the gathered orders do not blur the pacing figure
(the whole run's elapsed time is printed too). Ratio = span / floor, target <= 1.05, and the sandbox
counts throttled replies, target 0. Client and sandbox share the time scale, as in production they share
Amazon's published numbers.

`--pacing` sweeps the limiter's safety margin (HEADROOM and JITTER_SECONDS in amazon_mws.core.limiter,
set in the bench's own process): `shipped` is the margin as released (1 % + 10 ms), `5%` restores 5 %
slower than published, `0%` paces to the exact published rate, `+20ms` adds 20 ms of real time to each
restore interval, `1%+50ms` both.

    python bench/sync_walk.py [--orders 3100] [--per-page 100] [--time-scale 0.02] [--pacing shipped 5% 0% +20ms]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from common import Result, pyplot, report, save, write_json

from amazon_mws.steps.fields import ORDER_STATUSES

STATUSES = list(ORDER_STATUSES)
WALK = ("ListOrders", "ListOrdersByNextToken")


def set_pacing(spec: str) -> None:
    """Set the client limiter's margin: "shipped" (as released), "5%", "+20ms" or "1%+50ms"."""
    import re

    from amazon_mws import backends
    from amazon_mws.core import limiter

    spec = spec.strip()
    if spec != "shipped":
        match = re.fullmatch(r"(?:(\d+(?:\.\d+)?)%)?(?:\+(\d+(?:\.\d+)?)ms)?", spec)
        if not match or not any(match.groups()):
            raise SystemExit(f"--pacing: {spec!r} is not shipped, a percentage (5%), a margin (+20ms) or both")
        limiter.HEADROOM = float(match[1] or 0) / 100
        limiter.JITTER_SECONDS = float(match[2] or 0) / 1000
    limiter._SHARED.clear()  # fresh buckets for this walk
    backends.shared_limiter.cache_clear()


def walk(orders: int, per_page: int, time_scale: float, pacing: str) -> dict[str, Any]:
    """One full trigger run against a fresh sandbox; the walk's request times and counts."""
    from amazon_mws.core.quotas import quota_for
    from amazon_mws.runtime.executor import run_step
    from amazon_mws.runtime.state.sqlite import SqliteStateStore
    from amazon_mws.sandbox import Sandbox

    set_pacing(pacing)
    quota = quota_for("ListOrders", time_scale)
    with Sandbox(orders=orders, seed=3, time_scale=time_scale) as sandbox, tempfile.TemporaryDirectory() as tmp:
        store = SqliteStateStore(Path(tmp) / "state.sqlite3")
        cfg = {**sandbox.credentials, "orderStatus": STATUSES, "maxResultsPerPage": per_page}
        started = time.perf_counter()
        result = run_step("getNewAndUpdatedOrders", cfg, snapshot={}, state_namespace=store.namespace("bench"))
        elapsed = time.perf_counter() - started
        assert not result.errors, result.errors
        log = [r for r in sandbox.requests if r["action"] in WALK]
        gathered = sum(len(m.body["orders"]) for m in result.data)
        seeded = len(sandbox.orders)
        store.close()
    throttled = sum(1 for r in log if r.get("error_code") == "RequestThrottled")
    ok = [r["time"] for r in log if r.get("status") == 200]
    pages = len(ok)
    span = ok[-1] - ok[0] if ok else 0.0
    floor = max(0, pages - quota.burst) * quota.restore_seconds
    return {
        "pacing": pacing,
        "pages": pages,
        "orders": gathered,
        "seeded": seeded,
        "throttled": throttled,
        "span": span,
        "floor": floor,
        "ratio": span / floor if floor else float("nan"),
        "elapsed": elapsed,
        "times": [t - ok[0] for t in ok],
        "burst": quota.burst,
        "restore": quota.restore_seconds,
    }


def plot(walks: list[dict[str, Any]], time_scale: float) -> str | None:
    """Requests over time against the quota ceiling (burst + t / restore), per pacing."""
    plt = pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(8, 4.5))
    first = walks[0]
    span = max(w["times"][-1] for w in walks)
    ts = [span * i / 200 for i in range(201)]
    ax.plot(ts, [min(first["pages"], first["burst"] + t / first["restore"]) for t in ts], "k--", lw=1,
            label=f"quota ceiling: burst {first['burst']}, +1 per {first['restore']:.2f} s")
    for w in walks:
        ax.step(w["times"], range(1, len(w["times"]) + 1), where="post",
                label=f"pacing {w['pacing']}: ratio {w['ratio']:.3f}, throttled {w['throttled']}")
    ax.set_xlabel(
        f"seconds since the first request (time scale {time_scale}: 1 s here = {1 / time_scale:.0f} s at Amazon)"
    )
    ax.set_ylabel("ListOrders / ByNextToken requests")
    ax.set_title("Sync walk: requests over time against the ListOrders quota")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    path = save(fig, "sync_walk")
    plt.close(fig)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3100)
    parser.add_argument("--per-page", type=int, default=100)
    parser.add_argument("--time-scale", type=float, default=0.02)
    parser.add_argument("--pacing", nargs="+", default=["shipped"], help="margins to compare (first is reported)")
    parser.add_argument("--quick", action="store_true", help="compressed harder (0.005): about 10 s a walk")
    parser.add_argument("--json", help="write the results here (for run_all.py)")
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.time_scale = min(args.time_scale, 0.005)
    os.environ["AMAZON_MWS_TIME_SCALE"] = str(args.time_scale)
    os.environ.pop("REDIS_URL", None)

    walks = []
    for pacing in args.pacing:
        w = walk(args.orders, args.per_page, args.time_scale, pacing)
        assert w["orders"] == w["seeded"], f"gathered {w['orders']} of {w['seeded']} orders"
        walks.append(w)
        print(f"  pacing {pacing:>6}: {w['pages']} pages, span {w['span']:.2f} s / floor {w['floor']:.2f} s = "
              f"{w['ratio']:.3f}, throttled {w['throttled']}, run elapsed {w['elapsed']:.2f} s", flush=True)
    main_walk = walks[0]
    plots = [] if args.no_plot else [p for p in [plot(walks, args.time_scale)] if p]
    result = Result(
        bench="sync walk",
        baseline_label="quota floor (pages - burst) x restore",
        baseline=main_walk["floor"],
        figure_label="walk span, first to last request",
        figure=main_walk["span"],
        unit="s",
        ratio=main_walk["ratio"],
        target="<= 1.05 and 0 throttled",
        met=main_walk["ratio"] <= 1.05 and main_walk["throttled"] == 0,
        details={
            "pages / orders": f"{main_walk['pages']} / {main_walk['orders']} (every seeded order gathered)",
            "quota": f"burst {main_walk['burst']}, restore {main_walk['restore']:.3f} s (time scale {args.time_scale})",
            "throttled replies": main_walk["throttled"],
            "whole run elapsed": f"{main_walk['elapsed']:.2f} s (start-up, walk, emit of every order)",
            "pacing sweep": "; ".join(
                f"{w['pacing']}: ratio {w['ratio']:.3f}, throttled {w['throttled']}" for w in walks
            ),
        },
        plots=plots,
    )
    report(result)
    write_json(args.json, [result])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
