"""``amazon-mws beat`` (celery-redbeat) polls a registered flow on its schedule; polls of one flow never
overlap; a second beat waits on the first one's lock; ``amazon-mws status`` shows what happened.

Redis DB 9 (own queue, prefix and redbeat keys). The flow polls every second; the sandbox's ListOrders
quota is compressed so each poll takes a while, and new orders are added between polls.
"""

from __future__ import annotations

import json
import subprocess
import time
from datetime import timedelta

import pytest
from celery_helpers import AMAZON_MWS_BIN, orders_flow

from amazon_mws.core.times import to_amazon
from amazon_mws.sandbox import Sandbox

pytestmark = pytest.mark.timeout(110)
SCALE = "0.01"


def test_beat_polls_on_schedule_without_overlap_and_status_shows_it(workers_factory, tmp_path):
    with Sandbox(orders=40, seed=2, time_scale=float(SCALE)) as sandbox:
        workers = workers_factory(9, AMAZON_MWS_TIME_SCALE=SCALE)
        workers.start(2)
        out = tmp_path / "orders.jsonl"
        name = f"beat-{workers.run_id}"
        spec = orders_flow(name, sandbox.credentials, to_amazon(sandbox.now() - timedelta(days=400)),
                           {"type": "file", "path": str(out)}, items=False, per_page=5)
        spec["schedule"] = {"interval": 1}
        flow_file = tmp_path / "beat.flow.json"
        flow_file.write_text(json.dumps(spec))
        scheduled = subprocess.run([str(AMAZON_MWS_BIN), "flow", "run", str(flow_file)], env=workers.env,
                                   capture_output=True, text=True, timeout=60)
        assert scheduled.returncode == 0, scheduled.stderr
        assert json.loads(scheduled.stdout)["event"] == "flowScheduled"

        beats = []
        for n in range(2):  # the second beat must wait on the first one's lock
            log = (tmp_path / f"beat-{n}.log").open("w")
            beats.append(subprocess.Popen([str(AMAZON_MWS_BIN), "beat", "--max-interval", "0.5"], env=workers.env,
                                          stdout=log, stderr=subprocess.STDOUT))
        try:
            deadline = time.monotonic() + 40
            while not out.exists() or len(out.read_text().splitlines()) < len(sandbox.orders):
                assert time.monotonic() < deadline, workers.log_text()[-3000:]
                time.sleep(0.2)
            sandbox.add_order(OrderStatus="Unshipped")
            sandbox.advance_clock(600)  # past Amazon's 2-minute visibility window
            deadline = time.monotonic() + 30
            while len(out.read_text().splitlines()) < len(sandbox.orders):
                assert time.monotonic() < deadline, workers.log_text()[-3000:]
                time.sleep(0.2)
            time.sleep(2)
        finally:
            for beat in beats:
                beat.terminate()
            for beat in beats:
                beat.wait(timeout=20)
        ids = [json.loads(line)["body"]["orders"][0]["AmazonOrderId"] for line in out.read_text().splitlines()]
        assert sorted(ids) == sorted(sandbox.orders)  # every order once, over several scheduled polls
        text = workers.log_text()
        polls = text.count("Task amazon_mws.flow.poll[") // 2  # "received" and "succeeded"
        assert polls >= 3
        lists = [r for r in sandbox.requests if r["action"] == "ListOrders"]
        starts = sorted(r["time"] for r in lists)
        assert len(starts) >= 2
        beat_logs = [(tmp_path / f"beat-{n}.log").read_text() for n in range(2)]
        assert sum("Sending due task flow:" in log for log in beat_logs) == 1  # one beat held the lock

        status = subprocess.run([str(AMAZON_MWS_BIN), "status", "--json", "--flow", name], env=workers.env,
                                capture_output=True, text=True, timeout=60)
        assert status.returncode == 0, status.stderr
        (info,) = json.loads(status.stdout)["flows"]
        assert info["cursor"] and info["lastRun"]["ok"] is True
        assert info["schedule"] == {"interval": 1} and info["sellerId"] == sandbox.seller_id
        assert info["quotas"]["ListOrders"]["burst"] == 6
        table = subprocess.run([str(AMAZON_MWS_BIN), "status"], env=workers.env, capture_output=True, text=True,
                               timeout=60)
        assert table.returncode == 0 and name in table.stdout and "every 1s" in table.stdout
        assert sandbox.credentials["secretKey"] not in status.stdout + table.stdout
