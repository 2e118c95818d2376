"""`amazon-mws status` without Redis (the local state file) and `amazon-mws flow unschedule` (Redis), run as
an operator runs them: the installed command, a sandbox in this process, real Redis under a prefix of this
test's own (deleted after).
"""

from __future__ import annotations

import json
import signal
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis

from amazon_mws.core.times import to_amazon
from amazon_mws.sandbox import Sandbox
from receivers import Receiver
from testsupport import AMAZON_MWS_BIN

pytestmark = pytest.mark.timeout(180)
STATUSES = ["Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled", "Unfulfillable",
            "InvoiceUnconfirmed", "PendingAvailability"]


def write_flow(tmp_path: Path, sandbox: Sandbox, sink: dict, name: str, schedule: dict | None = None) -> Path:
    (tmp_path / "seller.json").write_text(json.dumps(sandbox.credentials))
    spec = {"name": name, "credentials": {"file": "seller.json"},
            "steps": [{"id": "orders", "step": "getNewAndUpdatedOrders",
                       "config": {"orderStatus": STATUSES, "emitBehaviour": "order",
                                  "startTime": to_amazon(sandbox.now() - timedelta(days=400))}}],
            "sink": sink}
    if schedule:
        spec["schedule"] = schedule
    path = tmp_path / f"{name}.flow.json"
    path.write_text(json.dumps(spec))
    return path


def status(cli, *args: str) -> dict:
    done = cli("status", "--json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_status_without_redis_shows_the_flows_run_in_one_process(cli, tmp_path):
    empty = cli("status")
    assert empty.returncode == 0 and "no state file at" in empty.stderr and "no flow has run" in empty.stderr

    with Sandbox(orders=6, seed=51, time_scale=0.01) as sandbox, Receiver("down") as hook:
        sink = {"type": "webhook", "url": hook.url, "retries": 0, "allowPrivateNetwork": True}
        flow = write_flow(tmp_path, sandbox, sink, "shop")
        env = {"AMAZON_MWS_TIME_SCALE": "0.01"}
        down = cli("flow", "run", flow, "--once", env=env)
        assert down.returncode == 1, down.stderr
        (info,) = status(cli)["flows"]
        assert info["flow"] == "shop" and info["sellerId"] == sandbox.seller_id and info["steps"] == ["orders"]
        assert info["cursor"] and info["runInProgress"] is None and info["running"] is None
        assert info["parked"]["count"] == 6 and "HTTP 503" in info["parked"]["oldest"][0]["error"]
        last = info["lastRun"]
        assert (last["ok"], last["delivered"], last["parked"]) == (False, 0, 6) and "SinkError" in last["error"]

        hook.mode = "hold"  # the next run stops mid-delivery: Ctrl-C
        proc = subprocess.Popen([str(AMAZON_MWS_BIN), "flow", "run", str(flow), "--once"],
                                env={**_env(tmp_path), **env}, stderr=subprocess.PIPE, text=True)
        assert hook.held.wait(30)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
        assert proc.returncode == 130
        (info,) = status(cli, "--flow", "shop")["flows"]
        assert info["lastRun"]["error"] == "interrupted (Ctrl-C)" and info["lastRun"]["ok"] is False
        assert info["parked"]["count"] + info["inFlight"] >= 5  # nothing lost: parked or in flight

        (unknown,) = status(cli, "--flow", "nope")["flows"]
        assert unknown == {"flow": "nope", "problem": "no flow 'nope' has run with this state file"}
        table = cli("status")
        assert table.returncode == 0 and "shop" in table.stdout and "interrupted (Ctrl-C)" in table.stdout
        hook.mode = "ok"
        hook.release.set()


def test_status_lists_a_feed_intent_whose_submission_id_never_came(cli, tmp_path):
    import sqlite3

    with Sandbox(orders=1, seed=52, time_scale=0.01) as sandbox:
        (tmp_path / "cfg.json").write_text(json.dumps(sandbox.credentials))
        (tmp_path / "msg.json").write_text(json.dumps({"id": "stock-1", "body": {"messages": [
            {"SKU": "A-1", "Quantity": 1}]}}))
        done = cli("run", "updateItem", "--config", tmp_path / "cfg.json", "--message", tmp_path / "msg.json",
                   env={"RESPONSE_CHECK_DELAY": "100"})
        assert done.returncode == 0, done.stderr
    assert status(cli)["pendingFeedIntents"] == []  # its id was recorded: nothing pending
    db = sqlite3.connect(tmp_path / "cli-state.sqlite3")  # as a crash right after SubmitFeed leaves it
    ((ns, key, value),) = db.execute("SELECT ns, key, value FROM state WHERE ns LIKE 'feed-intents:%' "
                                     "AND key != 'inFlight'").fetchall()
    db.execute("UPDATE state SET value = ? WHERE ns = ? AND key = ?",
               (json.dumps({**json.loads(value), "feedSubmissionId": None}), ns, key))
    db.commit()
    db.close()
    (pending,) = status(cli)["pendingFeedIntents"]
    assert pending["key"] == key and pending["feedType"] == "_POST_INVENTORY_AVAILABILITY_DATA_"
    assert pending["messageIds"] == ["stock-1"] and pending["sentAt"]
    assert "1 feed submission(s) with no id from Amazon yet" in cli("status").stdout


def _env(tmp_path: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["AMAZON_MWS_STATE_PATH"] = str(tmp_path / "cli-state.sqlite3")
    return env


@pytest.fixture
def prefix(redis_url):
    prefix = f"test-unschedule-{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


def test_unschedule_takes_a_flow_off_beat_and_the_registered_flows(cli, tmp_path, redis_url, prefix):
    env = {"REDIS_URL": redis_url, "AMAZON_MWS_STATE_PREFIX": prefix}
    client = redis.Redis.from_url(redis_url)
    with Sandbox(orders=1, seed=53) as sandbox:
        flow = write_flow(tmp_path, sandbox, {"type": "stdout"}, "nightly", schedule={"interval": 3600})
        scheduled = cli("flow", "run", flow, env=env)
        assert scheduled.returncode == 0, scheduled.stderr
    entry = f"{prefix}redbeat:flow:nightly"
    assert client.exists(entry) and client.sismember(f"{prefix}flows", "nightly")
    assert entry.encode() in client.zrange(f"{prefix}redbeat::schedule", 0, -1)

    gone = cli("flow", "unschedule", "nightly", env=env)
    assert gone.returncode == 0, gone.stderr
    assert json.loads(gone.stdout) == {"event": "flowUnscheduled", "flow": "nightly", "wasScheduled": True,
                                       "wasRegistered": True}
    assert not client.exists(entry) and not client.sismember(f"{prefix}flows", "nightly")
    assert entry.encode() not in client.zrange(f"{prefix}redbeat::schedule", 0, -1)
    assert client.exists(f"{prefix}flow:nightly:spec")  # kept: messages already on their way still finish

    again = cli("flow", "unschedule", flow, env=env)  # by its file this time
    assert again.returncode == 1 and again.stdout == ""
    assert "flow 'nightly' was not scheduled (no beat entry 'flow:nightly') nor registered" in again.stderr

    no_redis = cli("flow", "unschedule", "nightly")
    assert no_redis.returncode == 2 and "REDIS_URL is not set" in no_redis.stderr
