"""`amazon-mws demo`: the README's first command, run as a newcomer runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def test_demo_runs_the_main_job_and_summarises_it(tmp_path):
    exe = Path(sys.executable).parent / "amazon-mws"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "AMAZON_MWS_TIME_SCALE")}
    env.update({"COLUMNS": "160", "AMAZON_MWS_STATE_PATH": str(tmp_path / "state.sqlite3")})
    proc = subprocess.run([str(exe), "demo", "--orders", "120"], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "Orders by status" in out and "Order totals by currency" in out
    summary = re.search(r"(\d+) orders, (\d+) items looked up, (\d+) requests .*?(\d+) throttled replies", out, re.S)
    assert summary, out
    orders, items, requests, throttled = map(int, summary.groups())
    assert orders == 120  # every seeded order is inside the last 30 days
    assert items > 0 and throttled == 0
    assert requests == 2 + 1 + 5  # ListOrders + 1 NextToken page (100 a page), GetOrder, 5 x ListOrderItems


def test_demo_on_sp_api_runs_the_same_job_on_orders_v2026(tmp_path):
    exe = Path(sys.executable).parent / "amazon-mws"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "AMAZON_MWS_TIME_SCALE")}
    env.update({"COLUMNS": "160", "AMAZON_MWS_STATE_PATH": str(tmp_path / "state.sqlite3")})
    proc = subprocess.run([str(exe), "demo", "--orders", "120", "--backend", "sp-api"], capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = re.search(r"(\d+) orders, (\d+) items looked up, (\d+) requests \((.*?)\), (\d+) throttled", proc.stdout,
                        re.S)
    assert summary, proc.stdout
    orders, items, requests, actions, throttled = summary.groups()
    assert (int(orders), int(throttled)) == (120, 0) and int(items) > 0
    # LWA, 2 searchOrders pages, then Get Order (5 ids) and List Order Items (5): one getOrder each, no items call
    assert int(requests) == 1 + 2 + 5 + 5 and "getOrderItems" not in actions and "getOrders" not in actions
