"""Feed batches shared by workers: the feed outbox of flows (and `run_step` tasks) on Celery.

Why: on Celery every message is its own task, on whichever worker is free, so the one-process outbox
(steps/feed_outbox.py: threads of one runner meeting in memory) never sees two of them. 100 stock updates
pushed by an ERP were 100 feeds; at SubmitFeed's quota (15 at once, then one per 2 minutes, 30 an hour)
that is hours, and Amazon asks for few feeds of a type. Here they meet in the shared state store (Redis on
workers) and go as one feed.

How (one namespace per seller, feed type and marketplace; every write is one compare-and-set, so any
worker may die between any two of them):

1. **Join** (the step task, `join`): the message's document is built and validated as always (a bad one
   gets its own error and joins nothing), kept as `doc:<member>` (its claim: which batch it is for),
   then added to the open batch (`batch:<key>`, pointed at by `open`) unless it is past its window or
   would outgrow its kind's size guidance (steps/feed_kinds.py), in which case the message opens a new
   one. The member's name is its message id and its document's digest, so a redelivered or retried task,
   or a copy running at the same moment, finds the batch claimed before instead of joining a second: a
   member goes only into the batch its claim names, and is claimed anew only when that batch was sealed
   without it (never because one worker's clock says its window is over). The task then hands a `Wait`
   on this module's `poll` to the worker (`runtime.waits`) and ends: no worker sleeps through the window.
2. **Seal** (the first member's poll after the window, whichever worker runs it): the members' documents
   are merged into one feed (records renumbered 1..n, each remembering its message and own number), kept
   under a fresh key, and the batch turns `sealed` naming that feed and this member as its *leader*, in one
   compare-and-set: a message that joins after it is in the next batch, never in no batch.
3. **Submit and check** (the leader's polls only): `feeds.intents.submit_once` with the batch as its input,
   so a leader killed around SubmitFeed is continued (reconciled with Amazon), never resent blindly; then
   one status check per round until Amazon is done, and the report is stored in the batch.
4. **Answer** (every member's poll, the leader's too): the feed's id and status and the report of its own
   records only (`feed_outbox.split_report`), as the step would have emitted it inline. What sank the batch
   (a feed Amazon refused, a check past its cap) is every member's error entry.

A member whose leader went silent (its checks lost with a broker and never re-sent by the sweep) gives up
after the check cap plus the in-flight stale time (`FEED_INFLIGHT_STALE_SECONDS`: the longest a submit may
wait for SubmitFeed's quota), with an error that names the batch and its feed. Batches and documents are
kept as long as feed intents are (two days), then pruned by the next batch opened.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amazon_mws.backends import feeds_api
from amazon_mws.core.errors import MwsError
from amazon_mws.feeds import intents, job
from amazon_mws.feeds.errors import FeedCheckTimeout
from amazon_mws.runtime.emitter import error_info
from amazon_mws.runtime.state import StateNamespace, StateStore
from amazon_mws.runtime.waits import PollRound, Wait
from amazon_mws.steps.feed_kinds import KINDS, Kind, StoredFeed, kind_of
from amazon_mws.steps.feed_outbox import KEEP_SECONDS, split_report

log = logging.getLogger(__name__)

POLLER = "amazon_mws.steps.feed_batches:poll"
NAMESPACE = "feed-batches:"
OPEN, SEALED = "open", "sealed"
MARGIN = 0.05  # seconds past a window's end before its members look, so the last join has landed


class FeedBatchError(Exception):
    """A member cannot be answered: what sank its batch (a feed Amazon refused, a check past its cap: that
    error's type and message), its record is gone, or its leader went silent. `info` is its error entry."""

    def __init__(self, message: str, kind: str = "FeedBatchError") -> None:
        super().__init__(message)
        self.info = {"type": kind, "message": message}


def member_name(message_id: str, body: bytes) -> str:
    """A message in a batch: its id and its document's digest (the same id with another body is another
    member; a redelivery of the same is the same)."""
    return f"{message_id}:{hashlib.sha256(body).hexdigest()[:16]}"


def scope_of(api: Any, feed_type: str) -> str:
    """Whose batch: the seller (partner and app on SP-API), the feed type and the marketplace the feed is
    submitted to (two flows of one seller for two marketplaces never share a feed)."""
    credentials = getattr(getattr(api, "conn", None), "credentials", None)
    return f"{api.account}:{feed_type}:{getattr(credentials, 'marketplace_id', '') or ''}"


@dataclass(frozen=True)
class Timing:
    """How long members wait between looks, and how long for a silent leader (seconds)."""

    check_delay: float
    give_up_after: float

    @classmethod
    def from_env(cls) -> Timing:
        checks = job.CheckSettings.from_env()
        return cls(checks.delay_seconds, checks.max_seconds + intents.IntentSettings.from_env().stale_seconds)


class Book:
    """The batches of one scope in the shared state store."""

    def __init__(self, scope: str, feed_type: str, store: StateStore | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.scope, self.feed_type, self.clock = scope, feed_type, clock
        self.ns: StateNamespace = (store or intents.intent_store()).namespace(NAMESPACE + scope)

    # -- joining (the step task) ------------------------------------------------------------------------

    def join(self, member: str, doc: Any, window: float, body: bytes | None = None) -> dict[str, Any]:
        """The batch record this member is in: the one it joined before (a rerun, or a copy of this task
        running at the same time), else the open one, else a new one. Never two: a member is added to a
        batch only while its claim (`doc:<member>`, set by compare-and-set) names that batch, and is
        claimed for another only once its batch was sealed without it. ``body``: the document's bytes, when
        the caller has them already (a FeedDocument makes them anew at each ``xml``)."""
        kind = kind_of(doc)
        if kind is None:
            raise TypeError(f"doc: a {type(doc).__name__} cannot join a feed batch")
        body, count = doc.xml if body is None else body, doc.message_count
        while True:
            claim = self.ns.get(f"doc:{member}")
            if claim is not None:
                record = self.ns.get(f"batch:{claim['batch']}")
                if record is not None and member in record["members"]:
                    return record
                # past its window by this worker's clock is no reason to leave it: another worker's clock
                # may still say open, and a batch is closed only by its seal (or by being full: that,
                # every copy of this task sees alike)
                if record is not None and self._takes(record, kind, count, len(body), window_open=True):
                    joined = self._add(record, member, count, len(body))
                    if joined is not None:
                        return joined
                    continue
            target = self._open_batch(kind, count, len(body), window)  # its claim's batch went without it
            kept = {"batch": target["key"], "body": body.decode("utf-8"), "count": count}
            if self.ns.compare_and_set(f"doc:{member}", claim, kept):
                joined = self._add(target, member, count, len(body))
                if joined is not None:
                    return joined

    def _open_batch(self, kind: Kind, count: int, size: int, window: float) -> dict[str, Any]:
        """The open batch that can take this document, or a new one (empty) made the open one."""
        while True:
            key = self.ns.get("open")
            record = self.ns.get(f"batch:{key}") if key else None
            if record is not None and self._takes(record, kind, count, size):
                return record
            fresh = {"key": uuid.uuid4().hex, "kind": kind.name, "feedType": self.feed_type, "state": OPEN,
                     "openedAt": self.clock(), "window": float(window), "members": [], "records": 0, "size": 0}
            self.ns.put(f"batch:{fresh['key']}", fresh)
            if self.ns.compare_and_set("open", key, fresh["key"]):
                log.info("feed batch %s opened (%s) for %.1f s", fresh["key"], self.feed_type, window)
                self._prune()
                return fresh
            self.ns.forget([f"batch:{fresh['key']}"])  # another message opened one first: take that

    def _add(self, record: dict[str, Any], member: str, count: int, size: int) -> dict[str, Any] | None:
        """The batch with this member in it; None when the batch changed first (look again)."""
        if member in record["members"]:
            return record
        joined = {**record, "members": [*record["members"], member], "records": record["records"] + count,
                  "size": record["size"] + size}
        return joined if self.ns.compare_and_set(f"batch:{record['key']}", record, joined) else None

    def _takes(self, record: dict[str, Any], kind: Kind, records: int, size: int, *,
               window_open: bool | None = None) -> bool:
        """Whether the batch can take this document: not sealed, of its kind, in its window (`window_open`
        says so instead of this worker's clock) and with room (a lone document always fits)."""
        if window_open is None:
            window_open = self.clock() < record["openedAt"] + record["window"]
        return (record["state"] == OPEN and record["kind"] == kind.name and window_open
                and (not record["members"] or (record["records"] + records <= kind.max_records
                                               and record["size"] + size <= kind.max_bytes - 1024)))

    def wait_for(self, record: dict[str, Any], member: str) -> Wait:
        """The member's wait: first look just after its batch's window."""
        delay = record["openedAt"] + record["window"] - self.clock() + MARGIN
        state = {"scope": self.scope, "feedType": self.feed_type, "batch": record["key"], "member": member}
        return Wait(state=state, delay=max(delay, MARGIN), poller=POLLER)

    # -- one look (a member's poll) ---------------------------------------------------------------------

    def look(self, api: Any, key: str, member: str, timing: Timing) -> dict[str, Any] | float:
        """The member's output when its batch is done, else seconds until it should look again (raises
        what sank the batch)."""
        while True:
            record = self.ns.get(f"batch:{key}")
            if record is None:
                raise FeedBatchError(f"feed batch {key} ({self.feed_type}): its record is gone (pruned after "
                                     "two days, or the state store was emptied); message not answered")
            if record.get("error"):
                raise FeedBatchError(f"feed batch {key}: {record['error']['message']}", record["error"]["type"])
            if record.get("output"):
                return self._answer(record, member)
            now = self.clock()
            if record["state"] == OPEN:
                due = record["openedAt"] + record["window"]
                if now < due:
                    return due - now + MARGIN
                self._seal(record, member)
                continue
            if record["leader"] != member:
                if now - record["sealedAt"] > timing.give_up_after:
                    feed = (record.get("job") or {}).get("feedSubmissionId")
                    where = (f"its feed {feed}: getFeedSubmissionResult picks it up" if feed else
                             f"no submission id was recorded (the feed intent of input batch:{key} says if it went)")
                    raise FeedBatchError(f"feed batch {key} ({self.feed_type}): no answer from its leader for "
                                         f"{now - record['sealedAt']:.0f} s; {where}")
                return timing.check_delay
            delay = self._lead(api, record)
            if delay is not None:
                return delay

    def _seal(self, record: dict[str, Any], member: str) -> bool:
        """Close the batch with its members as they are now, this member leading it; False if another
        member (or a late joiner) changed it first."""
        kind = KINDS[record["kind"]]
        docs = []
        for name in record["members"]:
            kept = self.ns.get(f"doc:{name}")
            if not kept or "body" not in kept:  # another member sealed it meanwhile (and let the bodies go)
                return False
            docs.append((name, kind.load(self.feed_type, kept["body"].encode("utf-8"))))
        stored, records = kind.merge(self.feed_type, docs)
        feed_key = f"feed:{record['key']}:{uuid.uuid4().hex[:8]}"
        self.ns.put(feed_key, {"body": stored.xml.decode("utf-8"), "count": stored.message_count,
                               "records": records})
        sealed = {**record, "state": SEALED, "leader": member, "sealedAt": self.clock(), "feed": feed_key}
        if not self.ns.compare_and_set(f"batch:{record['key']}", record, sealed):
            self.ns.forget([feed_key])
            return False
        self.ns.compare_and_set("open", record["key"], None)
        for name in record["members"]:  # the merged feed holds them now
            self.ns.put(f"doc:{name}", {"batch": record["key"]})
        log.info("feed batch %s sealed: %d messages, %d records in one %s feed", record["key"],
                 len(record["members"]), stored.message_count, self.feed_type)
        return True

    def _lead(self, api: Any, record: dict[str, Any]) -> float | None:
        """The leader's round: submit once, or check once; seconds to the next round, or None when the
        batch's outcome is stored."""
        try:
            if record.get("job") is None:
                feed = self.ns.get(record["feed"])
                stored = StoredFeed(self.feed_type, feed["body"].encode("utf-8"), int(feed["count"]))
                state = intents.submit_once(api, stored, [f"batch:{record['key']}"])
                log.info("feed batch %s submitted as %s", record["key"], state["feedSubmissionId"])
            else:
                state = job.check(api, record["job"])
            if not state["done"]:
                self._update(record["key"], job=state)
                return float(state["delaySeconds"])
            self._update(record["key"], job=state, output=job.finish(api, state))
        except (MwsError, FeedCheckTimeout, ValueError) as exc:  # the batch's outcome: every member's error
            self._update(record["key"], error=error_info(exc))
        return None

    def _update(self, key: str, **changes: Any) -> None:
        while True:
            current = self.ns.get(f"batch:{key}")
            if current is None or self.ns.compare_and_set(f"batch:{key}", current, {**current, **changes}):
                return

    def _answer(self, record: dict[str, Any], member: str) -> dict[str, Any]:
        out = record["output"]
        records = self.ns.get(record["feed"])["records"]
        return {**out, "processingReport": split_report(out["processingReport"], records, member)}

    def _prune(self) -> None:
        """Forget batches (their feeds, their members' records) older than feed intents are kept."""
        cutoff = self.clock() - KEEP_SECONDS
        state = self.ns.load()
        old = {k.split(":")[1] for k, r in state.items()
               if k.startswith("batch:") and float(r.get("openedAt") or 0) < cutoff}
        if old:
            self.ns.forget([k for k, r in state.items()
                            if (k.startswith(("batch:", "feed:")) and k.split(":")[1] in old)
                            or (k.startswith("doc:") and r.get("batch") in old)])
            log.info("feed batches: %d older than %.0f s forgotten", len(old), KEEP_SECONDS)


def join(api: Any, doc: Any, message_id: str, window: float) -> Wait:
    """Put this message's document in its scope's batch; the wait that answers it (steps/feed_actions)."""
    book = Book(scope_of(api, doc.feed_type), doc.feed_type)
    body = doc.xml
    member = member_name(message_id, body)
    record = book.join(member, doc, window, body)
    return book.wait_for(record, member)


def poll(cfg: dict[str, Any], states: list[dict[str, Any]]) -> PollRound:
    """One look per member: its output once its batch is done, an error entry if the batch sank, else
    another wait (the leader's round submits or checks the batch's feed)."""
    api = feeds_api(cfg)
    timing = Timing.from_env()
    result = PollRound()
    for state in states:
        book = Book(state["scope"], state["feedType"])
        try:
            answer = book.look(api, state["batch"], state["member"], timing)
        except FeedBatchError as exc:
            result.errors.append(exc.info)
            continue
        if isinstance(answer, dict):
            result.outputs.append(answer)
        else:
            result.pending.append(Wait(state=state, delay=answer, poller=POLLER))
    return result
