"""What a feeds backend returns: the MWS vocabulary every backend answers in.

A feed submission is an asynchronous job (submit, check, fetch the result); `feeds.job` drives it through
any `FeedsBackend` (core/backend.py). SP-API's Feeds 2021-06-30 reports its statuses and submissions in
these MWS shapes too (`FeedSubmissionInfo` keys, `_DONE_`), so a flow that checks `status == "_DONE_"`
runs on both backends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FEED_STATUSES = (
    "_SUBMITTED_",
    "_IN_PROGRESS_",
    "_DONE_",
    "_CANCELLED_",
    "_AWAITING_ASYNCHRONOUS_REPLY_",
    "_IN_SAFETY_NET_",
    "_UNCONFIRMED_",
)
# The feed type of Amazon's JSON listings feed: built by feeds.listings, sent as JSON by SP-API.
JSON_LISTINGS_FEED = "JSON_LISTINGS_FEED"


@dataclass
class FeedSubmissionListPage:
    infos: list[dict[str, Any]]
    has_next: bool
    next_token: str | None
    request_id: str | None = None


@dataclass
class FeedResult:
    raw: bytes
    report: dict[str, Any]  # parse_processing_report's shape; {} for a non-XML (flat-file) report
    request_id: str | None = None
