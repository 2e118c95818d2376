"""A flow from trigger to webhook on real worker processes: every order reaches the webhook once.

Redis DB 9. The sandbox's quotas are compressed 100x (and the client's with them); the webhook fails its
first POSTs with 503 so the sink's retries (Celery countdowns, not sleeps) are exercised too.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from datetime import timedelta

import pytest
from celery_helpers import AMAZON_MWS_BIN, orders_flow

from amazon_mws.core.times import to_amazon
from amazon_mws.sandbox import Sandbox
from receivers import Receiver

pytestmark = pytest.mark.timeout(110)
SCALE = "0.01"


def test_flow_delivers_every_order_once_through_the_cli(workers_factory, webhook_factory, tmp_path):
    hook = webhook_factory(fail_first=3)
    with Sandbox(orders=60, seed=11, time_scale=float(SCALE)) as sandbox:
        creds = sandbox.credentials
        # The secret key comes from the workers' environment, not from the flow file (nor Redis).
        secret = creds.pop("secretKey")
        creds["secretKey"] = {"env": "AMAZON_MWS_FLOW_TEST_SECRET"}
        workers = workers_factory(9, AMAZON_MWS_TIME_SCALE=SCALE, AMAZON_MWS_FLOW_TEST_SECRET=secret)
        workers.start(2)
        start = to_amazon(sandbox.now() - timedelta(days=400))
        spec = orders_flow(f"hook-{workers.run_id}", creds, start, hook.sink())
        flow_file = tmp_path / "orders.flow.json"
        flow_file.write_text(json.dumps(spec))
        env = workers.env
        done = subprocess.run([str(AMAZON_MWS_BIN), "flow", "run", str(flow_file), "--once", "--timeout", "90"],
                              env=env, capture_output=True, text=True, timeout=100)
        assert done.returncode == 0, done.stderr + workers.log_text()[-3000:]
        report = json.loads(done.stdout.strip().splitlines()[-1])
        assert report["event"] == "flowDone" and report["mode"] == "workers" and report["ok"]

        order_ids = {o["AmazonOrderId"] for o in sandbox.orders.values()}
        delivered = [body["amazonOrderId"] for _, body in hook.received]
        assert Counter(delivered) == Counter(order_ids)  # every order, once
        keys = [key for key, _ in hook.received]
        assert len(set(keys)) == len(keys) and all(k.endswith(":items:0") for k in keys)
        assert all(isinstance(body["orderItems"], list) and body["orderItems"] for _, body in hook.received)
        assert report["delivered"] == len(order_ids)
        throttled = [r for r in sandbox.requests if r["status"] == 503]
        assert throttled == []
    assert secret not in workers.log_text()


def test_flow_through_the_python_api_keeps_passthrough(workers_factory, tmp_path, monkeypatch):
    from amazon_mws.workers.flow_runs import parse_flow, run_once

    with Sandbox(orders=12, seed=5, time_scale=float(SCALE)) as sandbox:
        workers = workers_factory(9, AMAZON_MWS_TIME_SCALE=SCALE)
        workers.set_env(monkeypatch)
        workers.start(1)
        out = tmp_path / "out.jsonl"
        start = to_amazon(sandbox.now() - timedelta(days=400))
        spec = orders_flow(f"api-{workers.run_id}", sandbox.credentials, start, {"type": "file", "path": str(out)})
        report = run_once(parse_flow(spec), timeout=60, app=workers.app())
        assert report.ok and report.mode == "workers"
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        assert len(lines) == len(sandbox.orders) == report.delivered
        for line in lines:
            through = line["passthrough"]
            assert set(through) == {"orders", "items"}
            order = through["orders"]["body"]["orders"][0]
            assert order["AmazonOrderId"] == line["body"]["amazonOrderId"]
            assert through["items"]["id"] == line["id"]
        # A second --once run polls from the stored cursor: nothing new, nothing delivered.
        again = run_once(parse_flow(spec), timeout=60, app=workers.app())
        assert again.ok and again.delivered == 0
        assert len(out.read_text().splitlines()) == len(lines)


def test_a_token_in_a_failing_webhook_url_is_never_printed_on_workers(workers_factory, tmp_path):
    """The receiver's token is in the URL's path and query and in a header; the receiver fails (a redirect
    to another URL with a token): the CLI's output, `status --json` and the workers' logs say so without
    either token."""
    tokens = ("T0K3N-ON-WORKERS", "K3Y-ON-WORKERS", "H3ADER-ON-WORKERS", "R3D1R-ON-WORKERS")
    with Sandbox(orders=4, seed=12, time_scale=float(SCALE)) as sandbox, \
            Receiver("redirect", location="http://127.0.0.1:9/R3D1R-ON-WORKERS?k=R3D1R-ON-WORKERS") as hook:
        workers = workers_factory(9, AMAZON_MWS_TIME_SCALE=SCALE, LOG_LEVEL="DEBUG")
        workers.start(1)
        start = to_amazon(sandbox.now() - timedelta(days=400))
        sink = hook.sink(url=hook.url + "/T0K3N-ON-WORKERS?key=K3Y-ON-WORKERS", retries=0,
                         headers={"Authorization": "Bearer H3ADER-ON-WORKERS"})
        name = f"token-{workers.run_id}"
        flow_file = tmp_path / "token.flow.json"
        flow_file.write_text(json.dumps(orders_flow(name, sandbox.credentials, start, sink, items=False)))
        done = subprocess.run([str(AMAZON_MWS_BIN), "flow", "run", str(flow_file), "--once", "--timeout", "60"],
                              env=workers.env, capture_output=True, text=True, timeout=80)
        assert done.returncode == 1, done.stderr + workers.log_text()[-3000:]
        assert json.loads(done.stdout.strip().splitlines()[-1])["parked"] == len(sandbox.orders)
        status = subprocess.run([str(AMAZON_MWS_BIN), "status", "--json", "--flow", name], env=workers.env,
                                capture_output=True, text=True, timeout=60)
        assert status.returncode == 0, status.stderr
        flow = json.loads(status.stdout)["flows"][0]
        assert flow["parked"]["count"] == len(sandbox.orders)
        assert {e["error"] for e in flow["parked"]["oldest"]} == {
            "webhook: HTTP 307: redirected to http://127.0.0.1:9/***?***: not followed"}
        assert hook.attempts  # the receiver was reached: the failure is its answer
    printed = done.stdout + done.stderr + status.stdout + status.stderr + workers.log_text()
    assert not [t for t in tokens if t in printed]
