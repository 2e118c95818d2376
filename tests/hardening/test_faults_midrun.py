"""Faults in the middle of a trigger run (500s, 503s, throttling, slow, cut and malformed replies), served
by the sandbox over real HTTP: the run completes and delivers every order of its window exactly once;
only the documented cap (4 retries of one request, MAX_RETRIES) turns faults into an error, and then
the saved state resumes the run without losing an order.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from hardening_support import ALL_STATUSES

from amazon_mws.core.errors import MAX_RETRIES
from amazon_mws.runtime.executor import run_step
from amazon_mws.runtime.state.sqlite import SqliteStateStore

NEXT = "ListOrdersByNextToken"


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _window(sb, cursor: str) -> set[str]:
    """Every order the window up to `cursor` must deliver: all the sandbox holds, last updated before it."""
    return {oid for oid, o in sb.orders.items() if _when(o["LastUpdateDate"]) < _when(cursor)}


def _trigger(cfg, ns, emit: str = "page", snapshot=None):
    """Run the trigger; what it delivered is read as each message leaves (as the CLI writes it), because a
    LazyList body reads gathered pages that the run drops once its window is done."""
    run_cfg = {**cfg, "orderStatus": ALL_STATUSES, "maxResultsPerPage": 20, "emitBehaviour": emit}
    delivered: list[str] = []

    def on_event(event) -> None:
        if event.kind == "data":
            delivered.extend(o["AmazonOrderId"] for o in event.message.body["orders"])

    result = run_step("getNewAndUpdatedOrders", run_cfg, snapshot=snapshot, state_namespace=ns, on_event=on_event)
    result.delivered = delivered
    return result


def _delivered(result) -> list[str]:
    return result.delivered


@pytest.fixture
def ns(tmp_path: Path):
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    yield store.namespace("hardening:trigger")
    store.close()


@pytest.mark.parametrize("emit", ["all", "page", "order"])
def test_a_run_through_every_kind_of_fault_delivers_every_order_once(emit, sb, cfg, ns):
    # One request meets 500, 500, 503, a cut connection and then a slow but good reply (4 retries: the
    # cap, not over it); a later one a truncated XML body and a throttle before its good reply.
    for kind, count in [("500", 2), ("503", 1), ("cut", 1), ("slow", 1), ("malformed", 1), ("throttle", 1)]:
        sb.inject_fault(kind, count, NEXT, delay=0.3)
    sb.inject_fault("503", 1, "ListOrders")
    result = _trigger(cfg, ns, emit, snapshot={})
    assert result.ok, result.errors
    assert not sb.faults.pending(), "every injected fault was met"
    delivered = _delivered(result)
    duplicates = [oid for oid, n in Counter(delivered).items() if n > 1]
    assert not duplicates
    assert set(delivered) == _window(sb, result.state["cursor"])
    assert len(delivered) > 200
    seen = Counter(r["fault"] for r in sb.requests if r["fault"])
    assert seen == {"500": 2, "503": 2, "cut": 1, "slow": 1, "malformed": 1, "throttle": 1}


def test_faults_past_the_retry_cap_fail_the_run_and_the_next_run_loses_nothing(sb, cfg, ns):
    # Let two pages through, then one request meets a 500 more times than the cap allows.
    sb.inject_fault("slow", 2, None, delay=0.0)
    sb.inject_fault("500", MAX_RETRIES + 1, NEXT)
    first = _trigger(cfg, ns, "page", snapshot={})
    assert len(first.errors) == 1
    error = first.errors[0]
    assert error["type"] == "ServerError" and "InternalError" in error["message"]
    attempts = [r for r in sb.requests if r["action"] == NEXT and r["fault"] == "500"]
    assert len(attempts) == MAX_RETRIES + 1  # the first try and 4 retries, no more
    progress = first.state["run"]
    assert progress["pages"] >= 2 and not progress["complete"]
    assert "cursor" not in first.state  # the cursor does not move past an unfinished window

    second = _trigger(cfg, ns, "page")  # the stored state is the snapshot: resume
    assert second.ok, second.errors
    delivered = _delivered(first) + _delivered(second)
    assert set(delivered) == _window(sb, second.state["cursor"])
    assert len(delivered) == len(set(delivered)), "pages emitted before the failure are not sent again"


def test_a_cut_connection_on_every_try_is_a_transport_error_naming_the_host(sb, cfg, ns):
    sb.inject_fault("cut", MAX_RETRIES + 1, "ListOrders")
    result = _trigger(cfg, ns, "all", snapshot={})
    [error] = result.errors
    assert error["type"] == "TransportError"
    assert "ListOrders" in error["message"] and f"{sb.host}:{sb.port}" in error["message"]
    assert "Signature" not in error["message"]  # the library's message (with the signed URL) is not passed on
