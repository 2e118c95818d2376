"""Where a flow's webhook may deliver, and what of its URL is printed: `amazon-mws flow run --once` in a
subprocess against the sandbox and receivers on 127.0.0.1 (so every delivery here is to loopback).

- without ``sink.allowPrivateNetwork`` a loopback webhook is refused before any connection, and the messages
  are parked (nothing lost): with the flag, the next run sends them;
- a 3xx is not followed: the message is parked, the redirect's target never sees it;
- a token in the webhook URL (path, query) or in a header is never printed, whatever the failure.
"""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from amazon_mws.core.times import to_amazon
from amazon_mws.sandbox import Sandbox
from receivers import Receiver

pytestmark = pytest.mark.timeout(180)
SCALE = "0.01"
ENV = {"AMAZON_MWS_TIME_SCALE": SCALE, "LOG_LEVEL": "DEBUG"}
ORDERS = 3
STATUSES = ["Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled", "Unfulfillable",
            "InvoiceUnconfirmed", "PendingAvailability"]


def write_flow(tmp_path: Path, sandbox: Sandbox, sink: dict[str, Any]) -> Path:
    (tmp_path / "seller.json").write_text(json.dumps(sandbox.credentials))
    spec = {"name": "egress", "credentials": {"file": "seller.json"},
            "steps": [{"id": "orders", "step": "getNewAndUpdatedOrders",
                       "config": {"orderStatus": STATUSES, "emitBehaviour": "order",
                                  "startTime": to_amazon(sandbox.now() - timedelta(days=400))}}],
            "sink": sink}
    path = tmp_path / "egress.flow.json"
    path.write_text(json.dumps(spec))
    return path


def report_of(done: subprocess.CompletedProcess) -> dict[str, Any]:
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return next(line for line in lines if line.get("event") in ("flowDone", "flowRetried"))


def test_loopback_without_the_flag_is_refused_before_connecting_and_nothing_is_lost(cli, tmp_path):
    with Sandbox(orders=ORDERS, seed=21, time_scale=float(SCALE)) as sandbox, Receiver() as hook:
        orders = len(sandbox.orders)
        flow = write_flow(tmp_path, sandbox, {"type": "webhook", "url": hook.url, "retries": 3})
        refused = cli("flow", "run", flow, "--once", env=ENV)
        assert refused.returncode == 1, refused.stderr
        report = report_of(refused)
        assert report["parked"] == orders and report["delivered"] == 0
        for error in report["errors"]:
            assert error["parked"] and "127.0.0.1 is a loopback address" in error["message"]
            assert "unless it sets sink.allowPrivateNetwork to true" in error["message"]
            assert "gave up" not in error["message"]  # refused for good: no retries spent on it
        assert hook.attempts == {}  # not one POST

        spec = json.loads(flow.read_text())
        spec["sink"]["allowPrivateNetwork"] = True
        flow.write_text(json.dumps(spec))
        allowed = cli("flow", "run", flow, "--once", env=ENV)
        assert allowed.returncode == 0, allowed.stderr
        assert report_of(allowed)["delivered"] == orders and len(hook.received) == orders  # the parked ones


def test_a_redirect_is_not_followed_and_the_message_is_parked(cli, tmp_path):
    with Sandbox(orders=ORDERS, seed=22, time_scale=float(SCALE)) as sandbox, Receiver() as elsewhere, \
            Receiver("redirect", location=elsewhere.url + "/R3D1R-T0K3N") as hook:
        flow = write_flow(tmp_path, sandbox, hook.sink())
        done = cli("flow", "run", flow, "--once", env=ENV)
        assert done.returncode == 1, done.stderr
        report = report_of(done)
        assert report["parked"] == len(sandbox.orders) and report["delivered"] == 0
        port = elsewhere.server.server_address[1]
        assert {e["message"] for e in report["errors"]} == {
            f"webhook: HTTP 307: redirected to http://127.0.0.1:{port}/***: not followed"}
        assert sum(hook.attempts.values()) == len(sandbox.orders)  # one attempt each: a 3xx is not retried
        assert elsewhere.attempts == {}
        assert "R3D1R-T0K3N" not in done.stdout + done.stderr


def test_tokens_in_the_webhook_url_and_headers_are_never_printed(cli, tmp_path):
    secrets = ("T0K3N-IN-PATH", "Q-S3CR3T-VALUE", "H3ADER-S3CR3T")
    with Sandbox(orders=ORDERS, seed=23, time_scale=float(SCALE)) as sandbox, Receiver("down") as hook:
        port = hook.server.server_address[1]
        sink = {"type": "webhook", "url": f"http://127.0.0.1:{port}/hooks/T0K3N-IN-PATH?key=Q-S3CR3T-VALUE",
                "headers": {"Authorization": "Bearer H3ADER-S3CR3T"}, "retries": 0, "allowPrivateNetwork": True}
        flow = write_flow(tmp_path, sandbox, sink)
        down = cli("flow", "run", flow, "--once", env=ENV)
        assert down.returncode == 1 and report_of(down)["parked"] == len(sandbox.orders), down.stderr
        again = cli("flow", "retry", flow, env=ENV)
        assert again.returncode == 1 and report_of(again)["parked"] == len(sandbox.orders), again.stderr
        assert hook.attempts  # the receiver was reached: the failure is its answer
        printed = down.stdout + down.stderr + again.stdout + again.stderr
        assert not [s for s in secrets if s in printed]

        spec = json.loads(flow.read_text())
        spec["sink"].update(url=f"ftp://127.0.0.1:{port}/hooks/T0K3N-IN-PATH", headers={"Authorization": 7})
        flow.write_text(json.dumps(spec))
        bad = cli("flow", "run", flow, "--once", env=ENV)
        assert bad.returncode == 2
        assert "flow.sink.url: 'ftp://127.0.0.1:" in bad.stderr and "flow.sink.headers.Authorization" in bad.stderr
        assert "T0K3N-IN-PATH" not in bad.stdout + bad.stderr
