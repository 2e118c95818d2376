"""Feed actions through the installed CLI: manifest, schemas, runtime and sandbox together, over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from feed_ctx import TIME_SCALE
from feed_samples import VALID, XSD_DIR

from amazon_mws.sandbox.app import Sandbox

AMAZON_MWS = Path(sys.executable).parent / "amazon-mws"


@pytest.fixture
def sandbox():
    with Sandbox(orders=20, seed=5, time_scale=TIME_SCALE, feed_processing_seconds=0.5) as sb:
        yield sb


def run(tmp_path: Path, step: str, cfg: dict, body: dict, **env: str) -> tuple[int, list[dict], str]:
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    (tmp_path / "msg.json").write_text(json.dumps(body))
    environ = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "AMAZON_XSD_DIR")}
    environ.update(
        {
            "AMAZON_MWS_TIME_SCALE": str(TIME_SCALE),
            "RESPONSE_CHECK_DELAY": "100",
            "AMAZON_MWS_STATE_PATH": str(tmp_path / "state.sqlite3"),
            **env,
        }
    )
    proc = subprocess.run(
        [str(AMAZON_MWS), "run", step, "--config", str(tmp_path / "cfg.json"), "--message", str(tmp_path / "msg.json")],
        capture_output=True,
        text=True,
        timeout=120,
        env=environ,
    )
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()], proc.stderr


@pytest.mark.parametrize("step", sorted(VALID))
def test_every_feed_action_runs_from_the_cli_to_a_processing_report(step, sandbox, tmp_path):
    code, events, stderr = run(tmp_path, step, sandbox.credentials, VALID[step], AMAZON_XSD_DIR=str(XSD_DIR))
    assert code == 0, stderr
    (data,) = [e for e in events if e["event"] == "data"]
    body = data["body"]
    assert body["status"] == "_DONE_"
    assert body["feedSubmissionId"] in sandbox.feeds
    report = body["processingReport"]
    assert report["messagesProcessed"] == len(VALID[step].get("messages", [1]))
    assert report["messagesWithError"] == 0, report["results"]


def test_ship_order_changes_the_order_at_amazon(sandbox, tmp_path):
    order = next(o for o in sandbox.orders.values() if o["OrderStatus"] == "Unshipped")
    items = [{"amazonOrderItemCode": i["OrderItemId"], "quantity": i["QuantityOrdered"]} for i in order["OrderItems"]]
    body = {
        "messages": [
            {
                "amazonOrderID": order["AmazonOrderId"],
                "fulfillmentDate": "2026-11-20T10:00:00Z",
                "carrierCode": "UPS",
                "shipperTrackingNumber": "1Z999",
                "items": items,
            }
        ]
    }
    code, events, stderr = run(tmp_path, "shipOrder", sandbox.credentials, body)
    assert code == 0, stderr
    assert [e for e in events if e["event"] == "data"][0]["body"]["processingReport"]["messagesSuccessful"] == 1
    assert sandbox.orders[order["AmazonOrderId"]]["OrderStatus"] == "Shipped"


def test_one_bad_message_refuses_the_whole_input_and_sends_nothing(sandbox, tmp_path):
    body = {
        "messages": [
            dict(VALID["updateOrder"]["messages"][0]),
            {**VALID["updateOrder"]["messages"][0], "statusCode": "Shipped"},
        ]
    }
    sandbox.reset_log()
    code, events, _ = run(tmp_path, "updateOrder", sandbox.credentials, body)
    assert code == 1
    (error,) = [e for e in events if e["event"] == "error"]
    assert "messages[1].statusCode" in error["error"]["message"]
    assert "'Shipped' is not one of" in error["error"]["message"]
    assert sandbox.requests == [] and sandbox.feeds == {}
