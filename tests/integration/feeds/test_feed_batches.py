"""Feed batches shared by workers (steps/feed_batches.py), driven in this process as the worker drives them:
each message's step run inside `collecting()` and `shared(window)` (as a Celery task runs it), then its wait's
polls when due (as the feed-check tasks run them). Real HTTP to the sandbox, the real Redis state store.

What must hold: messages of different runs go as one feed; each is answered with its own records; a rerun
of a message is the same member of the same batch; a late message is in the next batch, never in none; a
lost SubmitFeed reply still makes one feed; a feed Amazon refuses is every member's error.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
import redis
from feed_ctx import Ctx

from amazon_mws.runtime import batching, waits
from amazon_mws.runtime.message import Message
from amazon_mws.steps import feed_actions, feed_batches
from amazon_mws.steps.feed_kinds import XmlKind

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture(autouse=True)
def _shared_state(monkeypatch):
    """The workers' state store: Redis, under a prefix of this test's own (deleted afterwards)."""
    prefix = f"test-batches-{uuid.uuid4().hex[:8]}:"
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("AMAZON_MWS_STATE_PREFIX", prefix)
    yield
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


def _stock(n: int, skus: int = 3) -> Message:
    return Message(body={"messages": [{"SKU": f"SKU-{n}-{k}", "Quantity": k} for k in range(skus)]}, id=f"stock-{n}")


def _step(msg: Message, cfg: dict[str, Any], window: float = 0.6, step: str = "updateItem") -> waits.Wait:
    """One step task: the step runs, joins a batch and hands over its wait (it emits nothing itself)."""
    ctx = Ctx()
    with waits.collecting() as deferred, batching.shared(window):
        assert feed_actions.submit_and_wait(ctx, msg, cfg, step) == []
    assert ctx.data == []
    [wait] = deferred
    assert wait.poller == feed_batches.POLLER
    return wait


def _drive(cfg: dict[str, Any], pending: list[waits.Wait], timeout: float = 30) -> tuple[list, list]:
    """Every wait polled when due until none is left: (outputs, errors) in the order they finished."""
    due = [(time.monotonic() + w.delay, n, w) for n, w in enumerate(pending)]
    outputs: list[dict] = []
    errors: list[dict] = []
    deadline = time.monotonic() + timeout
    while due:
        assert time.monotonic() < deadline, f"{len(due)} waits still pending"
        due.sort(key=lambda d: d[0])
        at, n, wait = due.pop(0)
        time.sleep(max(0.0, at - time.monotonic()))
        answer = waits.resolve(wait.poller)(cfg, [wait.state])
        outputs += [(n, o) for o in answer.outputs]
        errors += [(n, e) for e in answer.errors]
        due += [(time.monotonic() + w.delay, n, w) for w in answer.pending]
    return outputs, errors


def _submits(box) -> list[dict]:
    return [r for r in box.requests if r["action"] == "SubmitFeed"]


def test_messages_of_separate_runs_go_as_one_feed_each_answered_with_its_own_records(sandbox):
    pending = [_step(_stock(n, skus=n + 1), sandbox.credentials) for n in range(6)]
    assert len({w.state["batch"] for w in pending}) == 1  # all joined the open batch
    assert _submits(sandbox) == []  # nothing is sent while the batch is open
    outputs, errors = _drive(sandbox.credentials, pending)
    assert errors == []
    assert len(_submits(sandbox)) == 1 and len(sandbox.feeds) == 1
    [feed] = sandbox.feeds.values()
    assert feed["body"].count(b"<Message>") == sum(range(1, 7))
    by_member = dict(outputs)
    assert sorted(by_member) == list(range(6))  # every message answered, once
    for n, out in by_member.items():
        assert out["feedSubmissionId"] in sandbox.feeds and out["status"] == "_DONE_"
        report = out["processingReport"]
        assert report["messagesProcessed"] == n + 1 and report["messagesWithError"] == 0
        own = [r["messageId"] for r in report["results"] if r["messageId"]]
        assert own == sorted(own) and all(1 <= m <= n + 1 for m in own)  # numbered as in its own input


def test_a_rerun_of_a_message_is_the_same_member_of_the_same_batch(sandbox):
    first = _step(_stock(1), sandbox.credentials)
    again = _step(_stock(1), sandbox.credentials)  # a redelivered task: same id, same body
    other = _step(Message(body=_stock(2).body, id="stock-1"), sandbox.credentials)  # same id, other body
    assert first.state == again.state
    assert other.state["batch"] == first.state["batch"] and other.state["member"] != first.state["member"]
    book = feed_batches.Book(first.state["scope"], first.state["feedType"])
    assert len(book.ns.get(f"batch:{first.state['batch']}")["members"]) == 2
    outputs, errors = _drive(sandbox.credentials, [first, again, other])
    assert errors == [] and len(_submits(sandbox)) == 1
    assert len({o["feedSubmissionId"] for _, o in outputs}) == 1 and len(outputs) == 3


def test_a_message_after_the_seal_is_in_the_next_batch(sandbox):
    early = _step(_stock(1), sandbox.credentials, window=0.2)
    time.sleep(0.3)
    late = _step(_stock(2), sandbox.credentials, window=0.2)  # past the window: a batch of its own
    assert late.state["batch"] != early.state["batch"]
    outputs, errors = _drive(sandbox.credentials, [early, late])
    assert errors == [] and len(_submits(sandbox)) == 2
    assert len({o["feedSubmissionId"] for _, o in outputs}) == 2


def test_a_batch_never_outgrows_its_size_guidance(sandbox, monkeypatch):
    monkeypatch.setattr(XmlKind, "max_records", 7)
    pending = [_step(_stock(n, skus=3), sandbox.credentials) for n in range(5)]  # 15 records, 7 a feed at most
    assert [len({w.state["batch"] for w in pending[:2]}), pending[2].state["batch"] == pending[0].state["batch"]] \
        == [1, False]
    outputs, errors = _drive(sandbox.credentials, pending)
    assert errors == [] and len(outputs) == 5
    assert len(_submits(sandbox)) == 3
    assert all(feed["body"].count(b"<Message>") <= 7 for feed in sandbox.feeds.values())


def test_many_runs_joining_at_once_each_join_exactly_once(sandbox):
    waits_: list[waits.Wait] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        wait = _step(_stock(n, skus=1), sandbox.credentials, window=1.5)
        with lock:
            waits_.append(wait)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batches = {w.state["batch"] for w in waits_}
    book = feed_batches.Book(waits_[0].state["scope"], waits_[0].state["feedType"])
    members = [m for b in batches for m in book.ns.get(f"batch:{b}")["members"]]
    assert sorted(members) == sorted(w.state["member"] for w in waits_)  # none lost, none twice
    outputs, errors = _drive(sandbox.credentials, waits_)
    assert errors == [] and len(outputs) == 20
    assert len(_submits(sandbox)) == len(batches) == len(sandbox.feeds)


def test_a_lost_submit_feed_reply_still_makes_one_feed_for_the_batch(sandbox):
    sandbox.inject_fault("lost", operation="SubmitFeed")  # Amazon took it; the leader never hears its id
    pending = [_step(_stock(n), sandbox.credentials) for n in range(3)]
    outputs, errors = _drive(sandbox.credentials, pending)
    assert errors == [] and len(outputs) == 3
    assert len(sandbox.feeds) == 1 and len(_submits(sandbox)) == 1  # found by reconciling, not sent again
    assert {o["feedSubmissionId"] for _, o in outputs} == set(sandbox.feeds)


def test_a_feed_amazon_refuses_is_every_members_error_and_nothing_else_is_sent(sandbox):
    sandbox.inject_fault("500", count=5, operation="SubmitFeed")  # refused at every send the intent allows
    pending = [_step(_stock(n), sandbox.credentials) for n in range(3)]
    outputs, errors = _drive(sandbox.credentials, pending, timeout=60)
    assert outputs == [] and sorted(n for n, _ in errors) == [0, 1, 2]
    assert sandbox.feeds == {} and len(_submits(sandbox)) == 5  # each resend only after Amazon had none
    assert len({e["message"] for _, e in errors}) == 1 and "feed batch" in errors[0][1]["message"]
    assert {e["type"] for _, e in errors} == {"ServerError"}


def test_a_member_whose_batch_record_is_gone_gets_an_error_naming_it(sandbox):
    [wait] = [_step(_stock(1), sandbox.credentials)]
    book = feed_batches.Book(wait.state["scope"], wait.state["feedType"])
    book.ns.forget([f"batch:{wait.state['batch']}"])  # an emptied state store
    outputs, errors = _drive(sandbox.credentials, [wait])
    assert outputs == [] and wait.state["batch"] in errors[0][1]["message"] and _submits(sandbox) == []


def test_outside_a_worker_a_message_goes_on_its_own_as_before(sandbox):
    ctx = Ctx()
    with batching.shared(5.0):  # no collecting(): nobody would take the wait, so nothing joins a batch
        [out] = feed_actions.submit_and_wait(ctx, _stock(1), sandbox.credentials, "updateItem")
    assert out["status"] == "_DONE_" and len(_submits(sandbox)) == 1


def test_a_member_whose_leader_went_silent_gives_up_naming_the_batch_and_sends_nothing(sandbox, monkeypatch):
    monkeypatch.setenv("FEED_CHECK_MAX_SECONDS", "0.5")  # the cap plus the in-flight stale time: 0.6 s
    monkeypatch.setenv("FEED_INFLIGHT_STALE_SECONDS", "0.1")
    leader, member = (_step(_stock(n), sandbox.credentials, window=0.1) for n in (1, 2))
    book = feed_batches.Book(leader.state["scope"], leader.state["feedType"])
    time.sleep(0.15)
    assert book._seal(book.ns.get(f"batch:{leader.state['batch']}"), leader.state["member"])
    # the leader's checks are lost for good: only the other member looks
    outputs, errors = _drive(sandbox.credentials, [member], timeout=10)
    assert outputs == [] and len(errors) == 1
    message = errors[0][1]["message"]
    assert "no answer from its leader" in message and leader.state["batch"] in message
    assert "no submission id was recorded" in message
    assert _submits(sandbox) == []


def _doc(n: int):
    from amazon_mws.feeds.build import build_feed

    [doc] = build_feed("updateItem", _stock(n).body, "M_EXAMPLE")
    return doc


def test_copies_of_one_message_joining_at_once_are_one_member_of_one_batch():
    """A client retrying and a broker delivering twice: copies of the same message race to join; the feed
    must hold its records once (twice would be two refunds in one feed)."""
    doc = _doc(1)
    for round_ in range(10):
        book = feed_batches.Book(f"test-scope-{round_}", doc.feed_type)
        member = feed_batches.member_name("stock-1", doc.xml)
        start = threading.Barrier(6)
        joined: list[str] = []

        def copy(n: int, book=book, member=member, start=start, joined=joined) -> None:
            start.wait()
            if n % 2:  # other messages joining meanwhile
                book.join(feed_batches.member_name(f"other-{n}", doc.xml), doc, 0.5)
            else:
                joined.append(book.join(member, doc, 0.5)["key"])

        threads = [threading.Thread(target=copy, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        holding = [k for k, r in book.ns.load().items() if k.startswith("batch:") and member in r["members"]]
        assert len(set(joined)) == 1 and holding == [f"batch:{joined[0]}"]
        assert book.ns.get(holding[0])["members"].count(member) == 1


def test_a_worker_whose_clock_says_the_window_is_over_still_joins_the_batch_its_message_claimed():
    doc = _doc(1)
    member = feed_batches.member_name("stock-1", doc.xml)
    now = time.time()
    first = feed_batches.Book("test-skew", doc.feed_type, clock=lambda: now)
    record = first.join(member, doc, 1.0)
    first.ns.put(f"batch:{record['key']}", {**record, "members": []})  # the first copy died before adding it
    ahead = feed_batches.Book("test-skew", doc.feed_type, clock=lambda: now + 30)  # a clock 30 s ahead
    again = ahead.join(member, doc, 1.0)
    assert again["key"] == record["key"] and again["members"] == [member]  # not a second batch
    behind = feed_batches.Book("test-skew", doc.feed_type, clock=lambda: now)
    assert behind.join(member, doc, 1.0)["key"] == record["key"]


def test_a_member_sealing_a_batch_another_member_just_sealed_steps_back():
    """Two members' polls on two workers read the open batch at once; the second to seal finds the first
    one's seal (CI once saw it crash on a document whose body the first seal had let go)."""
    doc = _doc(1)
    book = feed_batches.Book("test-two-sealers", doc.feed_type)
    first, second = (feed_batches.member_name(f"stock-{n}", doc.xml) for n in (1, 2))
    book.join(first, doc, 0.05)
    record = book.join(second, doc, 0.05)
    time.sleep(0.1)
    assert book._seal(record, first)
    assert book._seal(record, second) is False  # what it read is stale: it steps back, nothing raised
    sealed = book.ns.get(f"batch:{record['key']}")
    assert sealed["state"] == feed_batches.SEALED and sealed["leader"] == first
    assert [k for k in book.ns.load() if k.startswith("feed:")] == [sealed["feed"]]  # one merged feed kept
