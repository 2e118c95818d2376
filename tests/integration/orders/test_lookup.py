"""Get Order and List Order Items through the installed CLI, over real HTTP to the sandbox."""

from __future__ import annotations

from .test_trigger import sandbox_orders


def test_get_order_batches_fifty_ids_per_request_and_reports_unknown_ids(sandbox, run_cli):
    known = [o["AmazonOrderId"] for o in sandbox_orders(sandbox)][:118]
    unknown = ["999-0000000-0000001", "999-0000000-0000002"]
    ids = [*known[:60], unknown[0], *known[60:], unknown[1]]
    sandbox.reset_log()
    run = run_cli("getOrder", dict(sandbox.credentials), message={"amazonOrderIds": ids})
    assert run.returncode == 0, run.stderr
    calls = [r for r in sandbox.requests if r["action"] == "GetOrder"]
    assert len(calls) == 3
    assert all(len([k for k in r["params"] if k.startswith("AmazonOrderId.Id.")]) <= 50 for r in calls)
    body = run.data()[0]["body"]
    assert [o["AmazonOrderId"] for o in body["orders"]] == known
    assert body["notFound"] == unknown


def test_get_order_refuses_a_malformed_id_before_any_request(sandbox, run_cli):
    sandbox.reset_log()
    run = run_cli("getOrder", dict(sandbox.credentials), message={"amazonOrderIds": ["111-1111111-1111111", "12"]})
    assert run.returncode != 0
    message = run.errors()[0]["error"]["message"]
    assert "amazonOrderIds[1]" in message and "does not match" in message
    assert sandbox.requests == []


def test_list_order_items_follows_every_page(sandbox, run_cli):
    order = max(sandbox_orders(sandbox), key=lambda o: len(o["OrderItems"]))
    expected = order["OrderItems"]
    assert len(expected) > 2  # items_page_size=2: at least two pages
    sandbox.reset_log()
    run = run_cli("listOrderItems", dict(sandbox.credentials), message={"amazonOrderId": order["AmazonOrderId"]})
    assert run.returncode == 0, run.stderr
    body = run.data()[0]["body"]
    assert body["amazonOrderId"] == order["AmazonOrderId"]
    assert [i["OrderItemId"] for i in body["orderItems"]] == [i["OrderItemId"] for i in expected]
    assert all(isinstance(i["QuantityOrdered"], int) for i in body["orderItems"])
    assert len([r for r in sandbox.requests if r["action"] == "ListOrderItemsByNextToken"]) >= 1
