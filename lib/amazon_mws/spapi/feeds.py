"""Feeds 2021-06-30 as a `FeedsBackend` (core/backend.py: submit_feed, get_feed_submission_list,
get_feed_submission_result), so `feeds.job`'s state machine, Celery re-checks and caps run on SP-API.

One submission is: createFeedDocument (declare the content type) -> PUT the bytes to the returned URL with
exactly that content type -> createFeed -> getFeed until DONE / CANCELLED / FATAL -> getFeedDocument on the
result document -> download, gunzip when Amazon says GZIP -> the processing report, parsed into the MWS
output shape: Amazon's XML ProcessingReport for the order feeds, the JSON listings processing report
(`report_from_listings`) for JSON_LISTINGS_FEED.

Vocabulary: SP-API's feed types are MWS's without the underscores (`_POST_ORDER_FULFILLMENT_DATA_` ->
`POST_ORDER_FULFILLMENT_DATA`), and its statuses map onto MWS's (IN_QUEUE -> _SUBMITTED_, IN_PROGRESS ->
_IN_PROGRESS_, DONE -> _DONE_, CANCELLED -> _CANCELLED_, FATAL -> _FATAL_), so a flow that checks
`status == "_DONE_"` works on both backends.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from typing import Any
from urllib.parse import quote

from amazon_mws.core.errors import TransportError
from amazon_mws.core.feeds import JSON_LISTINGS_FEED, FeedResult, FeedSubmissionListPage
from amazon_mws.core.paging import walk_pages
from amazon_mws.core.params import iso8601, str_list
from amazon_mws.core.reports import parse_processing_report
from amazon_mws.core.xml import XmlError
from amazon_mws.spapi.connection import SpConnection

FEEDS = "/feeds/2021-06-30"
STATUS_TO_MWS = {
    "IN_QUEUE": "_SUBMITTED_",
    "IN_PROGRESS": "_IN_PROGRESS_",
    "DONE": "_DONE_",
    "CANCELLED": "_CANCELLED_",
    "FATAL": "_FATAL_",
}
XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
JSON_CONTENT_TYPE = "application/json; charset=UTF-8"


def sp_feed_type(feed_type: str) -> str:
    """`_POST_ORDER_FULFILLMENT_DATA_` -> `POST_ORDER_FULFILLMENT_DATA`; SP-API names pass unchanged."""
    if not isinstance(feed_type, str) or not feed_type.strip("_ "):
        raise ValueError(f"feed_type: {feed_type!r} is not a feed type")
    return feed_type.strip().strip("_")


def content_type_for(feed_type: str, body: bytes) -> str:
    return JSON_CONTENT_TYPE if feed_type == JSON_LISTINGS_FEED or body.lstrip()[:1] in (b"{", b"[") else (
        XML_CONTENT_TYPE)


def feed_info(feed: dict[str, Any]) -> dict[str, Any]:
    """A getFeed reply in the MWS FeedSubmissionInfo shape (the job reads these keys)."""
    info = {
        "FeedSubmissionId": str(feed.get("feedId", "")),
        "FeedType": feed.get("feedType", ""),
        "FeedProcessingStatus": STATUS_TO_MWS.get(str(feed.get("processingStatus")), "_SUBMITTED_"),
        "SubmittedDate": feed.get("createdTime"),
        "StartedProcessingDate": feed.get("processingStartTime"),
        "CompletedProcessingDate": feed.get("processingEndTime"),
        "ResultFeedDocumentId": feed.get("resultFeedDocumentId"),
    }
    return {k: v for k, v in info.items() if v is not None}


class SpFeedsApi:
    def __init__(self, conn: SpConnection) -> None:
        self.conn = conn

    @property
    def account(self) -> str:
        """Whose feeds these are (partner and application): the key of its submission intents."""
        return self.conn.account

    # -- SP-API's own calls -----------------------------------------------------------------------------

    def create_feed_document(self, content_type: str) -> dict[str, Any]:
        resp = self.conn.request("createFeedDocument", "POST", f"{FEEDS}/documents", body={"contentType": content_type})
        return resp.data or {}

    def create_feed(self, feed_type: str, document_id: str, marketplace_ids: list[str],
                    options: dict[str, str] | None = None) -> str:
        body: dict[str, Any] = {"feedType": feed_type, "marketplaceIds": marketplace_ids,
                                "inputFeedDocumentId": document_id}
        if options:
            body["feedOptions"] = options
        resp = self.conn.request("createFeed", "POST", f"{FEEDS}/feeds", body=body, idempotent=False)
        return str((resp.data or {})["feedId"])

    def submissions_since(self, feed_type: str, since: datetime) -> list[dict[str, Any]]:
        """Every feed of `feed_type` created since `since` (getFeeds and its next pages), in the MWS
        FeedSubmissionInfo shape: what a createFeed whose reply was lost is reconciled against."""
        def page(params: dict[str, Any]) -> FeedSubmissionListPage:
            data = self.conn.request("getFeeds", "GET", f"{FEEDS}/feeds", params=params).data or {}
            token = data.get("nextToken") or None
            return FeedSubmissionListPage([feed_info(f) for f in data.get("feeds") or []], bool(token), token)

        first = {"feedTypes": sp_feed_type(feed_type), "createdSince": iso8601(since), "pageSize": 100}
        pages = walk_pages(lambda: page(first), lambda token: page({"nextToken": token}), what="getFeeds")
        return [info for p in pages for info in p.infos]

    def get_feed(self, feed_id: str) -> dict[str, Any]:
        return self.conn.request("getFeed", "GET", f"{FEEDS}/feeds/{quote(feed_id, safe='')}").data or {}

    def cancel_feed(self, feed_id: str) -> None:
        self.conn.request("cancelFeed", "DELETE", f"{FEEDS}/feeds/{quote(feed_id, safe='')}")

    def get_feed_document(self, document_id: str) -> dict[str, Any]:
        path = f"{FEEDS}/documents/{quote(document_id, safe='')}"
        return self.conn.request("getFeedDocument", "GET", path).data or {}

    def download(self, document: dict[str, Any]) -> bytes:
        """A result document's bytes, decompressed when Amazon says so."""
        raw = self.conn.transfer("GET", str(document["url"]), what="getFeedDocument download")
        algorithm = document.get("compressionAlgorithm")
        if algorithm == "GZIP":
            try:
                return gzip.decompress(raw)
            except (OSError, EOFError):
                raise TransportError("the result document is not valid GZIP") from None
        if algorithm:
            raise TransportError(f"the result document uses {algorithm}, which this client cannot read")
        return raw

    # -- the FeedsBackend feeds.job drives ------------------------------------------------------------------

    def submit_feed(
        self,
        body: bytes,
        feed_type: str,
        *,
        marketplace_ids: list[str] | None = None,
        content_type: str | None = None,
        feed_options: dict[str, str] | None = None,
        **_ignored: Any,
    ) -> dict[str, Any]:
        """createFeedDocument, upload, createFeed: the only requests that change anything at Amazon."""
        if not body:
            raise ValueError("body: the feed is empty")
        kind = sp_feed_type(feed_type)
        ctype = content_type or content_type_for(kind, body)
        markets = str_list(marketplace_ids, field="marketplace_ids") or [self.conn.credentials.marketplace_id]
        document = self.create_feed_document(ctype)
        self.conn.transfer("PUT", str(document["url"]), data=body, content_type=ctype, what="feed document upload")
        feed_id = self.create_feed(kind, str(document["feedDocumentId"]), markets, feed_options)
        return {"FeedSubmissionId": feed_id, "FeedType": kind, "FeedProcessingStatus": "_SUBMITTED_"}

    def get_feed_submission_list(self, ids: list[str] | None = None, **_ignored: Any) -> FeedSubmissionListPage:
        """One getFeed per id (SP-API's getFeeds lists by type, at one request per 45 s)."""
        wanted = str_list(ids, field="ids", max_items=100) or []
        if not wanted:
            raise ValueError("ids: SP-API checks feeds by id; give at least one feed id")
        infos = [feed_info(self.get_feed(feed_id)) for feed_id in wanted]
        return FeedSubmissionListPage(infos=infos, has_next=False, next_token=None)

    def get_feed_submission_result(self, feed_submission_id: str) -> FeedResult:
        feed = self.get_feed(feed_submission_id)
        document_id = feed.get("resultFeedDocumentId")
        if not document_id:
            raise TransportError(f"feed {feed_submission_id} ({feed.get('processingStatus')}) has no result document")
        raw = self.download(self.get_feed_document(str(document_id)))
        return FeedResult(raw=raw, report=parse_report(raw, feed_submission_id))


def parse_report(raw: bytes, feed_id: str = "") -> dict[str, Any]:
    """Either report format into the feed actions' `processingReport` shape."""
    text = raw.lstrip()
    if text[:1] == b"{":
        try:
            return report_from_listings(json.loads(raw.decode("utf-8")))
        except (UnicodeDecodeError, ValueError):
            raise TransportError(f"feed {feed_id}: the JSON processing report is unreadable") from None
    try:
        return parse_processing_report(raw)
    except XmlError:
        raise TransportError(f"feed {feed_id}: the processing report is unreadable") from None


def report_from_listings(report: dict[str, Any]) -> dict[str, Any]:
    """Amazon's JSON listings processing report in the feed actions' `processingReport` shape."""
    summary = report.get("summary") or {}
    issues = report.get("issues") or []
    errors = {i.get("messageId") for i in issues if i.get("severity") == "ERROR"}
    warned = {i.get("messageId") for i in issues if i.get("severity") == "WARNING"} - errors
    results = []
    for issue in issues:
        code = str(issue.get("code", ""))
        info = {"SKU": issue["sku"]} if issue.get("sku") else {}
        if issue.get("attributeName") or issue.get("attributeNames"):
            info["attributeNames"] = issue.get("attributeNames") or [issue["attributeName"]]
        results.append({
            "messageId": issue.get("messageId"),
            "resultCode": "Error" if issue.get("severity") == "ERROR" else "Warning",
            "resultMessageCode": int(code) if code.isdigit() else code,
            "resultDescription": issue.get("message", ""),
            "additionalInfo": info,
        })
    processed = int(summary.get("messagesProcessed") or 0)
    return {
        "documentTransactionId": str((report.get("header") or {}).get("feedId", "")),
        "statusCode": "Complete",
        "messagesProcessed": processed,
        "messagesSuccessful": int(summary.get("messagesAccepted", processed - len(errors))),
        "messagesWithError": int(summary.get("messagesInvalid", len(errors))),
        "messagesWithWarning": len(warned),
        "results": results,
    }
