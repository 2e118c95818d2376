"""`amazon-mws demo`: the main job, end to end, with no credentials and no services.

It starts the sandbox in this process on a free port with Amazon's real quotas, and runs the real steps
through the real runtime (validation, state store, emitter) over real HTTP: the trigger over the last N
days, then Get Order and List Order Items on a few of the orders. What a newcomer sees is what a flow does.
`--backend sp-api` runs the same job on the sandbox's SP-API (Orders v2026-01-01, the default `ordersApi`).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from amazon_mws.core.times import to_amazon
from amazon_mws.runtime.emitter import Event
from amazon_mws.runtime.executor import RunResult, run_step
from amazon_mws.runtime.state.sqlite import SqliteStateStore
from amazon_mws.sandbox import Sandbox
from amazon_mws.steps.fields import ORDER_STATUSES

LOOKUPS = 5  # orders looked up again with Get Order and List Order Items


class DemoError(RuntimeError):
    pass


def _checked(result: RunResult) -> RunResult:
    if result.errors:
        raise DemoError(f"{result.step}: {result.errors[0]['message']}")
    return result


def run_demo(sandbox: Sandbox, days: int, progress: Progress, state_dir: Path, backend: str = "mws") -> dict[str, Any]:
    store = SqliteStateStore(state_dir / "demo-state.sqlite3")
    cfg = dict(sandbox.sp_credentials if backend == "sp-api" else sandbox.credentials)
    trigger_cfg = {
        **cfg,
        "orderStatus": list(ORDER_STATUSES),
        "includeOrderItems": False,
        "startTime": to_amazon(sandbox.now() - timedelta(days=days)),
    }

    gather = progress.add_task("Get New And Updated Orders: pages", total=None)

    orders: list[dict[str, Any]] = []

    def on_trigger_event(event: Event) -> None:
        if event.kind == "data" and event.message is not None:
            orders.extend(event.message.body["orders"])  # a streamed body is read while it is emitted
        run = (event.state or {}).get("run") if event.kind == "updateSnapshot" else None
        if run:
            progress.update(
                gather,
                completed=run["pages"],
                description=f"Get New And Updated Orders: {run['orders']} orders, {run['pages']} pages",
            )

    trigger = _checked(
        run_step(
            "getNewAndUpdatedOrders",
            trigger_cfg,
            snapshot={},
            on_event=on_trigger_event,
            state_namespace=store.namespace("demo:getNewAndUpdatedOrders"),
        )
    )
    progress.update(gather, total=1, completed=1)

    picked = [o["AmazonOrderId"] for o in orders[:LOOKUPS]]
    lookups = progress.add_task("Get Order and List Order Items", total=1 + len(picked))
    found = _checked(run_step("getOrder", cfg, {"amazonOrderIds": picked}))
    progress.advance(lookups)
    items: dict[str, list[dict[str, Any]]] = {}
    for order_id in picked:
        listed = _checked(run_step("listOrderItems", cfg, {"amazonOrderId": order_id}))
        items[order_id] = listed.data[0].body["orderItems"]
        progress.advance(lookups)
    return {"orders": orders, "found": found.data[0].body, "items": items, "cursor": trigger.state.get("cursor")}


def _summary(console: Console, outcome: dict[str, Any], sandbox: Sandbox, elapsed: float) -> None:
    orders = outcome["orders"]
    by_status = Counter(o["OrderStatus"] for o in orders)
    totals: dict[str, Decimal] = {}
    for order in orders:
        total = order.get("OrderTotal")
        if total:
            totals[total["CurrencyCode"]] = totals.get(total["CurrencyCode"], Decimal(0)) + Decimal(total["Amount"])

    table = Table(title="Orders by status", show_footer=True)
    table.add_column("Status", footer="All")
    table.add_column("Orders", justify="right", footer=str(len(orders)))
    for status, count in by_status.most_common():
        table.add_row(status, str(count))
    console.print(table)

    money = Table(title="Order totals by currency")
    money.add_column("Currency")
    money.add_column("Total", justify="right")
    for currency, amount in sorted(totals.items()):
        money.add_row(currency, f"{amount:,.2f}")
    console.print(money)

    looked = Table(title=f"Get Order + List Order Items on {len(outcome['items'])} orders")
    looked.add_column("AmazonOrderId", no_wrap=True)
    looked.add_column("Status", no_wrap=True)
    looked.add_column("Items", justify="right")
    looked.add_column("Units", justify="right")
    looked.add_column("SKUs")
    by_id = {o["AmazonOrderId"]: o for o in outcome["found"]["orders"]}
    for order_id, order_items in outcome["items"].items():
        looked.add_row(
            order_id,
            by_id.get(order_id, {}).get("OrderStatus", "not found"),
            str(len(order_items)),
            str(sum(i["QuantityOrdered"] for i in order_items)),
            ", ".join(i.get("SellerSKU", "?") for i in order_items[:3]),
        )
    console.print(looked)

    requests = sandbox.requests
    throttled = sum(1 for r in requests if r.get("error_code") in ("RequestThrottled", "QuotaExceeded"))
    actions = Counter(r["action"] for r in requests)
    console.print(
        f"[bold]{len(orders)}[/] orders, "
        f"[bold]{sum(len(v) for v in outcome['items'].values())}[/] items looked up, "
        f"[bold]{len(requests)}[/] requests ({', '.join(f'{a} {n}' for a, n in actions.most_common())}), "
        f"[bold]{throttled}[/] throttled replies, [bold]{elapsed:.1f} s[/]."
    )
    console.print(f"Next poll starts at Amazon's returned bound: [bold]{outcome['cursor']}[/]")


def main(args: argparse.Namespace) -> int:
    console = Console()
    started = time.monotonic()
    with Sandbox(orders=args.orders, seed=args.seed) as sandbox, tempfile.TemporaryDirectory() as state_dir:
        console.print(
            f"Sandbox Amazon at {sandbox.endpoint} with {args.orders} seeded orders "
            f"(marketplace {sandbox.marketplace_id}, Amazon's published quotas, "
            f"{'SP-API Orders v2026-01-01' if args.backend == 'sp-api' else 'MWS'})."
        )
        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
        try:
            with Progress(*columns, console=console, transient=False) as progress:
                outcome = run_demo(sandbox, args.days, progress, Path(state_dir), args.backend)
        except DemoError as exc:
            console.print(f"[red]demo failed:[/] {exc}")
            return 1
        _summary(console, outcome, sandbox, time.monotonic() - started)
    return 0
