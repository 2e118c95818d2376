"""The feed outbox for SP-API's listings actions: JSON-lines runs of updateItem gathered into one
JSON_LISTINGS_FEED at the sandbox (real HTTP over loopback), each line answered with its own records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from amazon_mws.backends import feeds_api
from amazon_mws.feeds.listings import ListingsDocument
from amazon_mws.runtime import batching
from amazon_mws.sandbox import Sandbox
from amazon_mws.steps import feed_outbox

from .spapi_support import TIME_SCALE

AMAZON_MWS = Path(sys.executable).parent / "amazon-mws"


@pytest.fixture
def box():
    with Sandbox(orders=0, time_scale=TIME_SCALE, feed_processing_seconds=20) as sb:
        yield sb


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "AMAZON_LISTINGS_SCHEMA_DIR")}
    env.update({"AMAZON_MWS_TIME_SCALE": str(TIME_SCALE), "RESPONSE_CHECK_DELAY": "40",
                "AMAZON_MWS_STATE_PATH": str(tmp_path / "state.sqlite3")})
    return env


def _run(tmp_path: Path, cfg: dict, lines: list[dict]) -> tuple[int, list[dict], str]:
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    path = tmp_path / "stock.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    proc = subprocess.run([str(AMAZON_MWS), "run", "updateItem", "--config", str(tmp_path / "cfg.json"),
                           "--message", str(path)], capture_output=True, text=True, timeout=120, env=_env(tmp_path))
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()], proc.stderr


def _stock(n: int, skus: int = 3) -> dict:
    return {"id": f"stock-{n}", "body": {"messages": [{"SKU": f"SKU-{n}-{k}", "Quantity": k} for k in range(skus)]}}


def _creates(sb: Sandbox) -> list[dict]:
    return [r for r in sb.requests if r["action"] == "createFeed"]


def test_listings_lines_go_as_one_json_listings_feed_and_each_line_gets_its_own_records(box, tmp_path):
    lines = [_stock(n) for n in range(6)]
    lines.insert(2, {"id": "bad", "body": {"messages": [{"SKU": "X", "Quantity": -1}]}})  # refused on its own
    code, out, stderr = _run(tmp_path, box.sp_credentials, lines)
    assert code == 1, stderr  # one line failed
    assert [o["inputId"] for o in out] == [line["id"] for line in lines]
    assert out[2]["event"] == "error" and "Quantity" in out[2]["error"]["message"]
    data = [o for o in out if o["event"] == "data"]
    assert len(_creates(box)) == 1 and len(box.sp.feeds.feeds) == 1
    [feed] = box.sp.feeds.feeds.values()
    sent = json.loads(feed.document.body)
    assert feed.feed_type == "JSON_LISTINGS_FEED"
    assert [m["messageId"] for m in sent["messages"]] == list(range(1, 19))  # 6 lines x 3, renumbered
    assert sorted(m["sku"] for m in sent["messages"]) == sorted(f"SKU-{n}-{k}" for n in range(6) for k in range(3))
    for o in data:
        body = o["body"]
        assert body["feedSubmissionId"] == feed.id and body["status"] == "_DONE_"
        report = body["processingReport"]
        assert (report["messagesProcessed"], report["messagesSuccessful"], report["messagesWithError"]) == (3, 3, 0)
        assert report["results"] == []
    assert box.sp.feeds.listings["SKU-5-2"]["attributes"]["fulfillment_availability"][0]["quantity"] == 2
    code, again, stderr = _run(tmp_path, box.sp_credentials, lines)  # a rerun: the same feed, not a second
    assert code == 1, stderr
    assert [o["body"]["feedSubmissionId"] for o in again if o["event"] == "data"] == [feed.id] * 6
    assert len(_creates(box)) == 1 and len(box.sp.feeds.feeds) == 1


def test_a_lost_create_feed_reply_still_ends_with_exactly_one_feed(box, tmp_path):
    box.inject_fault("lost", operation="createFeed")
    code, out, stderr = _run(tmp_path, box.sp_credentials, [_stock(n) for n in range(4)])
    assert code == 0, stderr
    assert len(box.sp.feeds.feeds) == 1 and len(_creates(box)) == 1  # found by getFeeds, not sent again
    assert [r for r in box.requests if r["action"] == "getFeeds"]
    assert {o["body"]["feedSubmissionId"] for o in out} == set(box.sp.feeds.feeds)
    assert [o["body"]["processingReport"]["messagesProcessed"] for o in out] == [3] * 4


def _doc(seller: str, *messages: dict) -> ListingsDocument:
    numbered = [{"messageId": n, **m} for n, m in enumerate(messages, start=1)]
    return ListingsDocument({"header": {"sellerId": seller, "version": "2.0"}, "messages": numbered})


def test_a_message_amazon_refuses_is_in_its_own_inputs_report_only(box, tmp_path, monkeypatch):
    """A record only Amazon refuses (a PATCH with no patches: the sandbox's listings schema check) sits
    second in its own input, tenth in the merged feed: its input's report numbers it 2, the others have none."""
    monkeypatch.setenv("AMAZON_MWS_STATE_PATH", str(tmp_path / "state.sqlite3"))
    monkeypatch.setenv("AMAZON_MWS_TIME_SCALE", str(TIME_SCALE))
    monkeypatch.setenv("RESPONSE_CHECK_DELAY", "40")
    monkeypatch.delenv("REDIS_URL", raising=False)
    api = feeds_api(box.sp_credentials)
    ok = {"operationType": "PATCH", "productType": "PRODUCT",
          "patches": [{"op": "replace", "path": "/attributes/item_name", "value": [{"value": "x"}]}]}
    docs = {f"in-{n}": _doc(box.seller_id, *({**ok, "sku": f"S-{n}-{k}"} for k in range(4))) for n in range(3)}
    docs["in-2"].feed["messages"][1] = {"messageId": 2, "sku": "BAD-1", "operationType": "PATCH",
                                        "productType": "PRODUCT", "patches": []}
    outs = list(batching.run_gathered(list(docs.items()), lambda item: feed_outbox.OUTBOX.send(
        api, item[1], item[0], batching.current()), window=5.0))
    assert len(_creates(box)) == 1 and len({o["feedSubmissionId"] for o in outs}) == 1
    reports = dict(zip(docs, (o["processingReport"] for o in outs), strict=True))
    assert [(r["messagesProcessed"], r["messagesWithError"], r["results"]) for r in (reports["in-0"], reports[
        "in-1"])] == [(4, 0, [])] * 2
    bad = reports["in-2"]
    assert (bad["messagesProcessed"], bad["messagesSuccessful"], bad["messagesWithError"]) == (4, 3, 1)
    [result] = bad["results"]
    assert result["messageId"] == 2 and result["resultCode"] == "Error"
    assert result["additionalInfo"] == {"SKU": "BAD-1"}
