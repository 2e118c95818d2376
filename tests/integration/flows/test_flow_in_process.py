"""``amazon-mws flow run FLOW.json --once`` without REDIS_URL: the whole flow in one process, no services.

The sandbox runs in this process; the CLI is the installed command in a subprocess with a SQLite state file
(the ``cli`` fixture), so the second run starts from the cursor the first one stored.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from amazon_mws.core.times import to_amazon
from amazon_mws.sandbox import Sandbox

pytestmark = pytest.mark.timeout(120)
SCALE = "0.01"
STATUSES = ["Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled", "Unfulfillable",
            "InvoiceUnconfirmed", "PendingAvailability"]


def flow_spec(sandbox, sink, **extra):
    return {
        "name": "newcomer",
        "credentials": {"file": "seller.json"},
        "steps": [
            {"id": "orders", "step": "getNewAndUpdatedOrders",
             "config": {"orderStatus": STATUSES, "emitBehaviour": "page", "maxResultsPerPage": 7,
                        "startTime": to_amazon(sandbox.now() - timedelta(days=400))}},
            {"id": "items", "step": "listOrderItems", "map": {"amazonOrderId": "orders[*].AmazonOrderId"}},
        ],
        "sink": sink,
        **extra,
    }


def test_flow_once_in_process_prints_json_lines_then_resumes_from_the_cursor(cli, tmp_path):
    with Sandbox(orders=20, seed=9, time_scale=float(SCALE)) as sandbox:
        (tmp_path / "seller.json").write_text(json.dumps(sandbox.credentials))
        flow_file = tmp_path / "flow.json"
        flow_file.write_text(json.dumps(flow_spec(sandbox, {"type": "stdout"})))
        env = {"AMAZON_MWS_TIME_SCALE": SCALE}
        first = cli("flow", "run", flow_file, "--once", env=env)
        assert first.returncode == 0, first.stderr
        lines = [json.loads(line) for line in first.stdout.splitlines()]
        assert sorted(line["body"]["amazonOrderId"] for line in lines) == sorted(sandbox.orders)
        assert all(line["flow"] == "newcomer" and line["body"]["orderItems"] for line in lines)
        # page messages split per order: "<run>-page-N" then "#k" per order, then ":items:0"
        assert all("-page-" in line["id"] and line["id"].endswith(":items:0") for line in lines)
        summary = json.loads(first.stderr.strip().splitlines()[-1])
        assert summary["event"] == "flowDone" and summary["mode"] == "in-process"
        assert summary["delivered"] == len(sandbox.orders) and summary["ok"]
        assert sandbox.credentials["secretKey"] not in first.stdout + first.stderr

        second = cli("flow", "run", flow_file, "--once", env=env)
        assert second.returncode == 0 and second.stdout == ""


def test_webhook_sink_retries_in_process_and_bad_files_exit_2(cli, tmp_path):
    received, failures = [], [2]

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fail = failures[0] > 0
            failures[0] -= 1 if fail else 0
            if not fail:
                received.append((self.headers["Idempotency-Key"], body))
            self.send_response(503 if fail else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with Sandbox(orders=5, seed=3, time_scale=float(SCALE)) as sandbox:
            (tmp_path / "seller.json").write_text(json.dumps(sandbox.credentials))
            url = f"http://127.0.0.1:{server.server_address[1]}/hook"
            flow_file = tmp_path / "flow.json"
            sink = {"type": "webhook", "url": url, "allowPrivateNetwork": True, "envelope": True}  # on loopback
            flow_file.write_text(json.dumps(flow_spec(sandbox, sink)))
            done = cli("flow", "run", flow_file, "--once", env={"AMAZON_MWS_TIME_SCALE": SCALE})
            assert done.returncode == 0, done.stderr
            assert len(received) == len(sandbox.orders)
            assert all(key == body["id"] and set(body["passthrough"]) == {"orders", "items"}
                       for key, body in received)
    finally:
        server.shutdown()
        server.server_close()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "steps": [{"step": "listOrderItems"}]}))
    refused = cli("flow", "run", bad, "--once")
    assert refused.returncode == 2
    assert "flow.steps[0].step: 'listOrderItems' is an action; a flow starts with a trigger" in refused.stderr
    unscheduled = cli("flow", "run", flow_file)
    assert unscheduled.returncode == 2 and "needs REDIS_URL" in unscheduled.stderr
