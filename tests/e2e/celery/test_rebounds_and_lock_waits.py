"""Rebounds and lock waits on Celery: each has its own budget, and a spent one is an error someone sees.

Redis DB 12, real ``amazon-mws worker`` processes with the fixture component (tests/fixtures/component),
whose ``alwaysReboundTrigger`` / ``alwaysRebound`` rebound every time. Celery's own retry limit (3 by
default) must decide nothing: a poll or a step rebounds REBOUND_MAX_RETRIES (5) times and then ends with a
ReboundLimitError in ``flow run --once``'s report and in ``amazon-mws status``; a poll waits for a lock
held by someone else longer than 3 looks and still runs; a lock held past LOCK_WAIT_MAX_RETRIES, or a task
that crashes TASK_CRASH_RETRIES times, is an error naming that setting.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import pytest
from celery_helpers import AMAZON_MWS_BIN

from amazon_mws.flows.spec import Flow, parse_flow
from amazon_mws.workers.flow_runs import run_once
from testsupport import FIXTURE_COMPONENT

pytestmark = pytest.mark.timeout(150)

CREDENTIALS = {"sellerId": "A1SELLER", "secretKey": "right-secret-key-0001", "marketplaceId": "ATVPDKIKX0DER"}
LISTING = {"id": "things", "step": "listThings", "config": {"status": "Shipped", "count": "1"}}
REBOUND_LIMIT = (
    "rebounded 5 times (REBOUND_MAX_RETRIES=5); giving up (raise REBOUND_MAX_RETRIES to wait longer); "
    "last reason: never ready (try 6)"
)


@pytest.fixture
def workers(workers_factory, monkeypatch):
    """One worker on DB 12 with the fixture component; rebounds 10 ms apart, at most 5; lock waits 0.1 s
    apart (FLOW_LOCK_TTL 0.2), at most 30; 2 crash retries (1 s, then 2 s). This process is a client of the
    same broker."""
    monkeypatch.setenv("AMAZON_MWS_COMPONENT_DIR", str(FIXTURE_COMPONENT))
    w = workers_factory(12, REBOUND_INITIAL_DELAY="0.01", REBOUND_MAX_RETRIES="5", FLOW_LOCK_TTL="0.2",
                        LOCK_WAIT_MAX_RETRIES="30", TASK_CRASH_RETRIES="2")
    w.env["AMAZON_MWS_COMPONENT_DIR"] = str(FIXTURE_COMPONENT)
    w.set_env(monkeypatch)
    w.start(1)
    return w


def make_flow(workers, tmp_path: Path, label: str, steps: list[dict]) -> Flow:
    return parse_flow({"name": f"{label}-{workers.run_id}", "credentials": CREDENTIALS, "steps": steps,
                       "sink": {"type": "file", "path": str(tmp_path / f"{label}.jsonl")}})


def status_of(workers, name: str) -> dict:
    proc = subprocess.run([str(AMAZON_MWS_BIN), "status", "--json", "--flow", name], env=workers.env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    (flow,) = json.loads(proc.stdout)["flows"]
    return flow


def state_of(workers, flow: Flow, step_id: str) -> dict:
    from amazon_mws.runtime.state import state_store_from_env

    store = state_store_from_env()
    try:
        return store.namespace(f"flow:{flow.name}:{step_id}").load()
    finally:
        store.close()


def test_a_poll_that_always_rebounds_ends_with_the_rebound_limit_in_the_report_and_status(workers, tmp_path):
    flow = make_flow(workers, tmp_path, "poll", [{"id": "never", "step": "alwaysReboundTrigger"}])
    report = run_once(flow, timeout=90, app=workers.app())
    assert not report.ok and report.delivered == 0
    (error,) = report.errors
    assert error["type"] == "ReboundLimitError" and error["step"] == "never"
    assert error["message"] == f"alwaysReboundTrigger: {REBOUND_LIMIT}"
    assert state_of(workers, flow, "never")["attempts"] == [0, 1, 2, 3, 4, 5]  # past Celery's 3, as ctx.attempt
    shown = status_of(workers, flow.name)
    assert [e["type"] for e in shown["recentErrors"]] == ["ReboundLimitError"]
    assert shown["lastRun"]["ok"] is False and shown["lastRun"]["error"] == error["message"]


def test_a_step_that_always_rebounds_ends_with_the_rebound_limit_in_the_report_and_status(workers, tmp_path):
    flow = make_flow(workers, tmp_path, "step", [LISTING, {"id": "never", "step": "alwaysRebound"}])
    report = run_once(flow, timeout=90, app=workers.app())
    assert not report.ok and report.delivered == 0
    (error,) = report.errors
    assert error["type"] == "ReboundLimitError" and error["step"] == "never"
    assert error["message"] == f"alwaysRebound: {REBOUND_LIMIT}"
    assert state_of(workers, flow, "never")["attempts"] == [0, 1, 2, 3, 4, 5]
    assert [e["type"] for e in status_of(workers, flow.name)["recentErrors"]] == ["ReboundLimitError"]


def hold_poll_lock(flow: Flow):
    """Someone else's poll holds the flow's lock (renewed while held) until ``.release()``."""
    from amazon_mws.workers.flow_store import FlowStore

    fs = FlowStore.from_env()
    lock = fs.lock(fs.poll_lock_key(flow.name), "someone-else", 30)
    assert lock is not None
    return lock


def test_a_poll_waits_for_the_lock_longer_than_celerys_three_retries_and_then_runs(workers, tmp_path):
    flow = make_flow(workers, tmp_path, "wait", [LISTING])
    lock = hold_poll_lock(flow)
    timer = threading.Timer(1.5, lock.release)  # ~15 looks at 0.1 s apart: Celery's default would stop at 3
    timer.start()
    try:
        started = time.monotonic()
        report = run_once(flow, timeout=90, app=workers.app())
    finally:
        timer.cancel()
        lock.release()
    assert report.ok, report.errors
    assert report.delivered == 1 and time.monotonic() - started >= 1.5
    assert len((tmp_path / "wait.jsonl").read_text().splitlines()) == 1
    assert workers.log_text().count("Retry in") >= 4


def test_a_lock_held_past_the_lock_wait_budget_is_an_error_naming_the_setting(workers, tmp_path):
    flow = make_flow(workers, tmp_path, "held", [LISTING])
    lock = hold_poll_lock(flow)
    try:
        report = run_once(flow, timeout=90, app=workers.app())
    finally:
        lock.release()
    (error,) = report.errors
    assert error["type"] == "LockWaitLimitError" and error["step"] == "poll"
    assert error["message"].endswith(
        ": the flow's lock is held by poll someone-else: gave up after 30 lock waits (LOCK_WAIT_MAX_RETRIES=30; "
        "raise LOCK_WAIT_MAX_RETRIES to retry longer)")
    assert [e["type"] for e in status_of(workers, flow.name)["recentErrors"]] == ["LockWaitLimitError"]


def test_a_task_that_keeps_crashing_ends_with_an_error_naming_the_crash_budget(workers, tmp_path):
    # the action's credentials name a variable the worker does not have: resolving them raises in the task
    flow = make_flow(workers, tmp_path, "crash", [
        LISTING, {"id": "echo", "step": "alwaysRebound",
                  "credentials": {"apiPin": {"env": "AMAZON_MWS_FLOW_NOT_SET_ON_WORKERS"}}}])
    report = run_once(flow, timeout=90, app=workers.app())
    (error,) = report.errors
    assert error["type"] == "TaskCrashLimitError" and error["step"] == "stage 1"
    assert error["message"] == (
        "ValidationError: flow.steps[1].credentials.apiPin: environment variable "
        "AMAZON_MWS_FLOW_NOT_SET_ON_WORKERS is not set: "
        "gave up after 2 crash retries (TASK_CRASH_RETRIES=2; raise TASK_CRASH_RETRIES to retry longer)")
    assert "tries" not in state_of(workers, flow, "echo")  # the step itself never ran: no rebound was spent
