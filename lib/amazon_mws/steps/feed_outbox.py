"""The feed outbox: messages for the same (account, feed type) gather into one feed.

Why: every message was its own feed. 10,000 stock updates arriving as 100 updateItem messages made 100
SubmitFeed calls, and SubmitFeed allows 15 at once, then one per 2 minutes (and 30 an hour): over 3 hours
at Amazon. Gathered, they are one feed, sent in seconds.

How, in one process (a runtime `Gathering`: the CLI's `run ACTION --message FILE.jsonl`): each message is
built and validated on its own (a bad one gets its own error and stops no other), then joins the open
batch of its account and feed type. The first message to open a batch leads it: it waits up to the
window (`FEED_BATCH_SECONDS`) or until the batch reaches Amazon's size guidance (30,000 records, 10 MB),
then

1. seals it durably in the state store before anything is sent: each message id is claimed for the batch
   (a message already sealed into an earlier batch, a rerun's, goes on with that one instead), and the
   batch's feed (the messages' records renumbered 1..n, and which message each record came from) is kept;
2. submits it exactly once (`feeds.intents`, the batch as the input), waits for the report;
3. answers every message with the feed's id and status and the report of its own records only (its
   results, numbered as in its own input, and its own counts): errors stay data, per message.

A rerun of the same input finds its messages' batches and continues their submissions: the same feed ids,
no second feed.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from amazon_mws.feeds import intents, job
from amazon_mws.feeds.envelope import MAX_FEED_BYTES, MAX_FEED_MESSAGES, FeedDocument
from amazon_mws.runtime.batching import Gathering

KEEP_SECONDS = 2 * 86400.0  # sealed batches are kept as long as intents are


@dataclass
class StoredFeed:
    """A sealed batch's feed as it was first built: the exact bytes, so a rerun sends (or finds) the same."""

    feed_type: str
    xml: bytes
    message_count: int


@dataclass
class _Member:
    message_id: str
    doc: FeedDocument
    done: threading.Event = field(default_factory=threading.Event)
    output: dict[str, Any] | None = None
    error: BaseException | None = None


@dataclass
class _Batch:
    members: list[_Member] = field(default_factory=list)
    records: int = 0
    size: int = 0
    closed: bool = False

    def fits(self, doc: FeedDocument, size: int) -> bool:
        return not self.closed and (not self.members or (
            self.records + doc.message_count <= MAX_FEED_MESSAGES and self.size + size <= MAX_FEED_BYTES - 1024))


def merge(feed_type: str, docs: list[tuple[str, FeedDocument]]) -> tuple[StoredFeed, list[list[Any]]]:
    """One feed from each message's validated document: the Message elements renumbered 1..n in order,
    and for each new MessageID the [message id, its MessageID in that message's own document]."""
    root = copy.deepcopy(docs[0][1].root)
    for message in root.findall("Message"):
        root.remove(message)
    records: list[list[Any]] = []
    for message_id, doc in docs:
        for message in doc.root.findall("Message"):
            own = int(message.findtext("MessageID") or 0)
            merged = copy.deepcopy(message)
            number = merged.find("MessageID")
            assert number is not None  # every built message has one (feeds/envelope.py)
            number.text = str(len(records) + 1)
            root.append(merged)
            records.append([message_id, own])
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return StoredFeed(feed_type, xml, len(records)), records


def split_report(report: dict[str, Any] | None, records: list[list[Any]], message_id: str) -> dict[str, Any] | None:
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

    def send(self, api: Any, doc: FeedDocument, message_id: str, gathering: Gathering,
             sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
        """This message's output, once its batch's feed is done (raises what sank the batch)."""
        key = (str(api.account), doc.feed_type)
        member = _Member(message_id, doc)
        size = len(doc.xml)
        with self._lock:
            current = self._open.get(key)
            leads = current is None or not current.fits(doc, size)
            if current is not None and leads:
                current.closed = True  # full: its leader sends it now
            batch = _Batch() if leads or current is None else current
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
            for sealed in Sealer(api, key[1]).seal(batch.members):
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
    records: list[list[Any]]
    members: list[_Member]


class Sealer:
    """Batches sealed in the state store: `msg:<id>` -> batch key, `batch:<key>` -> its feed and records."""

    def __init__(self, api: Any, feed_type: str) -> None:
        self.ns = intents.intent_store().namespace(f"feed-outbox:{api.account}:{feed_type}")
        self.feed_type = feed_type

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
            stored, records = merge(self.feed_type, [(m.message_id, m.doc) for m in fresh])
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
