"""Exactly one feed at the sandbox per input, whatever fails around SubmitFeed (real HTTP, in one process).

Faults the sandbox injects on SubmitFeed: "lost" (accepted, then the connection is dropped with no
reply), "slow" past the client's read timeout (accepted, the reply comes too late), "malformed" (accepted,
a garbled reply), "500" and "cut" (refused or dropped before anything was done). Each ends with exactly
one feed at the sandbox and the input answered with that feed's report.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from feed_ctx import TIME_SCALE, Ctx
from feed_samples import VALID

from amazon_mws.backends import feeds_api, shared_limiter
from amazon_mws.core.errors import ServerError
from amazon_mws.feeds import intents
from amazon_mws.feeds.build import build_feed
from amazon_mws.mws.connection import MwsConnection
from amazon_mws.mws.credentials import Credentials
from amazon_mws.mws.feeds import FeedsApi
from amazon_mws.runtime.message import Message
from amazon_mws.steps import feed_actions

AMAZON_MWS = Path(sys.executable).parent / "amazon-mws"
STEP = "adjustOrder"  # a refund: the feed that must never go twice


def _message(id_: str = "msg-1") -> Message:
    return Message(body=VALID[STEP], id=id_)


def _submits(box) -> list[dict]:
    return [r for r in box.requests if r["action"] == "SubmitFeed"]


def _one_feed_answered(box, ctx: Ctx) -> dict:
    assert len(box.feeds) == 1, box.feeds  # exactly one feed at "Amazon"
    [out] = ctx.data
    assert out["feedSubmissionId"] in box.feeds and out["status"] == "_DONE_"
    assert out["processingReport"]["messagesProcessed"] == len(VALID[STEP]["messages"])
    return out


@pytest.mark.parametrize(("fault", "sends"), [
    ("lost", 1),  # Amazon took it, the reply never came: found, not sent again
    ("malformed", 1),  # Amazon took it, the reply was garbled: found, not sent again
    ("500", 2),  # Amazon refused it: nothing found, sent again
    ("cut", 2),  # the connection dropped before Amazon did anything: nothing found, sent again
])
def test_an_unknown_outcome_is_reconciled_before_anything_is_sent_again(fault, sends, sandbox):
    sandbox.inject_fault(fault, operation="SubmitFeed")
    ctx = Ctx()
    feed_actions.submit_and_wait(ctx, _message(), sandbox.credentials, STEP)
    _one_feed_answered(sandbox, ctx)
    assert len(_submits(sandbox)) == sends  # the transport itself never sent it again
    lists = [r for r in sandbox.requests if r["action"] == "GetFeedSubmissionList"]
    assert lists[0]["params"]["FeedTypeList.Type.1"] == "_POST_PAYMENT_ADJUSTMENT_DATA_"  # the reconciliation


def test_a_reply_slower_than_the_read_timeout_is_reconciled_not_resent(sandbox):
    conn = MwsConnection(Credentials.from_config(sandbox.credentials), limiter=shared_limiter(),
                         timeout=(5, 0.3))
    sandbox.inject_fault("slow", operation="SubmitFeed", delay=1.0)
    ctx = Ctx()
    feed_actions.submit_and_wait(ctx, _message(), sandbox.credentials, STEP, api=FeedsApi(conn))
    _one_feed_answered(sandbox, ctx)
    assert len(_submits(sandbox)) == 1


def test_the_transport_never_retries_submit_feed_itself(sandbox):
    sandbox.inject_fault("500", operation="SubmitFeed")
    api = feeds_api(sandbox.credentials)
    [doc] = build_feed(STEP, VALID[STEP], sandbox.seller_id)
    with pytest.raises(ServerError):
        api.submit_feed(doc.xml, doc.feed_type)
    assert len(_submits(sandbox)) == 1 and api.conn.retries == 0


def test_a_rerun_of_the_same_message_continues_its_submission(sandbox):
    first, again = Ctx(), Ctx()
    feed_actions.submit_and_wait(first, _message(), sandbox.credentials, STEP)
    feed_actions.submit_and_wait(again, _message(), sandbox.credentials, STEP)  # a redelivery, a rerun
    assert first.data[0]["feedSubmissionId"] == again.data[0]["feedSubmissionId"]
    assert len(sandbox.feeds) == 1 and len(_submits(sandbox)) == 1
    other = Ctx()
    feed_actions.submit_and_wait(other, _message("msg-2"), sandbox.credentials, STEP)  # a new input
    assert len(sandbox.feeds) == 2


def test_a_split_input_names_every_submission_and_its_rerun_sends_only_the_rest(sandbox):
    docs = build_feed(STEP, VALID[STEP], sandbox.seller_id, max_messages=1)
    assert len(docs) == len(VALID[STEP]["messages"]) >= 2
    api = feeds_api(sandbox.credentials)
    states = intents.submit_all(api, docs, ["msg-split"])
    first = next(states)["feedSubmissionId"]
    sandbox.inject_fault("500", count=10, operation="SubmitFeed")  # Amazon fails every send of the second
    with pytest.raises(intents.SplitSubmissionError) as info:
        next(states)
    assert first in str(info.value) and info.value.submitted == [first]
    sandbox.faults.clear()
    rerun = [s["feedSubmissionId"] for s in intents.submit_all(api, docs, ["msg-split"])]
    assert rerun[0] == first  # continued, not sent again
    assert len(sandbox.feeds) == len(docs)  # one feed per part, however many tries


def test_two_unrecorded_submissions_of_the_type_are_reported_never_resent(sandbox):
    api = feeds_api(sandbox.credentials)
    [doc] = build_feed(STEP, VALID[STEP], sandbox.seller_id)
    api.submit_feed(doc.xml, doc.feed_type)  # another program of the same seller, at the same time
    sandbox.inject_fault("lost", operation="SubmitFeed")
    with pytest.raises(intents.AmbiguousSubmission, match="2 submissions"):
        intents.submit_once(api, doc, ["msg-amb"])
    assert len(sandbox.feeds) == 2 and len(_submits(sandbox)) == 2


def test_sp_api_create_feed_lost_reply_is_reconciled_by_get_feeds(sandbox):
    cfg = sandbox.sp_credentials
    sandbox.inject_fault("lost", operation="createFeed")
    ctx = Ctx()
    feed_actions.submit_and_wait(ctx, _message(), cfg, STEP)
    [out] = ctx.data
    feeds = sandbox.sp.feeds.feeds
    assert len(feeds) == 1 and out["feedSubmissionId"] in feeds and out["status"] == "_DONE_"
    creates = [r for r in sandbox.requests if r["action"] == "createFeed"]
    assert len(creates) == 1 and [r for r in sandbox.requests if r["action"] == "getFeeds"]



def _killed_after_submit_feed(sandbox, tmp_path, monkeypatch) -> tuple[list[str], dict[str, str]]:
    """A CLI run of one refund SIGKILLed after Amazon took its feed, before it heard the id; returns the
    argv and environment that run it again (state in the same SQLite file, holders stale after 1 s)."""
    cfg, msg = tmp_path / "cfg.json", tmp_path / "msg.json"
    cfg.write_text(json.dumps(sandbox.credentials))
    msg.write_text(json.dumps({"id": "order-42-refund", "body": VALID[STEP]}))
    monkeypatch.setenv("FEED_INFLIGHT_STALE_SECONDS", "1")
    env = {**os.environ, "AMAZON_MWS_TIME_SCALE": str(TIME_SCALE), "RESPONSE_CHECK_DELAY": "40"}
    env.pop("REDIS_URL", None)
    argv = [str(AMAZON_MWS), "run", STEP, "--config", str(cfg), "--message", str(msg)]
    sandbox.inject_fault("slow", operation="SubmitFeed", delay=5.0)  # taken at once, answered in 5 s
    first = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 30
    while not _submits(sandbox):
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)  # a dying machine: nothing after SubmitFeed ran
    first.communicate(timeout=10)
    assert len(sandbox.feeds) == 1
    return argv, env


def test_another_input_reconciles_for_a_dead_holder_then_sends_its_own(sandbox, tmp_path, monkeypatch):
    argv, env = _killed_after_submit_feed(sandbox, tmp_path, monkeypatch)
    [dead] = sandbox.feeds
    ctx = Ctx()
    feed_actions.submit_and_wait(ctx, _message("another-refund"), sandbox.credentials, STEP)
    assert ctx.data[0]["feedSubmissionId"] != dead and len(sandbox.feeds) == 2
    rerun = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    [data] = [e for e in map(json.loads, rerun.stdout.splitlines()) if e["event"] == "data"]
    assert data["body"]["feedSubmissionId"] == dead  # the id found for it while it was dead
    assert len(sandbox.feeds) == 2 and len(_submits(sandbox)) == 2


def test_a_run_killed_after_submit_feed_is_continued_by_its_rerun(sandbox, tmp_path, monkeypatch):
    """The process dies after Amazon took the feed and before it heard the id: the rerun of the same
    message finds the intent, waits until the dead holder is stale, reconciles and finishes that feed."""
    argv, env = _killed_after_submit_feed(sandbox, tmp_path, monkeypatch)
    rerun = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    [data] = [e for e in map(json.loads, rerun.stdout.splitlines()) if e["event"] == "data"]
    assert data["body"]["feedSubmissionId"] in sandbox.feeds and data["body"]["status"] == "_DONE_"
    assert len(sandbox.feeds) == 1 and len(_submits(sandbox)) == 1
