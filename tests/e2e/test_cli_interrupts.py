"""Ctrl-C, as an operator presses it: `amazon-mws run` mid-walk and `amazon-mws demo` mid-wait.

The installed command runs in a subprocess against a sandbox in this process (real HTTP over loopback,
Amazon's quotas on, scaled down); SIGINT is a real signal. What must hold: one short line on stderr and no
traceback, status 130, stdout ending at a line boundary with every line whole JSON, and a rerun that resumes
and delivers every order exactly as an uninterrupted run would. (`flow run --once` stopped mid-delivery:
tests/integration/flows/test_flow_nothing_lost.py.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest

from amazon_mws.core.times import to_amazon
from amazon_mws.sandbox import Sandbox
from testsupport import AMAZON_MWS_BIN

pytestmark = pytest.mark.timeout(240)
STATUSES = ["Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled", "Unfulfillable",
            "InvoiceUnconfirmed", "PendingAvailability"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update({"AMAZON_MWS_STATE_PATH": str(tmp_path / "cli-state.sqlite3"), "COLUMNS": "160", **extra})
    return env


def _interrupted(proc: subprocess.Popen) -> tuple[str, str]:
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err, err
    assert out == "" or out.endswith("\n"), out[-200:]  # a line boundary, never half a line
    return out, err


def _events(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]  # every line whole JSON


def test_ctrl_c_mid_walk_then_a_rerun_resumes_and_every_order_arrives_once(tmp_path):
    scale = "0.05"  # ListOrders: a burst of 6, then one page every 3 s
    with Sandbox(orders=120, seed=21, time_scale=float(scale)) as sandbox:
        cfg = tmp_path / "cfg.json"
        cfg.write_text(json.dumps({**sandbox.credentials, "orderStatus": STATUSES, "maxResultsPerPage": 10,
                                   "emitBehaviour": "page",
                                   "startTime": to_amazon(sandbox.now() - timedelta(days=400))}))
        snapshot = tmp_path / "snap.json"
        argv = [str(AMAZON_MWS_BIN), "run", "getNewAndUpdatedOrders", "--config", str(cfg), "--snapshot", str(snapshot)]
        env = _env(tmp_path, AMAZON_MWS_TIME_SCALE=scale)
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        seen = []
        deadline = time.monotonic() + 60
        while not any(((e.get("snapshot") or {}).get("run") or {}).get("emittedPages", 0) >= 7 for e in seen):
            line = proc.stdout.readline()
            assert line and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
            seen.append(json.loads(line))
        # page 7 is out and recorded; the burst is spent: the walk now waits for ListOrders' quota
        out, _ = _interrupted(proc)
        first = [o["AmazonOrderId"] for e in seen + _events(out) if e["event"] == "data" for o in e["body"]["orders"]]
        kept = json.loads(snapshot.read_text())
        assert len(first) == 10 * kept["run"]["emittedPages"] and not kept["run"]["complete"]
        asked_before = len([r for r in sandbox.requests if r["action"].startswith("ListOrders")])

        rerun = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        events = _events(rerun.stdout)
        ids = [o["AmazonOrderId"] for e in events if e["event"] == "data" for o in e["body"]["orders"]]
        assert sorted(first + ids) == sorted(sandbox.orders)  # every order, none twice
        asked = [r["action"] for r in sandbox.requests if r["action"].startswith("ListOrders")][asked_before:]
        assert asked and "ListOrders" not in asked  # resumed at its NextToken: the walk did not start over
        assert json.loads(snapshot.read_text()).get("run") is None


def test_ctrl_c_during_the_demo_says_so_and_exits_130(tmp_path):
    env = _env(tmp_path)
    env.pop("AMAZON_MWS_TIME_SCALE", None)
    proc = subprocess.Popen([str(AMAZON_MWS_BIN), "demo", "--orders", "1500"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()  # 15 pages: the 7th waits a minute for ListOrders' quota
    assert "waiting for Amazon's quota (ListOrders" in line, line
    out, err = _interrupted(proc)
    assert "demo: interrupted" in err and "Orders by status" not in out


def test_ctrl_c_while_a_jsonl_feed_run_waits_for_its_report_ends_at_once_and_the_rerun_sends_no_second_feed(tmp_path):
    with Sandbox(orders=1, seed=22, time_scale=0.01, feed_processing_seconds=4) as sandbox:
        cfg = tmp_path / "cfg.json"
        cfg.write_text(json.dumps(sandbox.credentials))
        lines = tmp_path / "stock.jsonl"
        stock = [{"id": f"stock-{n}", "body": {"messages": [{"SKU": f"S-{n}", "Quantity": n}]}} for n in (1, 2)]
        lines.write_text("".join(json.dumps(line) + "\n" for line in stock))
        argv = [str(AMAZON_MWS_BIN), "run", "updateItem", "--config", str(cfg), "--message", str(lines)]
        env = _env(tmp_path, RESPONSE_CHECK_DELAY="30000", FEED_BATCH_SECONDS="0.2")
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        while "next check at" not in (line := proc.stderr.readline()):  # submitted; waiting 30 s for a check
            assert line, "the run ended before its first check"
        started = time.monotonic()
        out, _ = _interrupted(proc)
        assert time.monotonic() - started < 10  # not held until the feed's report comes
        assert out == "" and len(sandbox.feeds) == 1

        rerun = subprocess.run(argv, env={**env, "RESPONSE_CHECK_DELAY": "500"}, capture_output=True, text=True,
                               timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        answers = _events(rerun.stdout)
        assert [a["inputId"] for a in answers] == ["stock-1", "stock-2"]
        assert {a["body"]["feedSubmissionId"] for a in answers} == set(sandbox.feeds)  # the same feed, continued
        assert len(sandbox.feeds) == 1 and all(a["body"]["status"] == "_DONE_" for a in answers)
