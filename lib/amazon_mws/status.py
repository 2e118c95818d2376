"""``amazon-mws status``: each flow's cursor, last run, parked messages, pending feed checks and quota levels.

With REDIS_URL everything is read from Redis (the same keys the workers write), so it answers from any
machine while workers run; without it, from the local SQLite state file (AMAZON_MWS_STATE_PATH), for
flows run with ``flow run --once`` in one process (``flows.history``). It changes nothing. ``--json``
prints one document for scripts and monitoring; the default is a rich table. Quota levels (Redis only)
are the shared token buckets of the flow's seller, refilled to now with the Redis server's clock (what
the next request would find).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

QUOTA_PREFIX = "amazon_mws:quota"


def quota_levels(client, seller_id: str, time_scale: float | None = None) -> dict[str, dict[str, float]]:
    """``{group: {"tokens", "burst"}}`` for every bucket of the seller that exists in Redis."""
    from amazon_mws.core.quotas import QUOTAS, time_scale_from_env

    scale = time_scale_from_env() if time_scale is None else time_scale
    seconds, micros = client.time()
    now = seconds + micros / 1e6
    out: dict[str, dict[str, float]] = {}
    for key in client.scan_iter(match=f"{QUOTA_PREFIX}:{seller_id}:*"):
        group = key.decode().rsplit(":", 1)[-1]
        if group not in QUOTAS:  # a bucket's companions (`:hour` send times, `:recent` sends) are not hashes
            continue
        raw = client.hgetall(key)
        if b"tokens" not in raw:
            continue
        quota = QUOTAS[group].scaled(scale)
        tokens, at = float(raw[b"tokens"]), float(raw[b"at"])
        tokens = min(float(quota.burst), tokens + max(0.0, now - at) / quota.restore_seconds)
        out[group] = {"tokens": round(tokens, 2), "burst": quota.burst}
    return out


def flow_status(fs, name: str, checks: list[dict[str, Any]], store) -> dict[str, Any]:
    from amazon_mws.flows.parking import Parking
    from amazon_mws.flows.stages import namespace_of

    info: dict[str, Any] = {"flow": name}
    try:
        flow = fs.flow(name)
    except Exception as exc:
        return {**info, "problem": str(exc)}
    info["schedule"] = flow.schedule
    info["steps"] = [s.id for s in flow.steps]
    state = store.namespace(namespace_of(flow, 0)).load()
    info["cursor"] = state.get("cursor")
    run = state.get("run")
    info["runInProgress"] = (
        {k: run.get(k) for k in ("id", "pages", "orders", "emittedPages", "complete")} if run else None
    )
    info["lastRun"] = fs.last_run(name)
    info["lockedBy"] = fs.holder(fs.poll_lock_key(name))
    info["recentErrors"] = fs.errors(name, 5)
    info["parked"] = Parking(store, name).summary()
    info["pendingFeedChecks"] = [
        {"key": c["key"], "step": c["step"], "dueInSeconds": round(c["dueAt"] - time.time(), 1),
         "submissions": [j.get("feedSubmissionId") for j in c["jobs"]]}
        for c in checks if c.get("flow") == name
    ]
    try:
        seller = flow.cfg_for(0).get("sellerId")
    except Exception:  # credentials live on the workers (env/file): no seller id here
        seller = None
    info["sellerId"] = seller
    info["quotas"] = quota_levels(fs.r, seller) if seller else {}
    return info


def collect(names: list[str] | None = None) -> dict[str, Any]:
    from amazon_mws.runtime.state.redis import RedisStateStore
    from amazon_mws.workers.flow_store import FlowStore
    from amazon_mws.workers.waits import PendingWaits

    fs = FlowStore.from_env()
    store = RedisStateStore(os.environ["REDIS_URL"], prefix=fs.prefix)
    checks = PendingWaits(fs.r, fs.prefix).pending()
    flows = [flow_status(fs, n, checks, store) for n in (names or fs.names())]
    orphan_checks = [c["key"] for c in checks if not c.get("flow")]
    return {"flows": flows, "pendingFeedChecks": len(checks), "otherFeedChecks": orphan_checks}


def _ago(stamp: float | None) -> str:
    if not stamp:
        return "-"
    seconds = max(0, time.time() - stamp)
    return f"{seconds:.0f}s ago" if seconds < 120 else f"{seconds / 60:.0f}m ago"


def render(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="amazon-mws flows")
    for column in ("flow", "schedule", "cursor", "last run", "in progress", "feed checks", "quotas", "errors",
                   "parked"):
        table.add_column(column)
    for f in data["flows"]:
        if "problem" in f:
            table.add_row(f["flow"], "-", "-", f["problem"], "-", "-", "-", "-", "-")
            continue
        last_text = _last_run(f, f"{(f.get('lastRun') or {}).get('messages')} msgs", "error: ")
        run_text = _in_progress(f)
        schedule = f.get("schedule") or {}
        sched_text = (f"every {schedule['interval']}s" if "interval" in schedule
                      else schedule.get("cron", "once"))
        quotas = ", ".join(f"{g} {q['tokens']:.1f}/{q['burst']}" for g, q in sorted(f["quotas"].items())) or "-"
        table.add_row(f["flow"], sched_text, f.get("cursor") or "-", last_text, run_text,
                      str(len(f["pendingFeedChecks"])), quotas, str(len(f["recentErrors"])),
                      str(f["parked"]["count"]))
    Console(file=sys.stdout, width=200).print(table)
    if data["otherFeedChecks"]:
        print(f"{len(data['otherFeedChecks'])} feed checks pending for single step runs")


def pending_intents(store: Any) -> list[dict[str, Any]]:
    """Feed submissions whose intent is written and whose id Amazon has not given yet: sent (or about to
    be) when the process stopped. The next run of the same input asks Amazon before sending again."""
    from amazon_mws.feeds.intents import INTENT_PREFIX, SLOT

    out = []
    for name in store.namespace_names(INTENT_PREFIX):
        account = name[len(INTENT_PREFIX):].rsplit(":", 1)[0]
        for key, intent in store.namespace(name).load().items():
            if key != SLOT and isinstance(intent, dict) and not intent.get("feedSubmissionId"):
                out.append({"account": account, "key": key, "feedType": intent.get("feedType"),
                            "messageIds": intent.get("messageIds"), "createdAt": intent.get("createdAt"),
                            "sentAt": intent.get("sentAt")})
    return sorted(out, key=lambda i: i["createdAt"] or 0)


def collect_local(names: list[str] | None = None) -> dict[str, Any] | None:
    """Without REDIS_URL: the flows run in this machine's processes, from the state file (None: no file)."""
    from amazon_mws.flows.history import local_status
    from amazon_mws.runtime.state import default_sqlite_path
    from amazon_mws.runtime.state.sqlite import SqliteStateStore

    path = default_sqlite_path()
    if not path.exists():
        return None
    store = SqliteStateStore(path)
    try:
        return local_status(store, pending_intents(store), names)
    finally:
        store.close()


def _last_run(flow: dict[str, Any], counted: str, error_label: str) -> str:
    """A flow's last run in a table cell: when, how much, and its error if it had one."""
    last = flow.get("lastRun") or {}
    if not last:
        return "-"
    error = "" if last.get("ok") else f", {error_label}{last.get('error')}"
    return f"{_ago(last.get('finishedAt'))}, {counted}{error}"


def _in_progress(flow: dict[str, Any]) -> str:
    run = flow.get("runInProgress")
    return f"page {run['pages']}, {run['orders']} orders" if run else "-"


def render_local(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"amazon-mws flows run in one process ({data['stateFile']})")
    for column in ("flow", "cursor", "last run", "in progress", "in flight", "parked", "feed intents"):
        table.add_column(column)
    for f in data["flows"]:
        if "problem" in f:
            table.add_row(f["flow"], "-", f["problem"], "-", "-", "-", "-")
            continue
        last_text = _last_run(f, f"{(f.get('lastRun') or {}).get('delivered')} delivered", "")
        run_text = _in_progress(f)
        if f.get("running"):
            run_text = f"started {_ago(f['running'])}" + ("" if run_text == "-" else f", {run_text}")
        table.add_row(f["flow"], f.get("cursor") or "-", last_text, run_text, str(f["inFlight"]),
                      str(f["parked"]["count"]), str(len(f["pendingFeedIntents"])))
    Console(file=sys.stdout, width=200).print(table)
    if data["pendingFeedIntents"]:
        print(f"{len(data['pendingFeedIntents'])} feed submission(s) with no id from Amazon yet: the next run of "
              "the same input asks Amazon before sending again")


def main(args) -> int:
    """``amazon-mws status [--json] [--flow NAME]``: the workers' Redis with REDIS_URL, else the state file."""
    as_json = getattr(args, "json", False)
    if os.environ.get("REDIS_URL"):
        data = collect(getattr(args, "flow", None))
        print(json.dumps(data, indent=2, default=str)) if as_json else render(data)
        return 0
    from amazon_mws.runtime.state import StateStoreError, default_sqlite_path

    try:
        local = collect_local(getattr(args, "flow", None))
    except StateStoreError as exc:
        print(f"amazon-mws status: {exc}", file=sys.stderr)
        return 2
    if local is None:
        print(f"amazon-mws status: no state file at {default_sqlite_path()} (AMAZON_MWS_STATE_PATH): no flow has "
              "run in one process here; with workers, set REDIS_URL", file=sys.stderr)
        return 0
    print(json.dumps(local, indent=2, default=str)) if as_json else render_local(local)
    return 0
