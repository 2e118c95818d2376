"""The Feeds API section (2009-01-01): SubmitFeed, the submission list, cancel, and results.

A feed is `_SUBMITTED_`, then `_IN_PROGRESS_` after a quarter of the processing time, then `_DONE_`
(sandbox clock; the time is `feed_processing_seconds` times the time scale). Its processing report is
computed once, the first time anyone needs it, and kept with the feed's raw bytes for tests to read.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from amazon_mws.core.feeds import FEED_STATUSES
from amazon_mws.mws.signing import content_md5
from amazon_mws.sandbox.clock import iso_offset
from amazon_mws.sandbox.cursors import Cursor, Cursors
from amazon_mws.sandbox.errors import SandboxError, invalid, missing
from amazon_mws.sandbox.feed_report import Outcome, check_feed, render_report
from amazon_mws.sandbox.params import bounded_int, date_param, enumerated, one_of

FEED_TYPE = re.compile(r"^_[A-Z0-9_]+_$")


@dataclass
class Feed:
    id: str
    feed_type: str
    submitted: datetime
    body: bytes
    content_type: str
    params: dict[str, str]
    seller: str
    cancelled: bool = False
    outcome: Outcome | None = None
    report: bytes | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class FeedsApi:
    def __init__(
        self,
        cursors: Cursors,
        marketplace_id: str,
        processing_seconds: float,
        xsd_dir: str | Path | None = None,
        on_processed: Callable[[Feed, Outcome], None] | None = None,
    ) -> None:
        if processing_seconds < 0:
            raise ValueError(f"feed_processing_seconds must be >= 0, got {processing_seconds}")
        self.cursors = cursors
        self.marketplace_id = marketplace_id
        self.processing = timedelta(seconds=processing_seconds)
        self.xsd_dir = xsd_dir
        self.on_processed = on_processed
        self.feeds: dict[str, Feed] = {}
        self._lock = threading.RLock()
        self._ids = itertools.count(50_001_018_547, 1000)

    # lifecycle ----------------------------------------------------------------------------------------

    def status(self, feed: Feed, now: datetime) -> str:
        if feed.cancelled:
            return "_CANCELLED_"
        if now >= feed.submitted + self.processing:
            return "_DONE_"
        if now >= feed.submitted + self.processing / 4:
            return "_IN_PROGRESS_"
        return "_SUBMITTED_"

    def info(self, feed: Feed, now: datetime) -> dict[str, Any]:
        status = self.status(feed, now)
        info: dict[str, Any] = {
            "FeedSubmissionId": feed.id,
            "FeedType": feed.feed_type,
            "SubmittedDate": iso_offset(feed.submitted),
            "FeedProcessingStatus": status,
        }
        if status in ("_IN_PROGRESS_", "_DONE_"):
            info["StartedProcessingDate"] = iso_offset(feed.submitted + self.processing / 4)
        if status == "_DONE_":
            self.report(feed)  # processing finished: its effects and report exist from now on
            info["CompletedProcessingDate"] = iso_offset(feed.submitted + self.processing)
        return info

    def report(self, feed: Feed) -> bytes:
        """The processing report, computed on first use (XSD validation can take a moment)."""
        with feed.lock:
            if feed.report is None:
                outcome = check_feed(feed.feed_type, feed.body, self.xsd_dir)
                if self.on_processed is not None:
                    self.on_processed(feed, outcome)  # may add results (e.g. 18021) before the report
                feed.outcome = outcome
                feed.report = render_report(outcome, feed.id, feed.seller)
            return feed.report

    def public(self, now: datetime) -> dict[str, dict[str, Any]]:
        with self._lock:
            feeds = list(self.feeds.values())
        return {
            f.id: {
                **self.info(f, now),
                "body": f.body,
                "content_type": f.content_type,
                "params": dict(f.params),
                "report": f.report,
            }
            for f in feeds
        }

    # operations ---------------------------------------------------------------------------------------

    def handle(
        self,
        action: str,
        p: Mapping[str, str],
        now: datetime,
        *,
        seller: str,
        body: bytes,
        headers: Mapping[str, str],
    ) -> list[tuple[str, Any]] | bytes:
        if action == "SubmitFeed":
            return self._submit(p, now, seller, body, headers)
        if action == "GetFeedSubmissionResult":
            return self._result(p, now, seller)
        if action == "GetFeedSubmissionListByNextToken":
            cursor, offset = self.cursors.resume(p.get("NextToken"), "feeds")
            return self._list_page(cursor, offset, now)
        if action == "GetFeedSubmissionList":
            return self._list(p, now, seller)
        if action == "GetFeedSubmissionCount":
            return [("Count", len(self._select(p, now, seller, use_ids=False)))]
        if action == "CancelFeedSubmissions":
            return self._cancel(p, now, seller)
        raise SandboxError("InvalidAddress", f"The action {action} is not valid for the Feeds API.")

    def _submit(
        self, p: Mapping[str, str], now: datetime, seller: str, body: bytes, headers: Mapping[str, str]
    ) -> list[tuple[str, Any]]:
        feed_type = p.get("FeedType")
        if not feed_type:
            raise missing("FeedType")
        if not FEED_TYPE.match(feed_type):
            raise SandboxError("InvalidFeedType", f"FeedType {feed_type} is not a valid feed type.")
        for market in enumerated(p, "MarketplaceIdList.Id"):
            if market != self.marketplace_id:
                raise invalid(
                    f"Invalid MarketplaceIdList.Id value {market}: the seller is not registered in it."
                )
        if p.get("PurgeAndReplace", "false") not in ("true", "false"):
            raise invalid(
                f"Value {p['PurgeAndReplace']} for parameter PurgeAndReplace is invalid. Use true or false."
            )
        if not body:
            raise invalid("The feed content (request body) is empty.")
        given = [v for v in (p.get("ContentMD5Value"), headers.get("content-md5")) if v]
        if not given:
            raise SandboxError(
                "ContentMD5Missing",
                "the Content-MD5 HTTP header you passed for your feed was empty. "
                "Send ContentMD5Value or Content-MD5.",
            )
        actual = content_md5(body)
        if any(v.strip() != actual for v in given):
            raise SandboxError(
                "ContentMD5DoesNotMatch",
                "the Content-MD5 HTTP header you passed for your feed "
                "did not match the Content-MD5 we calculated for your feed",
            )
        with self._lock:
            feed = Feed(
                str(next(self._ids)),
                feed_type,
                now,
                body,
                headers.get("content-type", "text/xml"),
                dict(p),
                seller,
            )
            feed.params.pop("Signature", None)
            self.feeds[feed.id] = feed
        return [("FeedSubmissionInfo", self.info(feed, now))]

    def _select(self, p: Mapping[str, str], now: datetime, seller: str, use_ids: bool) -> list[Feed]:
        ids = enumerated(p, "FeedSubmissionIdList.Id") if use_ids else []
        if len(ids) > 100:
            raise invalid("FeedSubmissionIdList.Id accepts at most 100 values.")
        with self._lock:
            feeds = [f for f in self.feeds.values() if f.seller == seller]
        if ids:  # Amazon: with an id list, the other filters are ignored
            wanted = set(ids)
            return [f for f in feeds if f.id in wanted]
        types = enumerated(p, "FeedTypeList.Type")
        statuses = enumerated(p, "FeedProcessingStatusList.Status")
        one_of(statuses, FEED_STATUSES, "FeedProcessingStatusList.Status")
        start = date_param(p, "SubmittedFromDate") or now - timedelta(days=90)
        end = date_param(p, "SubmittedToDate") or now
        if start > end:
            raise invalid("SubmittedFromDate cannot be after SubmittedToDate.")
        return [
            f
            for f in feeds
            if start <= f.submitted <= end
            and (not types or f.feed_type in types)
            and (not statuses or self.status(f, now) in statuses)
        ]

    def _list(self, p: Mapping[str, str], now: datetime, seller: str) -> list[tuple[str, Any]]:
        max_count = bounded_int(p, "MaxCount", 1, 100, 10)
        feeds = self._select(p, now, seller, use_ids=True)
        feeds.sort(key=lambda f: (f.submitted, int(f.id)), reverse=True)
        if enumerated(p, "FeedSubmissionIdList.Id"):
            max_count = 100
        return self._list_page(Cursor("feeds", feeds, max_count), 0, now)

    def _list_page(self, cursor: Cursor, offset: int, now: datetime) -> list[tuple[str, Any]]:
        rows, token = self.cursors.page(cursor, offset)
        result: list[tuple[str, Any]] = [("NextToken", token), ("HasNext", token is not None)]
        return result + [("FeedSubmissionInfo", self.info(f, now)) for f in rows]

    def _cancel(self, p: Mapping[str, str], now: datetime, seller: str) -> list[tuple[str, Any]]:
        feeds = self._select(p, now, seller, use_ids=True)
        if p.get("FeedSubmissionId"):
            feeds = [f for f in feeds if f.id == p["FeedSubmissionId"]]
        cancelled = []
        with self._lock:
            for feed in feeds:
                if self.status(feed, now) == "_SUBMITTED_":  # only feeds not yet in processing
                    feed.cancelled = True
                    cancelled.append(feed)
        return [("Count", len(cancelled))] + [("FeedSubmissionInfo", self.info(f, now)) for f in cancelled]

    def _result(self, p: Mapping[str, str], now: datetime, seller: str) -> bytes:
        fid = p.get("FeedSubmissionId")
        if not fid:
            raise missing("FeedSubmissionId")
        with self._lock:
            feed = self.feeds.get(fid)
        if feed is None or feed.seller != seller:
            raise SandboxError("InvalidFeedSubmissionId", f"FeedSubmissionId {fid} is invalid or unknown.")
        status = self.status(feed, now)
        if status == "_CANCELLED_":
            raise SandboxError("FeedCanceled", f"Feed Submission {fid} was cancelled.")
        if status != "_DONE_":
            raise SandboxError(
                "FeedProcessingResultNotReady",
                f"Feed Submission Result is not ready for Feed Submission Id: {fid}",
            )
        return self.report(feed)
