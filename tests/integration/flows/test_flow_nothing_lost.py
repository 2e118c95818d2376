"""Nothing lost in one process: a sink that is down, refuses, drips or hangs; a run stopped mid-delivery;
a snapshot whose state is gone; two sellers' flows of one name.

The sandbox and the webhook receiver run in this process; ``amazon-mws flow run --once`` is the installed
command in a subprocess, with its state in a SQLite file (the ``cli`` fixture), as an operator runs it.
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
from receivers import Receiver
from testsupport import AMAZON_MWS_BIN

pytestmark = pytest.mark.timeout(180)
SCALE = "0.01"
ENV = {"AMAZON_MWS_TIME_SCALE": SCALE}
STATUSES = ["Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled", "Unfulfillable",
            "InvoiceUnconfirmed", "PendingAvailability"]


def write_flow(tmp_path: Path, sandbox: Sandbox, sink: dict, name: str = "keeper", file: str = "flow.json") -> Path:
    creds = tmp_path / f"seller-{file}"
    creds.write_text(json.dumps(sandbox.credentials))
    spec = {
        "name": name,
        "credentials": {"file": creds.name},
        "steps": [{"id": "orders", "step": "getNewAndUpdatedOrders",
                   "config": {"orderStatus": STATUSES, "emitBehaviour": "order", "maxResultsPerPage": 10,
                              "startTime": to_amazon(sandbox.now() - timedelta(days=400))}}],
        "sink": sink,
    }
    path = tmp_path / file
    path.write_text(json.dumps(spec))
    return path


def summary(done: subprocess.CompletedProcess) -> dict:
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return next(line for line in lines if line.get("event") in ("flowDone", "flowRetried"))


def order_id(key: str) -> str:
    return key.rsplit("-order-", 1)[1]


def test_webhook_down_parks_every_message_and_the_next_run_sends_them_first(cli, tmp_path):
    with Sandbox(orders=6, seed=11, time_scale=float(SCALE)) as sandbox, Receiver("down") as hook:
        flow = write_flow(tmp_path, sandbox, hook.sink(retries=1, timeout=5))
        down = cli("flow", "run", flow, "--once", env=ENV)
        assert down.returncode == 1, down.stderr
        report = summary(down)
        assert report["parked"] == 6 and report["delivered"] == 0 and not report["ok"]
        assert all(e["parked"] and "HTTP 503; gave up after 1 retries" in e["message"] for e in report["errors"])
        assert "6 message(s) parked" in down.stderr and f"amazon-mws flow retry {flow}" in down.stderr
        assert set(hook.attempts.values()) == {2}  # one attempt and the one retry the flow allows

        parked_ids = {order_id(k) for k in hook.attempts}
        assert parked_ids == set(sandbox.orders)
        newer = [sandbox.add_order()["AmazonOrderId"] for _ in range(2)]
        sandbox.advance_clock(600)
        hook.mode = "ok"
        up = cli("flow", "run", flow, "--once", env=ENV)
        assert up.returncode == 0, up.stderr
        assert summary(up)["delivered"] == 8 and summary(up)["parked"] == 0
        delivered = [order_id(key) for key, _ in hook.received]
        assert set(delivered[:6]) == parked_ids and set(delivered[6:]) == set(newer)  # parked ones first


def test_flow_retry_sends_parked_messages_now_and_parks_them_again_if_the_sink_still_fails(cli, tmp_path):
    with Sandbox(orders=3, seed=12, time_scale=float(SCALE)) as sandbox, Receiver("down", status=400) as hook:
        flow = write_flow(tmp_path, sandbox, hook.sink(retries=3))
        refused = cli("flow", "run", flow, "--once", env=ENV)
        assert refused.returncode == 1 and summary(refused)["parked"] == 3
        assert set(hook.attempts.values()) == {1}  # a 4xx is not retried: parked at once
        again = cli("flow", "retry", flow, env=ENV)
        assert again.returncode == 1 and summary(again)["parked"] == 3
        assert "refused message" in summary(again)["errors"][0]["message"]

        hook.mode = "ok"
        sent = cli("flow", "retry", flow, env=ENV)
        assert sent.returncode == 0, sent.stderr
        assert summary(sent)["delivered"] == 3 and {order_id(k) for k in hook.delivered_keys()} == set(sandbox.orders)
        nothing = cli("flow", "retry", flow, env=ENV)
        assert nothing.returncode == 0 and summary(nothing)["delivered"] == 0


def test_flow_retry_timeout_stops_at_a_safe_point_and_what_was_not_sent_stays_parked(cli, tmp_path):
    with Sandbox(orders=3, seed=13, time_scale=float(SCALE)) as sandbox, Receiver("down", status=400) as hook:
        flow = write_flow(tmp_path, sandbox, hook.sink(retries=0), name="retry-timeout")
        assert summary(cli("flow", "run", flow, "--once", env=ENV))["parked"] == 3
        hook.mode = "hold"  # takes the first message and keeps its answer back
        started = time.monotonic()
        stopped = cli("flow", "retry", flow, "--timeout", "2", env=ENV)
        assert stopped.returncode == 1 and time.monotonic() - started < 30, stopped.stderr
        assert "stopped after 2 s (--timeout)" in stopped.stderr and "Traceback" not in stopped.stderr
        hook.release.set()
        hook.mode = "ok"
        sent = cli("flow", "retry", flow, env=ENV)
        assert sent.returncode == 0, sent.stderr
        assert {order_id(k) for k in hook.delivered_keys()} == set(sandbox.orders)  # none lost


def test_a_receiver_that_drips_its_reply_is_cut_off_at_the_time_limit_and_counted_as_a_failed_attempt(cli, tmp_path):
    with Sandbox(orders=2, seed=13, time_scale=float(SCALE)) as sandbox, Receiver("drip", drip_seconds=0.2) as hook:
        flow = write_flow(tmp_path, sandbox, hook.sink(retries=1, timeout=1))
        started = time.monotonic()
        done = cli("flow", "run", flow, "--once", env=ENV, timeout=60)
        elapsed = time.monotonic() - started
        assert done.returncode == 1, done.stderr
        report = summary(done)
        assert report["parked"] == 2
        assert all("within 1 s (time limit of one delivery)" in e["message"] for e in report["errors"])
        assert set(hook.attempts.values()) == {2}
        # 2 orders x 2 attempts x 1 s, plus the 0.5 s retry pause each, plus start-up: far below 1000 x 0.2 s
        assert elapsed < 20


def _popen_flow(tmp_path: Path, flow: Path) -> subprocess.Popen:
    env = {**os.environ, **ENV, "AMAZON_MWS_STATE_PATH": str(tmp_path / "cli-state.sqlite3")}
    env.pop("REDIS_URL", None)
    return subprocess.Popen([str(AMAZON_MWS_BIN), "flow", "run", str(flow), "--once"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_a_run_stopped_during_delivery_resumes_with_nothing_lost(cli, tmp_path, stop):
    with Sandbox(orders=30, seed=14, time_scale=float(SCALE)) as sandbox, Receiver("ok") as hook:
        flow = write_flow(tmp_path, sandbox, hook.sink())
        proc = _popen_flow(tmp_path, flow)
        deadline = time.monotonic() + 60
        while len(hook.received) < 10:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.01)
        hook.mode = "hold"
        assert hook.held.wait(30)
        first = len(hook.received)
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode != 0
        if stop == signal.SIGINT:
            assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
        assert first < 30

        hook.mode = "ok"
        hook.release.set()
        rerun = cli("flow", "run", flow, "--once", env=ENV)
        assert rerun.returncode == 0, rerun.stderr
        assert {order_id(k) for k in hook.delivered_keys()} == set(sandbox.orders)  # every order, at least once
        assert summary(rerun)["delivered"] >= 30 - first


def test_a_snapshot_whose_state_store_lost_the_pages_stops_with_state_lost(cli, tmp_path):
    with Sandbox(orders=5, seed=15, time_scale=float(SCALE)) as sandbox:
        cfg = tmp_path / "cfg.json"
        cfg.write_text(json.dumps({**sandbox.credentials, "orderStatus": STATUSES, "maxResultsPerPage": 2}))
        snapshot = tmp_path / "snap.json"
        run = {"id": "r1", "after": "2025-01-01T00:00:00Z", "before": "2026-01-01T00:00:00Z", "nextToken": "t3",
               "pages": 2, "orders": 4, "emittedPages": 0, "complete": False}
        snapshot.write_text(json.dumps({"cursor": "2025-01-01T00:00:00Z", "run": run}))
        before = snapshot.read_text()
        done = cli("run", "getNewAndUpdatedOrders", "--config", cfg, "--snapshot", snapshot, env=ENV)
        events = [json.loads(line) for line in done.stdout.splitlines()]
        assert done.returncode == 1
        assert not [e for e in events if e["event"] == "data"]
        (error,) = [e["error"] for e in events if e["event"] == "error"]
        assert error["type"] == "StateLost"
        assert "4 items were gathered, the state store holds 0" in error["message"]
        assert "remove the snapshot's \"run\"" in error["message"]
        assert json.loads(snapshot.read_text()) == json.loads(before)  # the cursor did not move
        assert not sandbox.requests  # nothing was fetched past the lost pages


def test_a_second_sellers_flow_of_the_same_name_is_refused(cli, tmp_path):
    with Sandbox(orders=2, seed=16, time_scale=float(SCALE)) as one, \
            Sandbox(orders=2, seed=17, time_scale=float(SCALE), credentials={"sellerId": "A2OTHERSELLER"}) as two:
        first = write_flow(tmp_path, one, {"type": "stdout"}, name="shop", file="one.json")
        second = write_flow(tmp_path, two, {"type": "stdout"}, name="shop", file="two.json")
        assert cli("flow", "run", first, "--once", env=ENV).returncode == 0
        refused = cli("flow", "run", second, "--once", env=ENV)
        assert refused.returncode == 2
        assert "flow.name: 'shop' already walks the orders of seller" in refused.stderr
        assert "this flow is for seller A2OTHERSELLER" in refused.stderr and "give it its own name" in refused.stderr
        assert not two.requests and refused.stdout == ""
        renamed = write_flow(tmp_path, two, {"type": "stdout"}, name="shop-two", file="two.json")
        fetched = cli("flow", "run", renamed, "--once", env=ENV)
        assert fetched.returncode == 0 and len(fetched.stdout.splitlines()) == 2
