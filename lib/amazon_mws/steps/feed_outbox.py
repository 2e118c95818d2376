"""The feed outbox: messages for the same (account, feed type) gather into one feed.

Why: every message was its own feed. 10,000 stock updates arriving as 100 updateItem messages made 100
SubmitFeed calls, and SubmitFeed allows 15 at once, then one per 2 minutes (and 30 an hour): over 3 hours
at Amazon. Gathered, they are one feed, sent in seconds.

How, in one process (a runtime `Gathering`: the CLI's `run ACTION --message FILE.jsonl`): each message is
built and validated on its own (a bad one gets its own error and stops no other), then joins the open
batch of its account and feed type. Two document kinds gather (steps/feed_kinds.py: each says its size
guidance and how to merge): the XML feeds (`FeedDocument`) and, on SP-API, the listings actions'
JSON_LISTINGS_FEED (`ListingsDocument`). The first message to open a batch leads it: it waits up to the
window (`FEED_BATCH_SECONDS`) or until the batch reaches its kind's size guidance (XML: 30,000 records,
10 MB; JSON listings: 25,000 messages, 10 MiB), then

1. seals it durably in the state store before anything is sent: each message id is claimed for the batch
   (a message already sealed into an earlier batch, a rerun's, goes on with that one instead), and the
   batch's feed (the messages' records renumbered 1..n, and which message each record came from) is kept;
2. submits it exactly once (`feeds.intents`, the batch as the input), waits for the report;
3. answers every message with the feed's id and status and the report of its own records only (its
   results, numbered as in its own input, and its own counts): errors stay data, per message. Both
   kinds' reports arrive in the MWS `processingReport` shape, so one split serves both.

A rerun of the same input finds its messages' batches and continues their submissions: the same feed ids,
no second feed.

On Celery, where each message is its own task on any worker, the batches live in the shared state store
instead (steps/feed_batches.py); the size guidance, the merge and the split are these same ones.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from amazon_mws.feeds import intents, job
from amazon_mws.runtime.batching import Gathering
from amazon_mws.steps.feed_kinds import Kind, Records, StoredFeed, kind_of

KEEP_SECONDS = 2 * 86400.0  # sealed batches are kept as long as intents are


@dataclass
class _Member:
    message_id: str
    doc: Any  # a document of `kind`
    done: threading.Event = field(default_factory=threading.Event)
    output: dict[str, Any] | None = None
    error: BaseException | None = None


@dataclass
class _Batch:
    kind: Kind
    members: list[_Member] = field(default_factory=list)
    records: int = 0
    size: int = 0
    closed: bool = False

    def fits(self, doc: Any, size: int) -> bool:
        return not self.closed and (not self.members or (
            self.records + doc.message_count <= self.kind.max_records
            and self.size + size <= self.kind.max_bytes - 1024))


def split_report(report: dict[str, Any] | None, records: Records, message_id: str) -> dict[str, Any] | None:
    """The report of one message's own records: its results (MessageIDs as in its own input; results
    about the whole feed, MessageID 0, go to every message) and its own counts."""
    if report is None:
        return None
    own = {n: local for n, (mid, local) in enumerate(records, start=1) if mid == message_id}
    results = []
    for result in report.get("results") or []:
        number = result.get("messageId")
        if number in own:
            results.append({**result, "messageId": own[number]})
        elif not number:
            results.append(dict(result))
    failed = {r["messageId"] for r in results if r.get("resultCode") == "Error" and r["messageId"]}
    warned = {r["messageId"] for r in results if r.get("resultCode") == "Warning" and r["messageId"]}
    processed = len(own) if report.get("messagesProcessed") else 0
    return {**report, "messagesProcessed": processed, "messagesSuccessful": max(0, processed - len(failed)),
            "messagesWithError": len(failed), "messagesWithWarning": len(warned), "results": results}


class Outbox:
    """The open batches of one process, by (account, feed type)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[tuple[str, str], _Batch] = {}

    @staticmethod
    def gathers(doc: Any) -> bool:
        """Whether a built document can join a batch (an XML feed, a JSON listings feed)."""
        return kind_of(doc) is not None

    def send(self, api: Any, doc: Any, message_id: str, gathering: Gathering,
             sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
        """This message's output, once its batch's feed is done (raises what sank the batch)."""
        kind = kind_of(doc)
        if kind is None:
            raise TypeError(f"doc: a {type(doc).__name__} cannot join the feed outbox")
        key = (str(api.account), doc.feed_type)
        member = _Member(message_id, doc)
        size = len(doc.xml)
        with self._lock:
            current = self._open.get(key)
            leads = current is None or not current.fits(doc, size)
            if current is not None and leads:
                current.closed = True  # full: its leader sends it now
            batch = _Batch(kind) if leads or current is None else current
            self._open[key] = batch
            batch.members.append(member)
            batch.records += doc.message_count
            batch.size += size
        gathering.settle()  # joined: the leader need not wait for this message any more
        if leads:
            self._lead(api, key, batch, gathering, sleep)
        member.done.wait()
        if member.error is not None:
            raise member.error
        assert member.output is not None
        return member.output

    def _lead(self, api: Any, key: tuple[str, str], batch: _Batch, gathering: Gathering,
              sleep: Callable[[float], None]) -> None:
        deadline = time.monotonic() + gathering.window
        while not batch.closed and not gathering.complete() and time.monotonic() < deadline:
            gathering.wait(min(0.05, deadline - time.monotonic()))
        with self._lock:
            batch.closed = True
            if self._open.get(key) is batch:
                del self._open[key]
        try:
            for sealed in Sealer(api, key[1], batch.kind).seal(batch.members):
                self._finish(api, sealed, sleep)
        except BaseException as exc:
            for member in batch.members:
                if not member.done.is_set():
                    member.error = exc
                    member.done.set()

    @staticmethod
    def _finish(api: Any, sealed: Sealed, sleep: Callable[[float], None]) -> None:
        stored, records, members = sealed.feed, sealed.records, sealed.members
        try:
            state = intents.submit_once(api, stored, [f"batch:{sealed.key}"])
            out = job.wait_and_finish(api, state, sleep=sleep)
        except BaseException as exc:
            for member in members:
                member.error = exc
                member.done.set()
            return
        for member in members:
            member.output = {**out, "processingReport": split_report(out["processingReport"], records,
                                                                      member.message_id)}
            member.done.set()


@dataclass
class Sealed:
    """A batch as stored: its key (the feed intent's input), feed, records, and the members it answers."""

    key: str
    feed: StoredFeed
    records: Records
    members: list[_Member]


class Sealer:
    """Batches sealed in the state store: `msg:<id>` -> batch key, `batch:<key>` -> its feed and records."""

    def __init__(self, api: Any, feed_type: str, kind: Kind) -> None:
        self.ns = intents.intent_store().namespace(f"feed-outbox:{api.account}:{feed_type}")
        self.feed_type, self.kind = feed_type, kind

    def seal(self, members: list[_Member]) -> list[Sealed]:
        """This batch, sealed, and the earlier batches some of these messages were already sealed into (a
        rerun's: they go on with those)."""
        key = uuid.uuid4().hex
        fresh: list[_Member] = []
        earlier: dict[str, list[_Member]] = {}
        for member in members:
            owner = self._claim(f"msg:{member.message_id}", key)
            if owner == key:
                fresh.append(member)
            else:
                earlier.setdefault(owner, []).append(member)
        out = []
        if fresh:
            stored, records = self.kind.merge(self.feed_type, [(m.message_id, m.doc) for m in fresh])
            # "xml": the feed's text, whatever its format (the key sealed batches have always had)
            self.ns.merge({f"batch:{key}": {"xml": stored.xml.decode("utf-8"), "records": records,
                                            "count": stored.message_count, "createdAt": time.time()}})
            out.append(Sealed(key, stored, records, fresh))
            self._prune()
        for old, rerun in earlier.items():
            record = self.ns.load()[f"batch:{old}"]
            stored = StoredFeed(self.feed_type, record["xml"].encode("utf-8"), int(record["count"]))
            out.append(Sealed(old, stored, record["records"], rerun))
        return out

    def _claim(self, slot: str, key: str) -> str:
        """The batch that has this message: ours if it had none. A message claimed for a batch that was
        never stored (its sealer died between the two writes) is taken over after a grace period."""
        deadline = time.monotonic() + 2.0
        while True:
            if self.ns.compare_and_set(slot, None, key):
                return key
            state = self.ns.load()
            owner = state.get(slot)
            if owner is None:
                continue
            if f"batch:{owner}" in state:
                return str(owner)
            if time.monotonic() > deadline and self.ns.compare_and_set(slot, owner, key):
                return key
            time.sleep(0.05)

    def _prune(self) -> None:
        cutoff = time.time() - KEEP_SECONDS
        state = self.ns.load()
        for key, record in state.items():
            if key.startswith("batch:") and float(record.get("createdAt") or 0) < cutoff:
                batch_key = key[len("batch:"):]
                for slot, value in state.items():
                    if slot.startswith("msg:") and value == batch_key:
                        self.ns.compare_and_set(slot, value, None)
                self.ns.compare_and_set(key, record, None)


OUTBOX = Outbox()
