"""Get New And Updated Orders through the installed CLI, over real HTTP to the sandbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from datetime import timedelta

from amazon_mws.core.times import parse_time, to_amazon
from runsupport import visible_ids
from testsupport import AMAZON_MWS_BIN

from .conftest import trigger_cfg


def sandbox_orders(sb) -> list[dict]:
    return list(sb.orders.values())


def list_orders_requests(sb) -> list[dict]:
    return [r for r in sb.requests if r["action"] in ("ListOrders", "ListOrdersByNextToken")]


def test_first_window_is_exact_and_cursor_is_amazons_bound(sandbox, run_cli, tmp_path):
    fresh = sandbox.add_order(OrderStatus="Unshipped")  # inside the last two minutes: not yet visible
    snap = tmp_path / "snap.json"
    run = run_cli("getNewAndUpdatedOrders", trigger_cfg(sandbox, maxResultsPerPage="50"), snapshot=snap)
    assert run.returncode == 0, run.stderr
    ids = [o["AmazonOrderId"] for o in run.orders()]
    assert len(run.data()) == 1, "default emit behaviour is one message for the run"
    assert len(ids) == len(set(ids)), "an order was emitted twice"
    state = json.loads(snap.read_text())
    assert set(state) == {"cursor"}, state
    returned = [r for r in list_orders_requests(sandbox) if r["action"] == "ListOrders"]
    assert len(returned) == 1
    assert set(ids) == visible_ids(sandbox.orders, "1970-01-01T00:00:00Z", state["cursor"])
    assert fresh["AmazonOrderId"] not in ids
    # cursor = the bound Amazon returned: two minutes behind the sandbox clock, not our clock nor the newest order
    assert abs(parse_time(state["cursor"], "c") - (sandbox.now() - timedelta(minutes=2))) < timedelta(seconds=30)
    assert len(list_orders_requests(sandbox)) >= 5  # 250 orders at 50 a page: every NextToken page followed
    assert all(isinstance(o["NumberOfItemsShipped"], int) for o in run.orders() if "NumberOfItemsShipped" in o)


def test_second_run_returns_exactly_what_changed_including_the_two_minute_window(sandbox, run_cli, tmp_path):
    snap = tmp_path / "snap.json"
    cfg = trigger_cfg(sandbox)
    first = run_cli("getNewAndUpdatedOrders", cfg, snapshot=snap)
    assert first.returncode == 0, first.stderr
    late = sandbox.add_order(OrderStatus="Pending")  # was inside the window during the first run
    some = [o["AmazonOrderId"] for o in first.orders()[:3]]
    for order_id in some:
        sandbox.update_order(order_id, OrderStatus="Canceled")
    sandbox.advance_clock(180)
    second = run_cli("getNewAndUpdatedOrders", cfg, snapshot=snap)
    assert second.returncode == 0, second.stderr
    got = [o["AmazonOrderId"] for o in second.orders()]
    assert sorted(got) == sorted([*some, late["AmazonOrderId"]])
    assert {o["OrderStatus"] for o in second.orders() if o["AmazonOrderId"] in some} == {"Canceled"}


def test_unshipped_is_sent_with_partially_shipped_and_only_chosen_statuses_come_out(sandbox, run_cli):
    run = run_cli("getNewAndUpdatedOrders", trigger_cfg(sandbox, orderStatus="Unshipped"))
    assert run.returncode == 0, run.stderr
    first = next(r for r in sandbox.requests if r["action"] == "ListOrders")
    wire = {v for k, v in first["params"].items() if k.startswith("OrderStatus.Status.")}
    assert wire == {"Unshipped", "PartiallyShipped"}
    statuses = Counter(o["OrderStatus"] for o in run.orders())
    assert set(statuses) == {"Unshipped"}
    expected = {o["AmazonOrderId"] for o in sandbox_orders(sandbox) if o["OrderStatus"] == "Unshipped"}
    assert {o["AmazonOrderId"] for o in run.orders()} <= expected
    assert statuses["Unshipped"] > 0


def test_sample_makes_exactly_one_request_and_keeps_no_state(sandbox, run_cli, tmp_path):
    snap = tmp_path / "snap.json"
    snap.write_text("{}")
    sandbox.reset_log()
    run = run_cli(
        "getNewAndUpdatedOrders",
        trigger_cfg(sandbox, maxResultsPerPage=10, includeOrderItems=True),
        snapshot=snap,
        sample=True,
    )
    assert run.returncode == 0, run.stderr
    assert len(sandbox.requests) == 1
    assert 0 < len(run.orders()) <= 10
    assert json.loads(snap.read_text()) == {}


def test_sample_turns_throttling_into_an_error_at_once(sandbox, run_cli):
    sandbox.inject_fault("throttle", count=5)
    started = time.monotonic()
    run = run_cli("getNewAndUpdatedOrders", trigger_cfg(sandbox), sample=True)
    assert run.returncode != 0
    assert run.errors() and "throttl" in run.errors()[0]["error"]["message"].lower()
    assert len(sandbox.requests) == 1
    assert time.monotonic() - started < 30


def test_end_time_behind_the_cursor_ends_quietly_without_a_request(sandbox, run_cli, tmp_path):
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps({"cursor": "2026-01-02T00:00:00.000Z"}))
    sandbox.reset_log()
    run = run_cli(
        "getNewAndUpdatedOrders", trigger_cfg(sandbox, endTime="2026-01-01T00:00:00.000 +0000"), snapshot=snap
    )
    assert run.returncode == 0, run.stderr
    assert run.errors() == [] and run.data() == []
    assert sandbox.requests == []


def test_end_time_window_then_quiet(sandbox, run_cli, tmp_path):
    snap = tmp_path / "snap.json"
    end = sandbox.now() - timedelta(days=10)
    cfg = trigger_cfg(sandbox, endTime=to_amazon(end))
    run = run_cli("getNewAndUpdatedOrders", cfg, snapshot=snap)
    assert run.returncode == 0, run.stderr
    assert {o["AmazonOrderId"] for o in run.orders()} == visible_ids(
        sandbox.orders, "1970-01-01T00:00:00Z", to_amazon(end)
    )
    sandbox.reset_log()
    again = run_cli("getNewAndUpdatedOrders", cfg, snapshot=snap)
    assert again.returncode == 0 and again.data() == [] and sandbox.requests == []


def test_each_emit_behaviour_delivers_the_same_orders(sandbox, run_cli, tmp_path):
    results = {}
    for behaviour in ("all", "page", "order"):
        run = run_cli(
            "getNewAndUpdatedOrders",
            trigger_cfg(sandbox, emitBehaviour=behaviour, maxResultsPerPage=40),
            snapshot=tmp_path / f"{behaviour}.json",
        )
        assert run.returncode == 0, run.stderr
        results[behaviour] = run
    ids = {b: [o["AmazonOrderId"] for o in r.orders()] for b, r in results.items()}
    assert sorted(ids["all"]) == sorted(ids["page"]) == sorted(ids["order"])
    assert len(results["all"].data()) == 1
    assert len(results["order"].data()) == len(ids["order"])
    assert all(len(e["body"]["orders"]) <= 40 for e in results["page"].data())
    assert len(results["page"].data()) >= len(ids["page"]) // 40


def test_include_order_items_adds_every_page_of_items(sandbox, run_cli):
    run = run_cli("getNewAndUpdatedOrders", trigger_cfg(sandbox, orderStatus="Shipped", includeOrderItems=True))
    assert run.returncode == 0, run.stderr
    orders = run.orders()
    assert orders and all(o["orderItems"] for o in orders)
    multi = [o for o in orders if len(o["orderItems"]) > 2]  # items_page_size=2: these needed NextToken pages
    assert multi
    paged = [r for r in sandbox.requests if r["action"] == "ListOrderItemsByNextToken"]
    assert paged


def test_server_errors_mid_run_are_retried_and_nothing_is_lost(sandbox, run_cli, tmp_path):
    clean = run_cli("getNewAndUpdatedOrders", trigger_cfg(sandbox, maxResultsPerPage=30), snapshot=tmp_path / "a")
    sandbox.inject_fault("500", count=1, operation="ListOrdersByNextToken")
    sandbox.inject_fault("503", count=1, operation="ListOrdersByNextToken")
    sandbox.inject_fault("throttle", count=1, operation="ListOrdersByNextToken")
    faulty = run_cli("getNewAndUpdatedOrders", trigger_cfg(sandbox, maxResultsPerPage=30), snapshot=tmp_path / "b")
    assert faulty.returncode == 0, faulty.stderr
    assert sorted(o["AmazonOrderId"] for o in faulty.orders()) == sorted(o["AmazonOrderId"] for o in clean.orders())
    codes = [r.get("status") for r in sandbox.requests]
    assert 500 in codes and 503 in codes


def _killed_run(sandbox, tmp_path, child_env, cfg) -> tuple:
    """A run SIGKILLed while its second page hangs, after the first page was stored: (snapshot file, state)."""
    snap = tmp_path / "snap.json"
    cfg_path = tmp_path / "cfg.json"
    cfg_path.write_text(json.dumps(cfg))
    sandbox.inject_fault("slow", count=1, operation="ListOrdersByNextToken", delay=6)
    proc = subprocess.Popen(
        [str(AMAZON_MWS_BIN), "run", "getNewAndUpdatedOrders", "--config", str(cfg_path), "--snapshot", str(snap)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = json.loads(snap.read_text()) if snap.exists() else {}
        if state.get("run", {}).get("pages", 0) >= 1:
            break
        time.sleep(0.05)
    time.sleep(0.5)  # now waiting on the slow second page
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_state = json.loads(snap.read_text())
    assert killed_state["run"]["complete"] is False and killed_state["run"]["pages"] >= 1
    return snap, killed_state


def test_a_run_killed_between_pages_resumes_where_it_stopped(sandbox, run_cli, tmp_path, child_env):
    cfg = trigger_cfg(sandbox, maxResultsPerPage=25)
    snap, _ = _killed_run(sandbox, tmp_path, child_env, cfg)
    before = len([r for r in sandbox.requests if r["action"] == "ListOrders"])
    resumed = run_cli("getNewAndUpdatedOrders", cfg, snapshot=snap)
    assert resumed.returncode == 0, resumed.stderr
    assert len([r for r in sandbox.requests if r["action"] == "ListOrders"]) == before, "resume restarted the window"
    ids = [o["AmazonOrderId"] for o in resumed.orders()]
    assert len(ids) == len(set(ids))
    assert set(ids) == visible_ids(sandbox.orders, "1970-01-01T00:00:00Z", json.loads(snap.read_text())["cursor"])


def test_pages_a_killed_run_stored_are_checked_against_the_out_schema_when_the_resumed_run_emits(
        sandbox, run_cli, tmp_path, child_env):
    """Orders are checked as they are gathered, and a resumed run's emit checks the pages it did not gather
    itself: here a stored order spoilt while no process ran is refused, naming it, and the cursor stays."""
    import sqlite3

    cfg = trigger_cfg(sandbox, maxResultsPerPage=25)
    snap, killed = _killed_run(sandbox, tmp_path, child_env, cfg)
    with sqlite3.connect(child_env["AMAZON_MWS_STATE_PATH"]) as conn:
        row_id, value = conn.execute("SELECT id, value FROM items ORDER BY id LIMIT 1").fetchone()
        orders = json.loads(value)  # a page is one row: the JSON array of its orders
        orders[3]["AmazonOrderId"] = "not-an-order-id"
        conn.execute("UPDATE items SET value = ? WHERE id = ?", (json.dumps(orders), row_id))
    resumed = run_cli("getNewAndUpdatedOrders", cfg, snapshot=snap)
    [error] = [e["error"] for e in resumed.errors()]
    assert error["type"] == "ValidationError"
    assert error["message"].startswith("body.orders[3].AmazonOrderId: 'not-an-order-id' does not match")
    assert resumed.orders() == []
    assert "cursor" not in json.loads(snap.read_text()), "the cursor moved past orders never emitted"


def _cycling_run(sandbox, run_cli, tmp_path, env=None):
    """A run whose 250 orders come in 5 pages of 50, the last handing back the first NextToken (A -> B -> C
    -> D -> A), from a cursor of 2020: what the trigger says and leaves behind."""
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps({"cursor": "2020-01-01T00:00:00Z"}))
    sandbox.inject_fault("cycle", operation="ListOrders")
    run = run_cli("getNewAndUpdatedOrders", trigger_cfg(sandbox, maxResultsPerPage=50, emitBehaviour="page"),
                  snapshot=snap, env=env or {})
    return run, json.loads(snap.read_text())


def test_a_next_token_cycle_ends_the_run_with_an_error_naming_the_loop_and_the_cursor_stays(
    sandbox, run_cli, tmp_path
):
    run, state = _cycling_run(sandbox, run_cli, tmp_path)
    assert run.returncode != 0
    [error] = run.errors()
    assert error["error"]["type"] == "PagingLoop", error
    assert "ListOrders: NextToken repeated after 4 pages" in error["error"]["message"]
    assert state == {"cursor": "2020-01-01T00:00:00Z"}, "the cursor moved or the broken run was kept"
    assert [r["action"] for r in list_orders_requests(sandbox)] == ["ListOrders"] + ["ListOrdersByNextToken"] * 4
    again, _ = _cycling_run(sandbox, run_cli, tmp_path)  # the next poll reads the window afresh
    assert again.errors()[0]["error"]["type"] == "PagingLoop"
    assert [r["action"] for r in list_orders_requests(sandbox)].count("ListOrders") == 2


def test_the_page_limit_ends_a_cycle_it_cannot_see_with_an_error_naming_the_limit(sandbox, run_cli, tmp_path):
    run, state = _cycling_run(sandbox, run_cli, tmp_path, env={"AMAZON_MWS_MAX_PAGES": "3"})
    [error] = run.errors()
    assert error["error"]["type"] == "TooManyPages", error
    assert "ListOrders: still paging after 3 pages" in error["error"]["message"]
    assert "AMAZON_MWS_MAX_PAGES" in error["error"]["message"]
    assert state == {"cursor": "2020-01-01T00:00:00Z"}
    assert len(list_orders_requests(sandbox)) == 3


def test_the_page_limit_counts_the_pages_read_before_a_resume(sandbox, run_cli, tmp_path, child_env):
    """A cycle the resumed process cannot see (the first process's trail died with it) still ends."""
    cfg = trigger_cfg(sandbox, maxResultsPerPage=25)
    snap, killed = _killed_run(sandbox, tmp_path, child_env, cfg)
    limit = killed["run"]["pages"] + 1
    resumed = run_cli("getNewAndUpdatedOrders", cfg, snapshot=snap, env={"AMAZON_MWS_MAX_PAGES": str(limit)})
    [error] = resumed.errors()
    assert error["error"]["type"] == "TooManyPages"
    assert f"ListOrders: still paging after {limit} pages" in error["error"]["message"]
    assert json.loads(snap.read_text()) == {}, "the run was kept, or a cursor appeared"
    assert [r["action"] for r in list_orders_requests(sandbox)].count("ListOrders") == 1, "the window restarted"


def test_bad_fields_are_refused_before_any_request(sandbox, run_cli):
    sandbox.reset_log()
    run = run_cli("getNewAndUpdatedOrders", trigger_cfg(sandbox, maxResultsPerPage="500"))
    assert run.returncode != 0
    assert "maxResultsPerPage" in run.errors()[0]["error"]["message"]
    bad_status = run_cli("getNewAndUpdatedOrders", trigger_cfg(sandbox, orderStatus="Lost"))
    assert bad_status.returncode != 0 and "orderStatus" in bad_status.errors()[0]["error"]["message"]
    assert sandbox.requests == []


def test_spree_output_format_maps_every_order_with_its_items(sandbox, run_cli, tmp_path):
    amazon = run_cli(
        "getNewAndUpdatedOrders",
        trigger_cfg(sandbox, orderStatus="Shipped", includeOrderItems=True),
        snapshot=tmp_path / "a.json",
    )
    spree = run_cli(
        "getNewAndUpdatedOrders",
        trigger_cfg(sandbox, orderStatus="Shipped", outputFormat="spree"),
        snapshot=tmp_path / "s.json",
    )
    assert spree.returncode == 0, spree.stderr
    by_number = {o["number"]: o for o in spree.orders()}
    assert set(by_number) == {o["AmazonOrderId"] for o in amazon.orders()}
    for order in amazon.orders():
        mapped = by_number[order["AmazonOrderId"]]
        assert [li["sku"] for li in mapped["line_items"]] == [i.get("SellerSKU") for i in order["orderItems"]]
        assert mapped["totals"]["order"] == float(order["OrderTotal"]["Amount"])


def test_metadata_follows_the_output_format(sandbox, tmp_path, cli):
    def out_title(fmt: str) -> str:
        cfg = tmp_path / f"{fmt}.json"
        cfg.write_text(json.dumps(trigger_cfg(sandbox, outputFormat=fmt)))
        proc = cli("metadata", "getNewAndUpdatedOrders", "--config", cfg, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)["out"]["title"]

    assert out_title("amazon") == "Orders"
    assert out_title("spree") == "Orders (Spree hub shape)"
