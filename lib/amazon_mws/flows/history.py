"""Flows run in one process, as ``amazon-mws status`` shows them without Redis: read from the state file.

On workers the flow store in Redis keeps each flow's last run (``workers.flow_store``). In one process the
SQLite state file already holds each flow's trigger state (cursor, a run in progress), its parked messages
and what a stopped run left in flight (``flows.parking``), and every feed submission intent
(``feeds.intents``); what it lacked is the run itself. ``recording`` writes it (``flow:<name>:#runs``):
when a run started, and when it ended, with its counts or why it stopped (Ctrl-C, ``--timeout``, an
error). ``local_status`` reads it all back and changes nothing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from amazon_mws.runtime.state import StateStore

FLOW_PREFIX = "flow:"


def runs_namespace(flow_name: str) -> str:
    return f"flow:{flow_name}:#runs"


def _why(exc: BaseException) -> str:
    from amazon_mws.runtime.interrupts import TimedOut

    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    if isinstance(exc, TimedOut):
        return "stopped by --timeout"
    return f"{type(exc).__name__}: {exc}"


@contextlib.contextmanager
def recording(store: StateStore, flow: Any, report: Any) -> Iterator[None]:
    """Around one run in this process: its start, then its end (``report``'s counts, or why it stopped)."""
    from amazon_mws.flows.stages import namespace_of

    ns = store.namespace(runs_namespace(flow.name))
    started = time.time()
    ns.merge({"trigger": namespace_of(flow, 0), "steps": [s.id for s in flow.steps], "running": started})
    problem = None
    try:
        yield
    except BaseException as exc:
        problem = _why(exc)
        raise
    finally:
        errors = report.errors
        ns.merge({"running": None, "lastRun": {
            "startedAt": started, "finishedAt": time.time(), "messages": report.messages,
            "delivered": report.delivered, "parked": report.parked, "errors": len(errors),
            "ok": problem is None and not errors,
            "error": problem or (f"{errors[0].get('type')}: {errors[0].get('message')}" if errors else None)}})


def _flow_names(store: Any) -> list[str]:
    return sorted({ns.split(":")[1] for ns in store.namespace_names(FLOW_PREFIX) if ns.count(":") >= 2})


def _trigger_state(store: Any, name: str, runs: dict[str, Any]) -> dict[str, Any]:
    """The trigger's state: the namespace the last run named, else (a flow run before runs were recorded)
    the step namespace of the flow that holds a cursor."""
    if runs.get("trigger"):
        return store.namespace(runs["trigger"]).load()
    for ns in store.namespace_names(f"flow:{name}:"):
        if "#" not in ns.split(":", 2)[2]:
            state = store.namespace(ns).load()
            if "cursor" in state or "run" in state:
                return state
    return {}


def local_flow(store: Any, name: str, intents: list[dict[str, Any]]) -> dict[str, Any]:
    from amazon_mws.flows.guards import owner_namespace
    from amazon_mws.flows.parking import Parking, in_flight_namespace

    if not store.namespace_names(f"flow:{name}:"):
        return {"flow": name, "problem": f"no flow {name!r} has run with this state file"}
    runs = store.namespace(runs_namespace(name)).load()
    owner = store.namespace(owner_namespace(name)).load()
    state = _trigger_state(store, name, runs)
    run = state.get("run")
    seller = owner.get("sellerId")
    return {
        "flow": name,
        "sellerId": seller,
        "steps": runs.get("steps"),
        "cursor": state.get("cursor"),
        "runInProgress": {k: run.get(k) for k in ("id", "pages", "orders", "emittedPages", "complete")}
        if run else None,
        "running": runs.get("running"),  # set while a run is going (or one ended without a word: killed)
        "lastRun": runs.get("lastRun"),
        "inFlight": len(store.namespace(in_flight_namespace(name)).load()),
        "parked": Parking(store, name).summary(),
        "pendingFeedIntents": [i for i in intents if seller and str(seller) in i["account"]],
    }


def local_status(store: Any, intents: list[dict[str, Any]], names: list[str] | None = None) -> dict[str, Any]:
    """Every flow the state file knows (or ``names``), and the pending feed ``intents`` (read by the caller:
    feeds are Amazon code, which flows do not import)."""
    flows = [local_flow(store, n, intents) for n in (names or _flow_names(store))]
    return {"stateFile": str(store.path), "flows": flows, "pendingFeedIntents": intents}
