"""The Feeds 2009-01-01 section: SubmitFeed, GetFeedSubmissionList (+ByNextToken), Count, Cancel and
GetFeedSubmissionResult (with its Content-MD5 check), returning typed JSON.

A feed submission is an asynchronous job (submit, poll the list until `_DONE_`, fetch the result);
the polling schedule belongs to the caller (a Celery re-check, not a sleeping worker), so this module
only offers the single calls. `FeedsApi` is the MWS `FeedsBackend` (core/backend.py).
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from amazon_mws.core.errors import TransportError
from amazon_mws.core.feeds import FEED_STATUSES, FeedResult, FeedSubmissionListPage
from amazon_mws.core.paging import walk_pages
from amazon_mws.core.params import str_list
from amazon_mws.core.reports import parse_processing_report
from amazon_mws.core.xml import XmlError
from amazon_mws.mws.connection import MwsConnection, MwsResponse
from amazon_mws.mws.params import ParamValue
from amazon_mws.mws.signing import content_md5

RESULT_DOWNLOADS = 4  # the first download plus up to three re-downloads on a Content-MD5 mismatch


def _list_page(resp: MwsResponse, action: str) -> FeedSubmissionListPage:
    result = resp.result(action, "FeedSubmissionListResult")
    return FeedSubmissionListPage(
        infos=result.get("FeedSubmissionInfo", []),
        has_next=bool(result.get("HasNext") is True),
        next_token=(result.get("NextToken") or None) if result.get("HasNext") is True else None,
        request_id=resp.request_id,
    )


def _statuses(statuses: list[str] | None) -> list[str] | None:
    items = str_list(statuses, field="statuses")
    for s in items or ():
        if s not in FEED_STATUSES:
            raise ValueError(
                f"statuses: unknown feed processing status {s!r} (one of {', '.join(FEED_STATUSES)})"
            )
    return items


def _filters(feed_types: list[str] | None, statuses: list[str] | None) -> dict[str, Any]:
    return {
        "FeedTypeList.Type": str_list(feed_types, field="feed_types"),
        "FeedProcessingStatusList.Status": _statuses(statuses),
    }


class FeedsApi:
    section = "Feeds"

    def __init__(self, conn: MwsConnection) -> None:
        self.conn = conn

    @property
    def account(self) -> str:
        """Whose feeds these are (a feed id is unique only per seller): the key of its submission intents."""
        return f"mws-{self.conn.credentials.seller_id}"

    def submit_feed(
        self,
        feed: bytes,
        feed_type: str,
        *,
        marketplace_ids: list[str] | None = None,
        purge_and_replace: bool = False,
        content_type: str = "text/xml",
    ) -> dict[str, Any]:
        """SubmitFeed; returns the typed FeedSubmissionInfo (`_SUBMITTED_`). The body's MD5 travels as
        the signed ContentMD5Value parameter."""
        if not isinstance(feed, (bytes, bytearray)) or not feed:
            raise ValueError("feed: must be non-empty bytes")
        if not isinstance(feed_type, str) or not feed_type.strip():
            raise ValueError("feed_type: is required (e.g. _POST_ORDER_ACKNOWLEDGEMENT_DATA_)")
        markets = str_list(marketplace_ids, field="marketplace_ids") or [self.conn.credentials.marketplace_id]
        params: dict[str, ParamValue] = {
            "FeedType": feed_type.strip(),
            "MarketplaceIdList.Id": markets,
            "PurgeAndReplace": bool(purge_and_replace),
        }
        resp = self.conn.call(
            self.section, "SubmitFeed", params, body=bytes(feed), content_type=content_type, idempotent=False
        )
        info = resp.result("SubmitFeed").get("FeedSubmissionInfo")
        if not info:
            raise TransportError("SubmitFeed: reply has no FeedSubmissionInfo", request_id=resp.request_id)
        return info

    def get_feed_submission_list(
        self,
        ids: list[str] | None = None,
        *,
        max_count: int | None = None,
        feed_types: list[str] | None = None,
        statuses: list[str] | None = None,
    ) -> FeedSubmissionListPage:
        if max_count is not None and (
            isinstance(max_count, bool) or not isinstance(max_count, int) or not 1 <= max_count <= 100
        ):
            raise ValueError(f"max_count: must be an integer from 1 to 100, got {max_count!r}")
        params = {
            "FeedSubmissionIdList.Id": str_list(ids, field="ids", max_items=100),
            "MaxCount": max_count,
            **_filters(feed_types, statuses),
        }
        return _list_page(
            self.conn.call(self.section, "GetFeedSubmissionList", params), "GetFeedSubmissionList"
        )

    def submissions_since(self, feed_type: str, since: datetime) -> list[dict[str, Any]]:
        """Every submission of `feed_type` since `since` (GetFeedSubmissionList, then its next pages): what
        a submit whose reply was lost is reconciled against (feeds/intents.py)."""
        params: dict[str, ParamValue] = {"FeedTypeList.Type": [feed_type.strip()], "SubmittedFromDate": since,
                                         "MaxCount": 100}

        def first() -> FeedSubmissionListPage:
            return _list_page(self.conn.call(self.section, "GetFeedSubmissionList", params), "GetFeedSubmissionList")

        pages = walk_pages(first, self.get_feed_submission_list_by_next_token, what="GetFeedSubmissionList")
        return [info for page in pages for info in page.infos]

    def get_feed_submission_list_by_next_token(self, token: str) -> FeedSubmissionListPage:
        if not isinstance(token, str) or not token.strip():
            raise ValueError("next_token: must be a non-empty string")
        resp = self.conn.call(self.section, "GetFeedSubmissionListByNextToken", {"NextToken": token})
        return _list_page(resp, "GetFeedSubmissionListByNextToken")

    def get_feed_submission_count(
        self, *, feed_types: list[str] | None = None, statuses: list[str] | None = None
    ) -> int:
        resp = self.conn.call(self.section, "GetFeedSubmissionCount", _filters(feed_types, statuses))
        count = resp.result("GetFeedSubmissionCount").get("Count")
        if not isinstance(count, int):
            raise TransportError(
                f"GetFeedSubmissionCount: Count is not an integer ({count!r})", request_id=resp.request_id
            )
        return count

    def cancel_feed_submissions(
        self, ids: list[str] | None = None, *, feed_types: list[str] | None = None
    ) -> dict[str, Any]:
        """`{"Count": int, "FeedSubmissionInfo": [...]}`: only submissions not yet processed cancel."""
        params = {
            "FeedSubmissionIdList.Id": str_list(ids, field="ids", max_items=100),
            "FeedTypeList.Type": str_list(feed_types, field="feed_types"),
        }
        result = self.conn.call(self.section, "CancelFeedSubmissions", params).result("CancelFeedSubmissions")
        result.setdefault("FeedSubmissionInfo", [])
        result.setdefault("Count", len(result["FeedSubmissionInfo"]))
        return result

    def get_feed_submission_result(self, feed_submission_id: str) -> FeedResult:
        """Download the processing report, check its Content-MD5 (re-downloading up to three times on
        a mismatch, as Amazon advises) and parse it. Raises NotReady before `_DONE_`."""
        if not isinstance(feed_submission_id, str) or not feed_submission_id.strip():
            raise ValueError("feed_submission_id: is required")
        params = {"FeedSubmissionId": feed_submission_id.strip()}
        for _ in range(RESULT_DOWNLOADS):
            resp = self.conn.call(self.section, "GetFeedSubmissionResult", params, parse=False)
            expected = resp.headers.get("Content-MD5")
            if expected and not hmac.compare_digest(expected.strip(), content_md5(resp.raw)):
                continue
            try:
                report = parse_processing_report(resp.raw)
            except XmlError:
                if resp.raw.lstrip()[:1] == b"<":
                    raise TransportError(
                        "GetFeedSubmissionResult: unreadable processing report", request_id=resp.request_id
                    ) from None
                report = {}  # a flat-file feed's tab-separated report: kept raw
            return FeedResult(raw=resp.raw, report=report, request_id=resp.request_id)
        raise TransportError(
            f"GetFeedSubmissionResult: Content-MD5 mismatch on {RESULT_DOWNLOADS} downloads of feed "
            f"submission {feed_submission_id}",
            code="ContentMD5Mismatch",
        )
