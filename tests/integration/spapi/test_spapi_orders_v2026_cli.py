"""The orders trigger, Get Order and List Order Items on SP-API's default Orders API v2026-01-01, through the
installed CLI over real HTTP to the sandbox: exact windows with Amazon's bound, items without per-order calls,
the v2026 output format, the new fields, PII by role, expired page tokens, and v0's removal date."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from amazon_mws.core.times import parse_time
from amazon_mws.sandbox import Sandbox
from amazon_mws.spapi import amazon_clock, orders
from amazon_mws.spapi.connection import SpConnection
from amazon_mws.spapi.credentials import SpCredentials
from amazon_mws.spapi.orders_v2026 import SpOrdersV2026Api
from testsupport import AMAZON_MWS_BIN

from .spapi_support import (
    TIME_SCALE,
    kill_after_first_page,
    load_model,
    model_validator,
    sp_cfg,
    sp_requests,
    trigger_cfg,
    visible_ids,
)

TRIGGER = "getNewAndUpdatedOrders"
SEARCH, GET = "searchOrders", "getOrder@2026-01-01"


def test_a_window_is_exact_items_come_inside_and_the_cursor_is_amazons_bound(small_sandbox, run_cli, tmp_path):
    sandbox = small_sandbox
    fresh = sandbox.add_order(OrderStatus="Unshipped")  # inside the last two minutes: not yet visible
    snap = tmp_path / "snap.json"
    run = run_cli(TRIGGER, trigger_cfg(sandbox, maxResultsPerPage="15", includeOrderItems=True), snapshot=snap)
    assert run.returncode == 0, run.stderr
    cursor = json.loads(snap.read_text())["cursor"]
    ids = [o["AmazonOrderId"] for o in run.orders()]
    assert len(ids) == len(set(ids)) and fresh["AmazonOrderId"] not in ids
    assert set(ids) == visible_ids(sandbox.orders, "1970-01-01T00:00:00Z", cursor)
    calls = sp_requests(sandbox, SEARCH, GET, "getOrders", "getOrderItems")
    assert {c["action"] for c in calls} == {SEARCH} and len(calls) == -(-len(ids) // 15)  # no per-order call
    # a fresh process has not heard Amazon's time: its first window's bound is the one Amazon states
    assert "lastUpdatedBefore" not in calls[0]["params"]
    bound = parse_time(cursor, "cursor")
    assert sandbox.now() - timedelta(minutes=3) < bound <= sandbox.now() - timedelta(minutes=2)
    for order in run.orders():
        stored = sandbox.orders[order["AmazonOrderId"]]["OrderItems"]
        assert [i["OrderItemId"] for i in order["orderItems"]] == [i["OrderItemId"] for i in stored]
        assert [i["QuantityOrdered"] for i in order["orderItems"]] == [i["QuantityOrdered"] for i in stored]


def test_the_same_orders_come_out_as_on_mws_for_every_field_v2026_has(small_sandbox, run_cli, tmp_path):
    sandbox = small_sandbox
    statuses = ["Unshipped", "PartiallyShipped", "Shipped", "Canceled"]
    mws = run_cli(TRIGGER, trigger_cfg(sandbox, "mws", orderStatus=statuses), snapshot=tmp_path / "m.json")
    v2026 = run_cli(TRIGGER, trigger_cfg(sandbox, orderStatus=statuses), snapshot=tmp_path / "s.json")
    assert mws.returncode == 0 and v2026.returncode == 0, v2026.stderr
    no_source = {"ShipServiceLevel", "PaymentMethodDetails", "OrderType", "IsGlobalExpressEnabled",
                 "IsReplacementOrder"}  # docs/sp-api.md: v2026 has no source for these
    by_id = {o["AmazonOrderId"]: o for o in v2026.orders()}
    unconfirmed = {i for i, o in sandbox.orders.items() if o["OrderStatus"] == "InvoiceUnconfirmed"}
    assert set(by_id) == {o["AmazonOrderId"] for o in mws.orders()} | unconfirmed  # SHIPPED on v2026
    assert unconfirmed and all(by_id[i]["OrderStatus"] == "Shipped" for i in unconfirmed)
    for order in mws.orders():
        expected = {k: v for k, v in order.items() if k not in no_source}
        assert {k: v for k, v in by_id[order["AmazonOrderId"]].items() if k in expected} == expected


def test_output_format_v2026_emits_amazons_own_orders(small_sandbox, run_cli):
    sandbox = small_sandbox
    run = run_cli(TRIGGER, trigger_cfg(sandbox, outputFormat="v2026", orderStatus=["Shipped", "Unshipped"]))
    assert run.returncode == 0, run.stderr
    validator = model_validator(load_model("orders-api-model/orders_2026-01-01.json"), "Order")
    natives = run.orders()
    wanted = ("Shipped", "InvoiceUnconfirmed", "Unshipped")  # v2026's SHIPPED covers InvoiceUnconfirmed
    expected = {o["AmazonOrderId"] for o in sandbox.orders.values() if o["OrderStatus"] in wanted}
    assert {o["orderId"] for o in natives} == expected
    for order in natives:
        assert [e.message for e in validator.iter_errors(order)] == []
        assert order["orderItems"] and order["proceeds"]["breakdowns"] and "programs" in order
    assert {c["action"] for c in sp_requests(sandbox, SEARCH, GET, "getOrderItems")} == {SEARCH}
    mws = run_cli(TRIGGER, trigger_cfg(sandbox, "mws", outputFormat="v2026"))
    assert mws.returncode != 0 and "cfg.outputFormat" in mws.errors()[0]["error"]["message"]


def test_fulfilled_by_and_marketplaces_filter_and_cross_region_is_refused_before_any_request(small_sandbox, run_cli):
    sandbox = small_sandbox
    run = run_cli(TRIGGER, trigger_cfg(sandbox, fulfilledBy=["Amazon"], marketplaceIds=["ATVPDKIKX0DER",
                                                                                        "A2EUQ1WTGCTBG2"]))
    assert run.returncode == 0, run.stderr
    sent = sp_requests(sandbox, SEARCH)[0]["params"]
    assert sent["fulfilledBy"] == "AMAZON" and sent["marketplaceIds"] == "ATVPDKIKX0DER,A2EUQ1WTGCTBG2"
    expected = {o["AmazonOrderId"] for o in sandbox.orders.values() if o["FulfillmentChannel"] == "AFN"}
    assert {o["AmazonOrderId"] for o in run.orders()} == expected and expected
    sandbox.reset_log()
    bad = run_cli(TRIGGER, trigger_cfg(sandbox, marketplaceIds=["ATVPDKIKX0DER", "A1PA6795UKMFR9"]))
    assert bad.returncode != 0 and "cfg.marketplaceIds" in bad.errors()[0]["error"]["message"]
    assert sp_requests(sandbox, SEARCH) == []
    mws = run_cli(TRIGGER, trigger_cfg(sandbox, "mws", fulfilledBy="Merchant"))  # MWS: FulfillmentChannel
    assert mws.returncode == 0 and {o["FulfillmentChannel"] for o in mws.orders()} == {"MFN"}


def test_without_restricted_data_buyer_and_recipient_are_not_asked_for(small_sandbox, run_cli):
    sandbox = small_sandbox
    sandbox.sp.orders_v2026.pii_roles = False  # an app without the PII roles: BUYER or RECIPIENT would be 403
    run = run_cli(TRIGGER, trigger_cfg(sandbox, withoutRestrictedData=True))
    assert run.returncode == 0, run.stderr
    included = sp_requests(sandbox, SEARCH)[0]["params"]["includedData"].split(",")
    assert "BUYER" not in included and "RECIPIENT" not in included and "PROCEEDS" in included
    assert run.orders() and not any("BuyerEmail" in o or "ShippingAddress" in o for o in run.orders())
    assert sp_requests(sandbox, "createRestrictedDataToken") == []  # v2026 has no RDT


def test_get_order_and_list_order_items_on_v2026(small_sandbox, run_cli):
    sandbox = small_sandbox
    known = sorted(sandbox.orders)[:3]
    got = run_cli("getOrder", sp_cfg(sandbox), message={"body": {"amazonOrderIds": [known[2], "999-0000000-0000000",
                                                                                   known[0]]}})
    assert got.returncode == 0, got.stderr
    body = got.data()[0]["body"]
    assert [o["AmazonOrderId"] for o in body["orders"]] == [known[2], known[0]]
    assert body["notFound"] == ["999-0000000-0000000"]
    sandbox.reset_log()
    items = run_cli("listOrderItems", sp_cfg(sandbox), message={"body": {"amazonOrderId": known[1]}})
    assert items.returncode == 0, items.stderr
    assert [i["OrderItemId"] for i in items.data()[0]["body"]["orderItems"]] == [
        i["OrderItemId"] for i in sandbox.orders[known[1]]["OrderItems"]]
    assert [c["action"] for c in sp_requests(sandbox, SEARCH, GET, "getOrderItems")] == [GET]  # one call, no pages


def test_a_page_token_older_than_24_hours_restarts_the_window_from_its_lower_bound(sandbox, run_cli, cli_env,
                                                                                   tmp_path):
    snap = tmp_path / "snap.json"
    cfg = trigger_cfg(sandbox, maxResultsPerPage=25)
    sandbox.inject_fault("slow", count=1, operation=SEARCH, delay=0)  # the first page: on time
    sandbox.inject_fault("slow", count=1, operation=SEARCH, delay=6)  # the second: hangs until killed
    killed = kill_after_first_page(TRIGGER, cfg, snap, cli_env, tmp_path)
    assert killed["complete"] is False and killed["pages"] == 1 and killed["nextToken"]
    sandbox.advance_clock(25 * 3600)  # the worker stayed down for a day: Amazon's token is dead
    sandbox.reset_log()
    resumed = run_cli(TRIGGER, cfg, snapshot=snap)
    assert resumed.returncode == 0, resumed.stderr
    calls = sp_requests(sandbox, SEARCH)
    assert calls[0]["status"] == 400 and "paginationToken" in calls[0]["params"]  # Amazon refused the old token
    restart = calls[1]["params"]
    assert "paginationToken" not in restart and restart["lastUpdatedAfter"] == killed["after"]
    assert restart["lastUpdatedBefore"] == killed["before"]  # the same window: nothing lost, nothing new
    ids = [o["AmazonOrderId"] for o in resumed.orders()]
    assert len(ids) == len(set(ids)) == len(visible_ids(sandbox.orders, killed["after"], killed["before"]))
    assert json.loads(snap.read_text())["cursor"] == killed["before"]


def test_an_expired_token_is_caught_before_a_request_once_amazons_clock_is_known(sandbox):
    conn = SpConnection(SpCredentials.from_config(sandbox.sp_credentials), time_scale=TIME_SCALE)
    api = SpOrdersV2026Api(conn)
    page = api.list_orders(last_updated_after="1970-01-01T00:00:00Z", max_results=10)
    sandbox.advance_clock(25 * 3600)
    api.get_order([page.orders[0]["AmazonOrderId"]])  # any reply tells the client Amazon's time
    sandbox.reset_log()
    from amazon_mws.core.windows import PageTokenExpired

    with pytest.raises(PageTokenExpired, match="24 hours"):
        api.list_orders_by_next_token(page.next_token)
    assert sp_requests(sandbox, SEARCH) == []
    later = api.list_orders(last_updated_after="1970-01-01T00:00:00Z", max_results=10)  # bound from Amazon's clock
    assert parse_time(later.last_updated_before, "b") > datetime.now(timezone.utc) + timedelta(hours=24)
    amazon_clock.forget(conn.base_url)


def test_orders_v0_is_refused_before_any_request_from_the_removal_date(monkeypatch, run_cli):
    with Sandbox(orders=10, seed=2, time_scale=TIME_SCALE, orders_v0_removed=True) as sb:
        against_removed = run_cli(TRIGGER, trigger_cfg(sb, ordersApi="v0"))  # what a v0 client meets then
        assert against_removed.returncode != 0 and "2027-03-27" in against_removed.errors()[0]["error"]["message"]
        assert run_cli(TRIGGER, trigger_cfg(sb)).returncode == 0  # the default, v2026, still works
        monkeypatch.setattr(orders, "utcnow", lambda: datetime(2027, 3, 27, tzinfo=timezone.utc))
        sb.reset_log()
        api = orders.SpOrdersApi(SpConnection(SpCredentials.from_config(sb.sp_credentials), time_scale=TIME_SCALE))
        for call in (lambda: api.list_orders(last_updated_after="2020-01-01T00:00:00Z"),
                     lambda: api.get_order([next(iter(sb.orders))]), lambda: api.list_order_items("1")):
            with pytest.raises(ValueError, match="ordersApi: Amazon removed the Orders API v0 .* on 2027-03-27"):
                call()
        assert sp_requests(sb, "getOrders", "getOrder", "getOrderItems") == []


def test_a_cursor_at_amazons_latest_visible_moment_is_an_empty_window_without_a_request(sandbox):
    conn = SpConnection(SpCredentials.from_config(sandbox.sp_credentials), time_scale=TIME_SCALE)
    api = SpOrdersV2026Api(conn)
    api.list_orders(last_updated_after="1970-01-01T00:00:00Z", max_results=1)  # Amazon's time is known now
    sandbox.reset_log()
    recent = sandbox.now() - timedelta(seconds=30)  # later than any bound Amazon would accept
    page = api.list_orders(last_updated_after=recent)
    assert page.orders == [] and page.next_token is None and parse_time(page.last_updated_before, "b") == recent
    assert sp_requests(sandbox, SEARCH) == []
    amazon_clock.forget(conn.base_url)


def test_the_sandbox_cli_plays_sp_api_after_the_removal_date(run_cli):
    proc = subprocess.Popen([str(AMAZON_MWS_BIN), "sandbox", "--port", "0", "--orders", "12", "--time-scale",
                             str(TIME_SCALE), "--orders-v0-removed"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        proc.stdout.readline()  # the MWS config
        sp = json.loads(proc.stdout.readline())
        fields = {"orderStatus": ["Shipped", "Unshipped"], "startTime": "1970-01-01T00:00:00Z"}
        v0 = run_cli(TRIGGER, {**sp, **fields, "ordersApi": "v0"})
        assert v0.returncode != 0
        message = v0.errors()[0]["error"]["message"]
        assert "2027-03-27" in message and "getOrders" in message  # Amazon's 403, naming the date
        assert run_cli(TRIGGER, {**sp, **fields}).returncode == 0  # Orders v2026-01-01 still answers
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    assert proc.returncode == 0


def test_a_sample_makes_exactly_one_search_and_changes_no_state(sandbox, run_cli, tmp_path):
    snap = tmp_path / "snap.json"
    snap.write_text("{}")
    run = run_cli(TRIGGER, trigger_cfg(sandbox, maxResultsPerPage=10, includeOrderItems=True), snapshot=snap,
                  sample=True)
    assert run.returncode == 0, run.stderr
    assert len(sp_requests(sandbox, SEARCH)) == 1 and 0 < len(run.orders()) <= 10
    assert sp_requests(sandbox, GET, "getOrders", "getOrderItems") == [] and json.loads(snap.read_text()) == {}


def test_the_marketplaces_field_offers_the_credentials_region_only(tmp_path):
    cfg = tmp_path / "cfg.json"
    for home, expected in (("ATVPDKIKX0DER", {"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8", "A2Q3Y263D00KWC"}),
                           ("A1VC38T7YXB528", {"A1VC38T7YXB528", "A39IBJ37TRP1C6", "A19VAU5U5O7RUS"})):
        cfg.write_text(json.dumps({"backend": "sp-api", "marketplaceId": home}))
        out = subprocess.run([str(AMAZON_MWS_BIN), "select", TRIGGER, "marketplaceIds", "--config", str(cfg)],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert set(json.loads(out.stdout)) == expected
