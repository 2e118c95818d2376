"""Feed actions through the installed CLI: `--sample` builds and validates and sends nothing; a feed's long
wait for Amazon's processing is told on stderr (state and next check), a short one is not.

The sandbox runs in this process (real HTTP over loopback); its feeds are what "Amazon" received.
"""

from __future__ import annotations

import re

import pytest

from amazon_mws.sandbox import Sandbox

pytestmark = pytest.mark.timeout(180)
STOCK = {"messages": [{"SKU": "A-1", "Quantity": 5}, {"SKU": "A-2", "Quantity": 0}]}
FEED_TYPE = "_POST_INVENTORY_AVAILABILITY_DATA_"


@pytest.fixture
def sandbox():
    with Sandbox(orders=3, seed=41, time_scale=0.01, feed_processing_seconds=3) as sb:
        yield sb


def test_sample_on_a_feed_action_builds_and_validates_and_sends_nothing(run_cli, sandbox):
    done = run_cli("updateItem", sandbox.credentials, message=STOCK, sample=True)
    assert done.returncode == 0, done.stderr
    (data,) = done.data()
    body = data["body"]
    assert body["feedType"] == FEED_TYPE and body["status"] == "_NOT_SENT_" and body["sample"] is True
    assert "<SKU>A-1</SKU>" in body["document"] and "<Quantity>0</Quantity>" in body["document"]
    report = body["processingReport"]
    assert (report["messagesProcessed"], report["messagesWithError"], report["results"]) == (2, 0, [])
    assert not sandbox.feeds and sandbox.requests == []  # nothing reached Amazon

    bad = run_cli("updateItem", sandbox.credentials, message={"messages": [{"SKU": "A-1", "Quantity": -1}]},
                  sample=True)
    assert bad.returncode == 1
    assert "messages[0].Quantity: -1 is less than the minimum of 0" in bad.errors()[0]["error"]["message"]
    assert not sandbox.feeds


def test_sample_of_ship_order_by_confirm_shipment_lists_the_calls_and_makes_none(run_cli, sandbox):
    order_id = next(iter(sandbox.orders))
    ship = {"messages": [{"amazonOrderID": order_id, "fulfillmentDate": "2026-11-20T10:00:00Z",
                          "carrierCode": "UPS", "shipperTrackingNumber": "1Z999",
                          "items": [{"amazonOrderItemCode": "12345678901234", "quantity": 1}]}]}
    done = run_cli("shipOrder", {**sandbox.sp_credentials, "shipVia": "confirmShipment"}, message=ship, sample=True)
    assert done.returncode == 0, done.stderr
    (data,) = done.data()
    assert data["body"]["feedType"] == "confirmShipment" and order_id in data["body"]["document"]
    assert sandbox.requests == []


def test_a_long_wait_for_the_processing_report_tells_the_feed_state_and_the_next_check(run_cli, sandbox):
    done = run_cli("updateItem", sandbox.credentials, message=STOCK, env={"RESPONSE_CHECK_DELAY": "2000"})
    assert done.returncode == 0, done.stderr
    (data,) = done.data()
    fid = data["body"]["feedSubmissionId"]
    assert fid in sandbox.feeds and data["body"]["status"] == "_DONE_"
    lines = re.findall(rf"^feed {fid} \({FEED_TYPE}\): (_\w+_), next check at \d\d:\d\d:\d\d$", done.stderr, re.M)
    assert lines and lines[0] == "_SUBMITTED_", done.stderr  # then what Amazon said at each check
    assert "_DONE_" not in lines

    quick = run_cli("updateItem", sandbox.credentials, message=STOCK, env={"RESPONSE_CHECK_DELAY": "500"})
    assert quick.returncode == 0 and "next check at" not in quick.stderr, quick.stderr
