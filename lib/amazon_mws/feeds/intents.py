"""Exactly one feed at Amazon per submission, whatever fails on the way.

SubmitFeed (MWS) and createFeed (SP-API) are not idempotent: every send that reaches Amazon is one more
feed, and one adjustOrder sent twice is two refunds. So a submission here goes:

1. Its *intent* (account, feed type, the content's MD5, the input message ids, the time) is written to the
   runtime's state store before anything is sent. The intent's key is a digest of all but the time, so a
   re-run of the same step for the same input (a redelivered Celery task, a retried flow step, a CLI rerun
   of a message that carries its id) finds it and continues with its submission instead of sending again.
2. One submission in flight per account and feed type: the intent claims that slot before it sends and
   frees it once Amazon's submission id is recorded. While it holds the slot no other submission of ours
   of that type can be of unknown outcome, so the match in step 4 is unambiguous.
3. Send, once: the transport never retries these calls (`idempotent=False`); the id Amazon returns is
   recorded at once.
4. Outcome unknown (no reply, a cut, late or garbled one, a 5xx, or a crash before the id was recorded):
   reconcile first. Every submission of that feed type since the first send (less Amazon's tolerated
   clock skew) is listed (`submissions_since`); one whose id no intent of ours records is this one. Only
   when Amazon has none is the feed sent again, after the transport's usual backoff.

A holder that died keeps its slot until it is stale (`FEED_INFLIGHT_STALE_SECONDS`, default two hours:
longer than a send may wait in the limiter for SubmitFeed's quota, whose hourly cap can hold it up to an
hour); then the next submitter reconciles on its behalf (records the id it finds) and takes the slot.
What this cannot see: another program submitting the same feed type for the same seller at the same time
(a match would be ambiguous: reported as an error, never resolved by sending again).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from amazon_mws.core.errors import BACKOFF_SECONDS, MwsError, ServerError, TransportError
from amazon_mws.core.quotas import time_scale_from_env
from amazon_mws.feeds import job
from amazon_mws.runtime.settings import env_number
from amazon_mws.runtime.state import StateNamespace, StateStore

log = logging.getLogger(__name__)

INTENT_PREFIX = "feed-intents:"  # namespaces feed-intents:<account>:<feed type>
SLOT = "inFlight"
CLOCK_SKEW = timedelta(minutes=15)  # Amazon refuses a request whose clock is further off than this
UNKNOWN_OUTCOME = (TransportError, ServerError)  # Amazon may have accepted it: reconcile, never resend


class SplitSubmissionError(Exception):
    """A later feed of a split input failed: the message names every submission made before it, so none
    is lost from sight (a rerun of the same input continues those instead of sending them again)."""

    def __init__(self, position: int, total: int, feed_type: str, submitted: list[str], cause: BaseException):
        self.submitted = submitted
        super().__init__(
            f"feed {position} of {total} ({feed_type}) failed: {cause}; submitted before it: "
            f"{', '.join(submitted)} (a rerun of this input continues them, it does not send them again)")


class AmbiguousSubmission(MwsError):
    """More than one unrecorded submission of the feed type since the intent: which one is ours cannot be
    told, and sending again could make a third. A person decides (the ids are in the message)."""

    default_code = "AmbiguousFeedSubmission"


@dataclass(frozen=True)
class IntentSettings:
    stale_seconds: float = 7200.0  # a slot held longer than this (no id yet) belongs to a dead holder
    keep_seconds: float = 2 * 86400.0  # intents are kept this long: past any redelivery, rerun or check cap
    wait_seconds: float = 0.5  # how often a submitter looks at a slot another one holds
    resends: int = len(BACKOFF_SECONDS)  # sends after the first, each after a reconciliation found none
    backoff_scale: float = 1.0

    @classmethod
    def from_env(cls) -> IntentSettings:
        seconds = env_number("FEED_INFLIGHT_STALE_SECONDS", cls.stale_seconds, minimum=0.1)
        return cls(stale_seconds=seconds, wait_seconds=min(0.5, seconds / 10), backoff_scale=time_scale_from_env())


def content_md5(body: bytes) -> str:
    return hashlib.md5(body).hexdigest()  # noqa: S324 - an identity, as Amazon's Content-MD5 is


def intent_key(account: str, feed_type: str, md5: str, message_ids: Iterable[str]) -> str:
    raw = json.dumps([account, feed_type, md5, sorted(str(m) for m in message_ids)])
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


_STORES: dict[tuple[str | None, ...], StateStore] = {}


def intent_store() -> StateStore:
    """The process's store for intents: the runtime's (Redis on Celery, SQLite in one process), one per
    configuration so every submission in this process shares its connection."""
    from amazon_mws.runtime.state import state_store_from_env

    where = tuple(os.environ.get(k) for k in ("REDIS_URL", "AMAZON_MWS_STATE_PREFIX", "AMAZON_MWS_STATE_PATH"))
    if where not in _STORES:
        _STORES[where] = state_store_from_env()
    return _STORES[where]


def _iso(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, timezone.utc)


class Document(Protocol):
    """What a submission reads of a feed: a FeedDocument, a ListingsDocument, a sealed outbox batch."""

    feed_type: str

    @property
    def xml(self) -> bytes: ...

    @property
    def message_count(self) -> int: ...


class Submission:
    """One document's way to exactly one feed. `run()` returns the job's first state (`feeds.job`)."""

    def __init__(
        self,
        api: Any,
        doc: Document,
        message_ids: Iterable[str],
        *,
        marketplace_ids: list[str] | None = None,
        settings: IntentSettings | None = None,
        store: StateStore | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api, self.doc, self.marketplace_ids = api, doc, marketplace_ids
        self.settings = settings or IntentSettings.from_env()
        self.sleep, self.clock = sleep, clock
        self.body = doc.xml
        self.account = str(api.account)
        md5 = content_md5(self.body)
        self.key = intent_key(self.account, doc.feed_type, md5, message_ids)
        self.owner = uuid.uuid4().hex
        self.ns: StateNamespace = (store or intent_store()).namespace(f"{INTENT_PREFIX}{self.account}:{doc.feed_type}")
        self.fresh: dict[str, Any] = {
            "key": self.key, "feedType": doc.feed_type, "contentMd5": md5,
            "messageIds": sorted(str(m) for m in message_ids), "createdAt": clock(),
            "attempts": 0, "sentAt": None, "feedSubmissionId": None}

    # -- the records ------------------------------------------------------------------------------------

    def _intent(self) -> dict[str, Any]:
        """This input's intent, written now if it is new (before anything can be sent)."""
        if self.ns.compare_and_set(self.key, None, self.fresh):
            log.info("feed intent %s stored (%s, %d input messages)", self.key, self.doc.feed_type,
                     len(self.fresh["messageIds"]))
            self._prune()
        return self.ns.load()[self.key]

    def _prune(self) -> None:
        """Forget intents older than `keep_seconds` (their feeds are long finished or given up)."""
        cutoff = self.clock() - self.settings.keep_seconds
        for key, record in self.ns.load().items():
            if key != SLOT and float(record.get("createdAt") or 0) < cutoff:
                self.ns.compare_and_set(key, record, None)

    def _update(self, key: str, **changes: Any) -> dict[str, Any]:
        while True:
            current = self.ns.load().get(key)
            if current is None:
                raise LookupError(f"feed intent {key} vanished")
            if self.ns.compare_and_set(key, current, {**current, **changes}):
                return {**current, **changes}

    def _recorded_ids(self) -> set[str]:
        return {str(r["feedSubmissionId"]) for k, r in self.ns.load().items()
                if k != SLOT and isinstance(r, dict) and r.get("feedSubmissionId")}

    # -- the slot -----------------------------------------------------------------------------------------

    def _claim(self) -> None:
        """Hold the account's slot for this feed type, waiting for (or reconciling for) another holder."""
        mine = {"intent": self.key, "owner": self.owner}
        while True:
            slot = self.ns.load().get(SLOT)
            if slot is None:
                if self.ns.compare_and_set(SLOT, None, {**mine, "since": self.clock()}):
                    return
                continue
            holder = self.ns.load().get(slot["intent"])
            if holder is None or holder.get("feedSubmissionId"):  # the holder is through: its slot is free
                self.ns.compare_and_set(SLOT, slot, None)
                continue
            if self.clock() - float(holder.get("sentAt") or slot["since"]) > self.settings.stale_seconds:
                log.warning("feed intent %s: its holder went silent; reconciling for it", slot["intent"])
                self._settle(holder)
                self.ns.compare_and_set(SLOT, slot, None)
                continue
            self.sleep(self.settings.wait_seconds)

    def _release(self) -> None:
        slot = self.ns.load().get(SLOT)
        if slot is not None and slot.get("owner") == self.owner:
            self.ns.compare_and_set(SLOT, slot, None)

    # -- Amazon -------------------------------------------------------------------------------------------

    def _match(self, intent: dict[str, Any]) -> str | None:
        """The submission id Amazon has for an intent sent before with no id recorded, or None."""
        since = _iso(float(intent["sentAt"])) - CLOCK_SKEW
        known = self._recorded_ids()
        found = [i for i in self.api.submissions_since(intent["feedType"], since)
                 if str(i.get("FeedSubmissionId")) not in known]
        if len(found) > 1:
            ids = ", ".join(sorted(str(i["FeedSubmissionId"]) for i in found))
            raise AmbiguousSubmission(
                f"feed intent {intent['key']} ({intent['feedType']}): Amazon has {len(found)} submissions "
                f"this component did not record since {since:%Y-%m-%dT%H:%M:%SZ} ({ids}); one is probably "
                "this input's. Nothing was sent again: check them, then run getFeedSubmissionResult")
        return str(found[0]["FeedSubmissionId"]) if found else None

    def _settle(self, intent: dict[str, Any]) -> dict[str, Any]:
        """An intent sent before: record the submission Amazon has for it, or say it has none."""
        if not intent.get("sentAt") or intent.get("feedSubmissionId"):
            return intent
        found = self._match(intent)
        if found is not None:
            log.warning("feed intent %s: Amazon has it as %s (its reply had not reached us)", intent["key"], found)
            return self._update(intent["key"], feedSubmissionId=found)
        log.warning("feed intent %s: Amazon has no submission for it; it may be sent again", intent["key"])
        return intent

    def _send(self) -> dict[str, Any]:
        """Send until Amazon has the feed: each failure of unknown outcome is reconciled before resending."""
        for attempt in range(self.settings.resends + 1):
            intent = self._settle(self.ns.load()[self.key])
            if intent.get("feedSubmissionId"):
                return {"FeedSubmissionId": intent["feedSubmissionId"], "FeedType": self.doc.feed_type}
            self._update(self.key, sentAt=intent.get("sentAt") or self.clock(), attempts=intent["attempts"] + 1)
            try:
                info = self.api.submit_feed(self.body, self.doc.feed_type, marketplace_ids=self.marketplace_ids)
            except UNKNOWN_OUTCOME as exc:
                if attempt == self.settings.resends:
                    raise
                log.warning("feed intent %s: outcome of send %d unknown (%s); reconciling", self.key,
                            attempt + 1, exc.code)
                self.sleep(BACKOFF_SECONDS[attempt] * self.settings.backoff_scale)
                continue
            except (MwsError, ValueError):  # refused by Amazon (nothing made) or bad input: a rerun may send
                self._update(self.key, sentAt=None)
                raise
            self._update(self.key, feedSubmissionId=str(info["FeedSubmissionId"]))
            return info
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def run(self, settings: job.CheckSettings | None = None) -> dict[str, Any]:
        intent = self._intent()
        if intent.get("feedSubmissionId"):
            log.info("feed intent %s: submitted before as %s; continuing with it", self.key,
                     intent["feedSubmissionId"])
            info = {"FeedSubmissionId": intent["feedSubmissionId"], "FeedType": self.doc.feed_type}
        else:
            self._claim()
            try:
                info = self._send()
            finally:
                self._release()
        state = job.new_state(info["FeedSubmissionId"], info.get("FeedType") or self.doc.feed_type,
                              str(info.get("FeedProcessingStatus") or "_SUBMITTED_"),
                              settings or job.CheckSettings.from_env(), now=self.clock())
        state["messages"] = self.doc.message_count
        state["intent"] = self.key
        return state


def submit_once(
    api: Any, doc: Document, message_ids: Iterable[str], *, checks: job.CheckSettings | None = None,
    **options: Any,
) -> dict[str, Any]:
    """`feeds.job.start` with the exactly-once guarantee: the job's first state for this input's feed."""
    return Submission(api, doc, message_ids, **options).run(checks)


def submit_all(
    api: Any, docs: Sequence[Document], message_ids: Iterable[str], **options: Any
) -> Iterator[dict[str, Any]]:
    """Each document's first job state, submitted one after the other as the caller asks for them; when one
    fails after others went, the error names the ones that went (SplitSubmissionError)."""
    ids = list(message_ids)
    submitted: list[str] = []
    for position, doc in enumerate(docs, start=1):
        try:
            state = submit_once(api, doc, ids, **options)
        except Exception as exc:
            if not submitted:
                raise
            raise SplitSubmissionError(position, len(docs), doc.feed_type, submitted, exc) from exc
        submitted.append(state["feedSubmissionId"])
        yield state
