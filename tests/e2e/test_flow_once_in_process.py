"""`amazon-mws flow run --once` without Redis, as an operator runs it: `--timeout` honoured, and a long run
telling its per-step counts on stderr (a fast one saying nothing).

Orders -> their items -> a JSON-lines file, against a sandbox in this process with ListOrderItems' real
quota (a burst of 30, then one every 2 s, scaled) so the run takes long enough to stop and to report.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from amazon_mws.core.times import to_amazon
from amazon_mws.sandbox import Sandbox

pytestmark = pytest.mark.timeout(240)
STATUSES = ["Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled", "Unfulfillable",
            "InvoiceUnconfirmed", "PendingAvailability"]


def write_flow(tmp_path: Path, sandbox: Sandbox) -> tuple[Path, Path]:
    (tmp_path / "seller.json").write_text(json.dumps(sandbox.credentials))
    out = tmp_path / "out.jsonl"
    spec = {
        "name": "items",
        "credentials": {"file": "seller.json"},
        "steps": [{"id": "orders", "step": "getNewAndUpdatedOrders",
                   "config": {"orderStatus": STATUSES, "emitBehaviour": "order",
                              "startTime": to_amazon(sandbox.now() - timedelta(days=400))}},
                  {"id": "items", "step": "listOrderItems", "map": {"amazonOrderId": "orders[0].AmazonOrderId"}}],
        "sink": {"type": "file", "path": str(out)},
    }
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(spec))
    return path, out


def delivered_orders(out: Path) -> list[str]:
    lines = out.read_text().splitlines() if out.exists() else []
    return [json.loads(line)["body"]["amazonOrderId"] for line in lines]  # every line whole JSON


def test_timeout_stops_the_run_at_a_safe_point_and_the_rerun_delivers_the_rest(cli, tmp_path):
    scale = "0.5"  # ListOrderItems: 30 at once, then one a second
    with Sandbox(orders=45, seed=31, time_scale=float(scale)) as sandbox:
        flow, out = write_flow(tmp_path, sandbox)
        env = {"AMAZON_MWS_TIME_SCALE": scale}
        stopped = cli("flow", "run", flow, "--once", "--timeout", "4", env=env)
        assert stopped.returncode == 1, stopped.stderr
        assert "flow items: stopped after 4 s (--timeout)" in stopped.stderr, stopped.stderr
        assert "the next run of this flow sends them first" in stopped.stderr and "Traceback" not in stopped.stderr
        assert len(delivered_orders(out)) < 45
        asked = len([r for r in sandbox.requests if r["action"] == "ListOrderItems"])
        assert 0 < asked < 45  # it was on its way (the burst of 30 goes at once, the rest one a second)

        rest = cli("flow", "run", flow, "--once", env=env)
        assert rest.returncode == 0, rest.stderr
        assert sorted(set(delivered_orders(out))) == sorted(sandbox.orders)  # none missing
        asked_again = len([r for r in sandbox.requests if r["action"] == "ListOrderItems"]) - asked
        assert 45 - asked <= asked_again <= 45 - asked + 1  # resumed: only the step it stopped in runs twice
        walks = [r for r in sandbox.requests if r["action"] == "ListOrders"]
        assert len(walks) == 2  # the rerun polled the window after the cursor, it did not walk again from Start


def test_a_long_run_tells_its_per_step_counts_on_stderr(cli, tmp_path):
    scale = "0.5"
    with Sandbox(orders=40, seed=32, time_scale=float(scale)) as sandbox:
        flow, out = write_flow(tmp_path, sandbox)
        done = cli("flow", "run", flow, "--once", env={"AMAZON_MWS_TIME_SCALE": scale})
        assert done.returncode == 0, done.stderr
        counts = re.findall(r"^flow items: orders: (\d+) orders; items: (\d+)/(\d+); sink: (\d+) delivered$",
                            done.stderr, re.M)
        assert len(counts) >= 2, done.stderr  # ~10 s of paced ListOrderItems: a line every 5 s, and the last
        assert counts[-1] == ("40", "40", "40", "40")
        assert all(int(items) <= int(reached) <= 40 for _, items, reached, _ in counts)
        assert len(delivered_orders(out)) == 40 and "flowDone" in done.stdout


def test_a_fast_run_and_a_quiet_one_say_nothing_of_progress(cli, tmp_path):
    with Sandbox(orders=5, seed=33, time_scale=0.5) as sandbox:
        flow, _ = write_flow(tmp_path, sandbox)
        fast = cli("flow", "run", flow, "--once", env={"AMAZON_MWS_TIME_SCALE": "0.5"})
        assert fast.returncode == 0 and "flow items:" not in fast.stderr, fast.stderr
    with Sandbox(orders=40, seed=34, time_scale=0.5) as sandbox:
        flow, _ = write_flow(tmp_path, sandbox)
        quiet = cli("flow", "run", flow, "--once", env={"AMAZON_MWS_TIME_SCALE": "0.5", "LOG_LEVEL": "ERROR",
                                                         "AMAZON_MWS_STATE_PATH": str(tmp_path / "other.sqlite3")})
        assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr


def test_ctrl_c_while_the_stdout_sink_writes_leaves_whole_lines_and_the_rerun_delivers_the_rest(tmp_path):
    import os
    import signal
    import subprocess

    from testsupport import AMAZON_MWS_BIN

    with Sandbox(orders=1500, seed=35, time_scale=0.001) as sandbox:
        flow, _ = write_flow(tmp_path, sandbox)
        spec = json.loads(flow.read_text())
        spec["steps"] = spec["steps"][:1]
        spec["sink"] = {"type": "stdout"}
        flow.write_text(json.dumps(spec))
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update({"AMAZON_MWS_TIME_SCALE": "0.001", "AMAZON_MWS_STATE_PATH": str(tmp_path / "state.sqlite3")})
        argv = [str(AMAZON_MWS_BIN), "flow", "run", str(flow), "--once"]
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first, proc.stderr.read() if proc.stderr else ""
        proc.send_signal(signal.SIGINT)  # while the sink writes the orders out
        # the rest through the same buffer as the first line (communicate() reads the pipe itself and would
        # skip what readline() had already buffered)
        rest = proc.stdout.read()
        err = proc.stderr.read() if proc.stderr else ""
        proc.wait(timeout=60)
        assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err
        out = first + rest
        assert out.endswith("\n")
        before = [json.loads(line)["body"]["orders"][0]["AmazonOrderId"] for line in out.splitlines()]
        assert 0 < len(before) < 1500

        rerun = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        after = [json.loads(line)["body"]["orders"][0]["AmazonOrderId"] for line in rerun.stdout.splitlines()]
        assert sorted(set(before + after)) == sorted(sandbox.orders)  # none missing
        assert len(before) + len(after) - 1500 <= 1  # at most the one being written when it stopped, again
