"""The feed outbox through the installed CLI: `run ACTION --message FILE.jsonl` / `-`, one message per line,
gathered into few feeds, and every line answered with its own part of the report (real HTTP, sandbox)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from feed_ctx import TIME_SCALE

from amazon_mws.sandbox.app import Sandbox

AMAZON_MWS = Path(sys.executable).parent / "amazon-mws"


@pytest.fixture
def box():
    with Sandbox(orders=0, time_scale=TIME_SCALE, feed_processing_seconds=20) as sb:
        yield sb


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update({"AMAZON_MWS_TIME_SCALE": str(TIME_SCALE), "RESPONSE_CHECK_DELAY": "50",
                "AMAZON_MWS_STATE_PATH": str(tmp_path / "state.sqlite3"), **extra})
    return env


def _run(tmp_path: Path, step: str, cfg: dict, message: str, *, stdin: str | None = None, **env: str):
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    proc = subprocess.run([str(AMAZON_MWS), "run", step, "--config", str(tmp_path / "cfg.json"), "--message", message],
                          input=stdin, capture_output=True, text=True, timeout=120, env=_env(tmp_path, **env))
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()], proc.stderr


def _stock(n: int, skus: int = 5) -> dict:
    return {"id": f"stock-{n}", "body": {"messages": [{"SKU": f"SKU-{n}-{k}", "Quantity": k} for k in range(skus)]}}


def _ship(order: dict, quantity: int) -> dict:
    item = order["OrderItems"][0]
    return {"messages": [{"amazonOrderID": order["AmazonOrderId"], "fulfillmentDate": "2024-01-02T10:00:00Z",
                          "carrierCode": "UPS", "items": [{"amazonOrderItemCode": item["OrderItemId"],
                                                           "quantity": quantity}]}]}


def test_twenty_messages_in_a_file_go_as_one_feed_and_each_line_gets_its_own_records(box, tmp_path):
    lines = [_stock(n) for n in range(20)]
    lines.insert(7, {"id": "bad", "body": {"messages": [{"SKU": "X", "Quantity": -1}]}})  # refused on its own
    path = tmp_path / "stock.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    code, out, stderr = _run(tmp_path, "updateItem", box.credentials, str(path))
    assert code == 1, stderr  # one line failed
    assert len(out) == len(lines) and [o["line"] for o in out] == list(range(1, len(lines) + 1))
    assert out[7]["event"] == "error" and out[7]["inputId"] == "bad" and "Quantity" in out[7]["error"]["message"]
    data = [o for o in out if o["event"] == "data"]
    assert [o["inputId"] for o in data] == [f"stock-{n}" for n in range(20)]
    assert len(box.feeds) == 1 and len([r for r in box.requests if r["action"] == "SubmitFeed"]) == 1
    [feed] = box.feeds.values()
    assert feed["body"].count(b"<Message>") == 100  # 20 messages x 5 records, in one feed
    assert {o["body"]["feedSubmissionId"] for o in data} == set(box.feeds)
    for o in data:
        report = o["body"]["processingReport"]
        assert report["messagesProcessed"] == 5 and report["messagesWithError"] == 0


def test_a_record_amazon_refuses_is_in_its_own_lines_report_only(tmp_path):
    with Sandbox(orders=0, time_scale=TIME_SCALE, feed_processing_seconds=20) as sb:
        orders = [sb.add_order(OrderStatus="Unshipped", OrderItems=[{"QuantityOrdered": 2}]) for _ in range(3)]
        lines = [{"id": "ok-1", "body": _ship(orders[0], 1)}, {"id": "too-many", "body": _ship(orders[1], 5)},
                 {"id": "ok-2", "body": _ship(orders[2], 2)}]
        stdin = "".join(json.dumps(line) + "\n" for line in lines)
        code, out, stderr = _run(tmp_path, "shipOrder", sb.credentials, "-", stdin=stdin)
        assert code == 0, stderr  # a refused record is data, not an error
        assert len(sb.feeds) == 1 and [o["inputId"] for o in out] == ["ok-1", "too-many", "ok-2"]
        reports = {o["inputId"]: o["body"]["processingReport"] for o in out}
        assert reports["too-many"]["messagesWithError"] == 1
        assert [r["resultMessageCode"] for r in reports["too-many"]["results"]] == [18021]
        assert reports["too-many"]["results"][0]["messageId"] == 1  # numbered as in its own input
        assert reports["ok-1"]["messagesWithError"] == reports["ok-2"]["messagesWithError"] == 0
        assert sb.orders[orders[2]["AmazonOrderId"]]["OrderStatus"] == "Shipped"


def test_a_stream_on_stdin_goes_in_windows_and_each_line_is_answered_as_it_can_be(box, tmp_path):
    (tmp_path / "cfg.json").write_text(json.dumps(box.credentials))
    proc = subprocess.Popen([str(AMAZON_MWS), "run", "updateItem", "--config", str(tmp_path / "cfg.json"),
                             "--message", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=_env(tmp_path, FEED_BATCH_SECONDS="0.5"))
    assert proc.stdin is not None and proc.stdout is not None
    for n in range(3):
        proc.stdin.write(json.dumps(_stock(n)) + "\n")
    proc.stdin.flush()
    first = json.loads(proc.stdout.readline())  # the first window's answer comes before the input ends
    assert first["inputId"] == "stock-0" and first["event"] == "data"
    time.sleep(0.2)
    for n in range(3, 5):
        proc.stdin.write(json.dumps(_stock(n)) + "\n")
    proc.stdin.close()
    rest = [json.loads(line) for line in proc.stdout]
    assert proc.wait(timeout=60) == 0
    assert [o["inputId"] for o in [first, *rest]] == [f"stock-{n}" for n in range(5)]
    assert len(box.feeds) == 2  # two windows, two feeds
    assert len({o["body"]["feedSubmissionId"] for o in [first, *rest]}) == 2


def test_a_rerun_of_the_same_file_continues_its_feeds(box, tmp_path):
    path = tmp_path / "stock.jsonl"
    path.write_text("".join(json.dumps(_stock(n)) + "\n" for n in range(4)))
    code, first, stderr = _run(tmp_path, "updateItem", box.credentials, str(path))
    assert code == 0, stderr
    code, again, stderr = _run(tmp_path, "updateItem", box.credentials, str(path))
    assert code == 0, stderr
    assert [o["body"]["feedSubmissionId"] for o in again] == [o["body"]["feedSubmissionId"] for o in first]
    assert len(box.feeds) == 1 and len([r for r in box.requests if r["action"] == "SubmitFeed"]) == 1


def test_one_message_works_as_ever(box, tmp_path):
    code, out, stderr = _run(tmp_path, "updateItem", box.credentials, "-", stdin=json.dumps(_stock(1)["body"]))
    assert code == 0, stderr
    assert [o["event"] for o in out] == ["data", "end"] and out[0]["body"]["processingReport"]["messagesProcessed"] == 5


def test_a_line_that_is_not_json_is_its_own_error_and_the_others_go_on(box, tmp_path):
    path = tmp_path / "stock.jsonl"
    path.write_bytes(json.dumps(_stock(1)).encode() + b"\n{not json\n" + json.dumps(_stock(2)).encode() + b"\n")
    code, out, stderr = _run(tmp_path, "updateItem", box.credentials, str(path))
    assert code == 1, stderr
    assert [o["event"] for o in out] == ["data", "error", "data"] and out[1]["line"] == 2
    assert "line 2" in out[1]["error"]["message"] and len(box.feeds) == 1
