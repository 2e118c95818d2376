"""The orders trigger, Get Order and List Order Items on the SP-API backend's Orders v0 (`ordersApi` v0), through
the installed CLI, over real HTTP to the sandbox: the same assertions as on MWS, plus what only SP-API has
(tokens, RDT, 429). test_spapi_orders_v2026_cli.py runs the default, Orders v2026-01-01."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from amazon_mws.core.times import parse_time

from . import spapi_support
from .spapi_support import kill_after_first_page, sp_requests, visible_ids

TRIGGER = "getNewAndUpdatedOrders"


def sp_cfg(sb, **fields) -> dict:
    return spapi_support.sp_cfg(sb, ordersApi="v0", **fields)


def trigger_cfg(sb, backend: str = "sp-api", **fields) -> dict:
    return spapi_support.trigger_cfg(sb, backend, **({"ordersApi": "v0"} if backend == "sp-api" else {}), **fields)


def test_first_window_is_exact_every_page_followed_and_cursor_is_amazons_bound(sandbox, run_cli, tmp_path):
    fresh = sandbox.add_order(OrderStatus="Unshipped")  # inside the last two minutes: not yet visible
    snap = tmp_path / "snap.json"
    run = run_cli(TRIGGER, trigger_cfg(sandbox, maxResultsPerPage="50"), snapshot=snap)
    assert run.returncode == 0, run.stderr
    ids = [o["AmazonOrderId"] for o in run.orders()]
    assert len(run.data()) == 1 and len(ids) == len(set(ids))
    state = json.loads(snap.read_text())
    assert set(state) == {"cursor"}
    assert set(ids) == visible_ids(sandbox.orders, "1970-01-01T00:00:00Z", state["cursor"])
    assert fresh["AmazonOrderId"] not in ids
    assert abs(parse_time(state["cursor"], "c") - (sandbox.now() - timedelta(minutes=2))) < timedelta(seconds=30)
    pages = sp_requests(sandbox, "getOrders")
    assert len(pages) >= 5 and all(r["status"] == 200 for r in pages)
    assert all(set(r["params"]) == {"MarketplaceIds", "NextToken"} for r in pages[1:]), "NextToken pages send only that"
    assert len(sp_requests(sandbox, "lwaToken")) == 1, "one token exchange for the whole run"


def test_the_same_orders_come_out_as_on_mws(small_sandbox, run_cli, tmp_path):
    """Buyer, address and item data included: an RDT is asked for, and the JSON equals the MWS backend's."""
    sandbox = small_sandbox
    mws = run_cli(TRIGGER, trigger_cfg(sandbox, "mws", includeOrderItems=True), snapshot=tmp_path / "m.json")
    sp = run_cli(TRIGGER, trigger_cfg(sandbox, includeOrderItems=True), snapshot=tmp_path / "s.json")
    assert mws.returncode == 0 and sp.returncode == 0, (mws.stderr, sp.stderr)
    by_id = {o["AmazonOrderId"]: o for o in mws.orders()}
    assert len(by_id) > 25
    assert {o["AmazonOrderId"]: o for o in sp.orders()} == by_id
    shipped = next(o for o in sp.orders() if o["OrderStatus"] == "Shipped")
    assert shipped["BuyerEmail"] and shipped["ShippingAddress"]["AddressLine1"]
    assert isinstance(shipped["orderItems"][0]["IsGift"], bool)
    rdt = sp_requests(sandbox, "createRestrictedDataToken")
    assert rdt and all(r["status"] == 200 for r in rdt)


def test_without_restricted_data_buyer_and_street_are_absent(sandbox, run_cli, tmp_path):
    run = run_cli(TRIGGER, trigger_cfg(sandbox, withoutRestrictedData=True))
    assert run.returncode == 0, run.stderr
    shipped = [o for o in run.orders() if o["OrderStatus"] == "Shipped"]
    assert shipped and all("BuyerEmail" not in o and "Name" not in o.get("ShippingAddress", {}) for o in shipped)
    assert all(o["ShippingAddress"]["PostalCode"] for o in shipped)
    assert sp_requests(sandbox, "createRestrictedDataToken") == []


def test_second_run_returns_exactly_what_changed_including_the_two_minute_window(sandbox, run_cli, tmp_path):
    snap = tmp_path / "snap.json"
    cfg = trigger_cfg(sandbox)
    first = run_cli(TRIGGER, cfg, snapshot=snap)
    assert first.returncode == 0, first.stderr
    late = sandbox.add_order(OrderStatus="Pending")
    some = [o["AmazonOrderId"] for o in first.orders()[:3]]
    for order_id in some:
        sandbox.update_order(order_id, OrderStatus="Canceled")
    sandbox.advance_clock(180)
    second = run_cli(TRIGGER, cfg, snapshot=snap)
    assert second.returncode == 0, second.stderr
    assert sorted(o["AmazonOrderId"] for o in second.orders()) == sorted([*some, late["AmazonOrderId"]])


def test_only_the_chosen_status_is_asked_for_sp_api_v0_has_no_pairing_rule(sandbox, run_cli):
    run = run_cli(TRIGGER, trigger_cfg(sandbox, orderStatus="Unshipped"))
    assert run.returncode == 0, run.stderr
    first = sp_requests(sandbox, "getOrders")[0]
    assert first["params"]["OrderStatuses"] == "Unshipped"  # MWS would need PartiallyShipped too
    expected = {o["AmazonOrderId"] for o in sandbox.orders.values() if o["OrderStatus"] == "Unshipped"}
    assert {o["AmazonOrderId"] for o in run.orders()} == expected and expected


def test_sample_makes_exactly_one_orders_request_and_throttling_is_an_error_at_once(sandbox, run_cli, tmp_path):
    snap = tmp_path / "snap.json"
    snap.write_text("{}")
    run = run_cli(TRIGGER, trigger_cfg(sandbox, maxResultsPerPage=10), snapshot=snap, sample=True)
    assert run.returncode == 0, run.stderr
    assert len(sp_requests(sandbox, "getOrders")) == 1 and 0 < len(run.orders()) <= 10
    assert json.loads(snap.read_text()) == {}
    sandbox.reset_log()
    sandbox.inject_fault("throttle", count=5, operation="getOrders")
    started = time.monotonic()
    run = run_cli(TRIGGER, trigger_cfg(sandbox), sample=True)
    assert run.returncode != 0 and "QuotaExceeded" in run.errors()[0]["error"]["message"]
    assert len(sp_requests(sandbox, "getOrders")) == 1 and time.monotonic() - started < 30


def test_429_is_waited_out_and_the_run_completes(small_sandbox, run_cli):
    sandbox = small_sandbox
    sandbox.inject_fault("throttle", count=2, operation="getOrders")
    sandbox.inject_fault("500", count=1, operation="getOrderItems")
    run = run_cli(TRIGGER, trigger_cfg(sandbox, maxResultsPerPage=100, includeOrderItems=True))
    assert run.returncode == 0, run.stderr
    statuses = [r["status"] for r in sp_requests(sandbox, "getOrders")]
    assert statuses[:3] == [429, 429, 200]
    assert 500 in [r["status"] for r in sp_requests(sandbox, "getOrderItems")]
    assert len(run.orders()) == len(visible_ids(sandbox.orders, "1970-01-01T00:00:00Z", "2999-01-01T00:00:00Z"))


def test_an_expired_token_is_refreshed_once_and_the_call_goes_through(sandbox, run_cli, tmp_path):
    sandbox.sp.auth.token_seconds = 3600
    order = next(iter(list(sandbox.orders.values())))
    with_redis = {"REDIS_URL": "redis://127.0.0.1:6379/14"}
    first = run_cli("getOrder", sp_cfg(sandbox), message={"amazonOrderIds": [order["AmazonOrderId"]]}, env=with_redis)
    assert first.returncode == 0, first.stderr
    # a second process reuses the token cached in Redis: no second exchange
    again = run_cli("getOrder", sp_cfg(sandbox), message={"amazonOrderIds": [order["AmazonOrderId"]]}, env=with_redis)
    assert again.returncode == 0 and len(sp_requests(sandbox, "lwaToken")) == 1
    sandbox.sp.auth.expire_all()  # Amazon now refuses the cached access token and RDT
    sandbox.reset_log()
    third = run_cli("getOrder", sp_cfg(sandbox), message={"amazonOrderIds": [order["AmazonOrderId"]]}, env=with_redis)
    assert third.returncode == 0, third.stderr
    assert [o["AmazonOrderId"] for o in third.data()[0]["body"]["orders"]] == [order["AmazonOrderId"]]
    log = [(r["action"], r["status"]) for r in sandbox.requests]
    assert ("getOrder", 403) in log and log[-1] == ("getOrder", 200)
    assert len(sp_requests(sandbox, "lwaToken")) == 1, "refreshed once"


def test_get_order_keeps_input_order_and_reports_unknown_ids(sandbox, run_cli):
    known = [o["AmazonOrderId"] for o in list(sandbox.orders.values())][:12]
    unknown = ["999-0000000-0000001"]
    run = run_cli("getOrder", sp_cfg(sandbox), message={"amazonOrderIds": [*known[:5], *unknown, *known[5:]]})
    assert run.returncode == 0, run.stderr
    body = run.data()[0]["body"]
    assert [o["AmazonOrderId"] for o in body["orders"]] == known and body["notFound"] == unknown
    assert len(sp_requests(sandbox, "getOrder")) == 13


def test_list_order_items_follows_every_page(sandbox, run_cli):
    order = max(list(sandbox.orders.values()), key=lambda o: len(o["OrderItems"]))
    assert len(order["OrderItems"]) > 2  # items_page_size=2
    run = run_cli("listOrderItems", sp_cfg(sandbox), message={"amazonOrderId": order["AmazonOrderId"]})
    assert run.returncode == 0, run.stderr
    body = run.data()[0]["body"]
    assert [i["OrderItemId"] for i in body["orderItems"]] == [i["OrderItemId"] for i in order["OrderItems"]]
    assert all(isinstance(i["QuantityOrdered"], int) for i in body["orderItems"])
    pages = sp_requests(sandbox, "getOrderItems")
    assert len(pages) == (len(order["OrderItems"]) + 1) // 2 and "NextToken" in pages[1]["params"]


@pytest.mark.parametrize("change, field", [
    ({"refreshToken": "Atzr|wrong"}, "refreshToken"),
    ({"lwaClientSecret": "wrong-secret"}, "lwaClientId"),
])
def test_wrong_credentials_fail_naming_the_field_and_reach_no_api(sandbox, run_cli, change, field):
    run = run_cli("getOrder", sp_cfg(sandbox, **change), message={"amazonOrderIds": ["111-1111111-1111111"]})
    assert run.returncode != 0
    message = run.errors()[0]["error"]["message"]
    assert message.startswith(field) or f"{field}:" in message
    assert "wrong" not in message.replace("wrong credentials", ""), "a secret leaked into the error"
    assert sp_requests(sandbox, "getOrder") == []


def test_bad_input_is_refused_with_nothing_sent(sandbox, run_cli):
    run = run_cli("getOrder", sp_cfg(sandbox), message={"amazonOrderIds": ["111-1111111-1111111", "12"]})
    assert run.returncode != 0 and "amazonOrderIds[1]" in run.errors()[0]["error"]["message"]
    bad_backend = run_cli("getOrder", sp_cfg(sandbox, backend="soap"),
                          message={"amazonOrderIds": ["111-1111111-1111111"]})
    assert bad_backend.returncode != 0 and "backend" in bad_backend.errors()[0]["error"]["message"]
    missing = run_cli(TRIGGER, trigger_cfg(sandbox, refreshToken=""))
    assert missing.returncode != 0 and "refreshToken" in missing.errors()[0]["error"]["message"]
    assert sandbox.requests == []


def test_verify_names_the_wrong_credential(sandbox, tmp_path, cli, cli_env):
    def verify(cfg: dict):
        path = tmp_path / "cfg.json"
        path.write_text(json.dumps(cfg))
        return cli("verify", "--config", path, env=cli_env, timeout=60)

    assert verify(sp_cfg(sandbox)).returncode == 0
    for change, field in (({"refreshToken": "Atzr|nope"}, "refreshToken"), ({"lwaClientId": "x"}, "lwaClientId"),
                          ({"marketplaceId": "A1PA6795UKMFR9"}, "marketplaceId")):
        result = verify(sp_cfg(sandbox, **change))
        assert result.returncode != 0
        assert field in (result.stdout + result.stderr), (change, result.stdout, result.stderr)
        assert sandbox.sp_credentials["lwaClientSecret"] not in result.stdout + result.stderr



def test_a_throttled_verify_says_when_to_try_again(sandbox, tmp_path, cli):
    sandbox.inject_fault("throttle", count=1, operation="getMarketplaceParticipations")
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(sp_cfg(sandbox)))
    result = cli("verify", "--config", path, env={"AMAZON_MWS_TIME_SCALE": "1"}, timeout=60)
    out = json.loads(result.stdout)
    assert result.returncode == 1 and out["error"]["type"] == "Throttled"
    # getMarketplaceParticipations' usage plan: 0.016 requests a second, one every 62.5 s
    assert "throttled by Amazon: try again in 63 s" in out["error"]["message"]

def test_a_run_killed_between_pages_resumes_at_amazons_next_token(sandbox, run_cli, cli_env, tmp_path):
    """The NextToken kept in the snapshot is SP-API's: a new process continues the window with it."""
    snap = tmp_path / "snap.json"
    cfg = trigger_cfg(sandbox, maxResultsPerPage=25)
    sandbox.inject_fault("slow", count=1, operation="getOrders", delay=0)  # the first page: on time
    sandbox.inject_fault("slow", count=1, operation="getOrders", delay=6)  # the second: hangs until killed
    killed = kill_after_first_page(TRIGGER, cfg, snap, cli_env, tmp_path)
    assert killed["complete"] is False and killed["pages"] == 1 and killed["nextToken"]
    resumed = run_cli(TRIGGER, cfg, snapshot=snap)
    assert resumed.returncode == 0, resumed.stderr
    first_pages = [r for r in sp_requests(sandbox, "getOrders") if "NextToken" not in r["params"]]
    assert len(first_pages) == 1, "the resumed run did not restart the window"
    ids = [o["AmazonOrderId"] for o in resumed.orders()]
    assert len(ids) == len(set(ids))
    assert set(ids) == visible_ids(sandbox.orders, "1970-01-01T00:00:00Z", json.loads(snap.read_text())["cursor"])
