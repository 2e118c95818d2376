"""`amazon-mws flow run --once` waiting for real workers tells its counts on stderr while the wait is long.

Redis DB 9. ListOrderItems at Amazon's own pace (a burst of 30, then one every 2 s) on 36 orders keeps the
workers busy for several seconds.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import timedelta

import pytest
from celery_helpers import AMAZON_MWS_BIN, orders_flow

from amazon_mws.core.times import to_amazon
from amazon_mws.sandbox import Sandbox

pytestmark = pytest.mark.timeout(110)


def test_a_long_wait_for_the_workers_tells_how_many_messages_are_done(workers_factory, tmp_path):
    with Sandbox(orders=36, seed=61) as sandbox:
        workers = workers_factory(9)
        workers.start(1)
        out = tmp_path / "out.jsonl"
        spec = orders_flow(f"progress-{workers.run_id}", sandbox.credentials,
                           to_amazon(sandbox.now() - timedelta(days=400)), {"type": "file", "path": str(out)})
        flow_file = tmp_path / "progress.flow.json"
        flow_file.write_text(json.dumps(spec))
        done = subprocess.run([str(AMAZON_MWS_BIN), "flow", "run", str(flow_file), "--once", "--timeout", "90"],
                              env=workers.env, capture_output=True, text=True, timeout=100)
        assert done.returncode == 0, done.stderr + workers.log_text()[-3000:]
        counts = [tuple(map(int, m)) for m in re.findall(
            rf"^flow {spec['name']}: (\d+) of (\d+) messages done on the workers$", done.stderr, re.M)]
        assert len(counts) >= 2, done.stderr
        assert all(d <= s for d, s in counts) and counts[-1][0] == counts[-1][1] == 1 + 36 + 36  # poll, items, sink
        assert len(out.read_text().splitlines()) == 36
