"""Peak memory of a trigger run that gathers 100,000 orders, for each emit behaviour.

Two processes, as in production: `amazon-mws sandbox --orders N --no-throttle` serves Amazon, and
`amazon-mws run getNewAndUpdatedOrders` (the real CLI, SQLite state, stdout to a file) gathers every
order. psutil samples the trigger process's RSS every 50 ms; the sandbox's own memory does not count.
The client's quota pacing is compressed to nothing (AMAZON_MWS_TIME_SCALE=1e-5) so the run measures
memory, not waiting.

Baseline, measured the same way in the same run: the reference component's approach, every page's
orders kept in a Python list and dumped as one JSON message at the end (the same transport and parser,
so only the holding differs). Ratio = baseline peak / our worst peak; the target is < 200 MB for each
behaviour. Every run's output is counted: each must carry all N orders.

    python bench/memory.py [--orders 100000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import BIN, ROOT, Result, count_orders, pyplot, report, save, start_sandbox, write_json

from amazon_mws.steps.fields import ORDER_STATUSES

STATUSES = list(ORDER_STATUSES)
TARGET_MB = 200


def sample_rss(cmd: list[str], env: dict[str, str], stdout: Path) -> tuple[int, list[tuple[float, float]], float]:
    """Run `cmd`, sampling its RSS (MB) every 50 ms; (exit status, [(t, MB)], elapsed)."""
    import psutil

    series: list[tuple[float, float]] = []
    with stdout.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env)
        ps = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                series.append((time.perf_counter() - started, ps.memory_info().rss / 2**20))
            except psutil.NoSuchProcess:
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode:
        print(err[-2000:], file=sys.stderr)
    return proc.returncode, series, elapsed


def naive_child(cfg_path: str) -> int:
    """The baseline: every page's orders in one list, one json.dumps at the end (stdout)."""
    sys.path.insert(0, str(ROOT / "lib"))
    from amazon_mws.mws.connection import MwsConnection
    from amazon_mws.mws.credentials import Credentials
    from amazon_mws.mws.orders import OrdersApi

    cfg = json.loads(Path(cfg_path).read_text())
    api = OrdersApi(MwsConnection(Credentials.from_config(cfg)))
    page = api.list_orders(last_updated_after="1970-01-01T00:00:00Z", statuses=STATUSES, max_results=100)
    orders = list(page.orders)
    while page.next_token:
        page = api.list_orders_by_next_token(page.next_token)
        orders.extend(page.orders)
    sys.stdout.write(json.dumps({"event": "data", "body": {"orders": orders}}) + "\n")
    return 0


def run(orders: int, quick: bool, plot_it: bool) -> Result:
    sandbox, creds, _, seed_seconds = start_sandbox(orders)
    print(f"  sandbox: {orders} orders seeded and serving in {seed_seconds:.1f} s", flush=True)
    runs: dict[str, dict[str, Any]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmpdir = Path(tmp)
            env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
            env.update({"AMAZON_MWS_TIME_SCALE": "0.00001", "LOG_LEVEL": "WARNING"})
            for label in ("naive (baseline)", "emit all", "emit page", "emit order"):
                cfg = {**creds, "orderStatus": STATUSES, "maxResultsPerPage": 100}
                if label.startswith("emit"):
                    cfg["emitBehaviour"] = label.split()[1]
                cfg_path = tmpdir / "cfg.json"
                cfg_path.write_text(json.dumps(cfg))
                env["AMAZON_MWS_STATE_PATH"] = str(tmpdir / f"state-{len(runs)}.sqlite3")
                if label.startswith("naive"):
                    cmd = [sys.executable, str(Path(__file__).resolve()), "--naive-child", str(cfg_path)]
                else:
                    cmd = [str(BIN), "run", "getNewAndUpdatedOrders", "--config", str(cfg_path)]
                out = tmpdir / "out.jsonl"
                status, series, elapsed = sample_rss(cmd, env, out)
                got = count_orders(out)
                peak = max((mb for _, mb in series), default=0.0)
                runs[label] = {"series": series, "peak": peak, "elapsed": elapsed, "orders": got, "status": status}
                print(f"  {label:17}: peak RSS {peak:7.1f} MB, {got} orders out, {elapsed:6.1f} s, exit {status}",
                      flush=True)
                out.unlink()
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
    ours = {k: v for k, v in runs.items() if k.startswith("emit")}
    worst = max(v["peak"] for v in ours.values())
    baseline = runs["naive (baseline)"]["peak"]
    complete = all(v["orders"] == orders and v["status"] == 0 for v in runs.values())
    plots = [p for p in [plot(runs, orders)] if p] if plot_it else []
    return Result(
        bench="memory",
        baseline_label="naive gather (all orders in a list, one json.dumps), peak RSS",
        baseline=baseline,
        figure_label="worst peak RSS over the three emit behaviours",
        figure=worst,
        unit="MB",
        ratio=baseline / worst if worst else float("nan"),
        target=f"< {TARGET_MB} MB for every behaviour, every order delivered",
        met=worst < TARGET_MB and complete,
        details={
            "orders": f"{orders} (sandbox seeded in {seed_seconds:.1f} s)",
            **{f"{k} peak": f"{v['peak']:.1f} MB in {v['elapsed']:.1f} s, {v['orders']} orders out"
               for k, v in runs.items()},
        },
        plots=plots,
    )


def plot(runs: dict[str, dict[str, Any]], orders: int) -> str | None:
    plt = pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for label, r in runs.items():
        ts = [t for t, _ in r["series"]]
        ax.plot(ts, [mb for _, mb in r["series"]], label=f"{label}: peak {r['peak']:.0f} MB",
                ls=":" if label.startswith("naive") else "-")
    ax.axhline(TARGET_MB, color="k", ls="--", lw=1, label=f"target {TARGET_MB} MB")
    ax.set_xlabel("seconds since the trigger process started")
    ax.set_ylabel("RSS of the trigger process (MB)")
    ax.set_title(f"Memory: one trigger run gathering {orders:,} orders")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    path = save(fig, "memory")
    plt.close(fig)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 orders")
    parser.add_argument("--json", help="write the results here (for run_all.py)")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--naive-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.naive_child:
        return naive_child(args.naive_child)
    orders = min(args.orders, 10_000) if args.quick else args.orders
    result = run(orders, args.quick, not args.no_plot)
    report(result)
    write_json(args.json, [result])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
