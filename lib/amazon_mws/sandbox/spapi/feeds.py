"""Feeds 2021-06-30 in the sandbox: documents at a URL it hosts, the feed lifecycle, processing reports.

createFeedDocument hands out `/sp-documents/{id}?X-Amz-Signature=...` (a stand-in for S3's pre-signed URL:
the signature and the declared content type must match on upload, else S3's 403). createFeed takes the
uploaded document; the feed is IN_QUEUE, IN_PROGRESS after a quarter of the processing time, then DONE
(sandbox clock, the MWS side's processing time). Its report is made once, when first needed, and stored
GZIP-compressed as a result document (getFeedDocument says `compressionAlgorithm: GZIP`):
- XML order feeds (POST_ORDER_ACKNOWLEDGEMENT_DATA, POST_ORDER_FULFILLMENT_DATA, POST_PAYMENT_ADJUSTMENT_DATA):
  the MWS side's checks and effects (feed_report, feed_effects), Amazon's XML ProcessingReport;
- JSON_LISTINGS_FEED: structural checks per message (the listings schema's rules), PATCH/UPDATE/DELETE
  applied to `listings` (sku -> attributes) for tests to read, a JSON report in Amazon's v2 shape;
- the XML/flat-file listings feeds Amazon retired on 2025-07-31 end FATAL, with a report saying why.
"""

from __future__ import annotations

import copy
import gzip
import itertools
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from amazon_mws.sandbox.clock import iso_offset
from amazon_mws.sandbox.feed_effects import apply_feed
from amazon_mws.sandbox.feed_report import check_feed, render_report
from amazon_mws.sandbox.spapi.auth import SpRefusal
from amazon_mws.sandbox.wire import Reply, Request

XML_ORDER_FEEDS = ("POST_ORDER_ACKNOWLEDGEMENT_DATA", "POST_ORDER_FULFILLMENT_DATA", "POST_PAYMENT_ADJUSTMENT_DATA")
RETIRED_LISTINGS_FEEDS = (
    "POST_PRODUCT_DATA", "POST_INVENTORY_AVAILABILITY_DATA", "POST_PRODUCT_PRICING_DATA",
    "POST_PRODUCT_IMAGE_DATA", "POST_PRODUCT_RELATIONSHIP_DATA", "POST_PRODUCT_OVERRIDES_DATA",
    "POST_FLAT_FILE_LISTINGS_DATA",
)
JSON_LISTINGS = "JSON_LISTINGS_FEED"
OPERATIONS = ("UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE")
PATCH_OPS = ("add", "replace", "merge", "delete")


@dataclass
class Document:
    id: str
    content_type: str
    signature: str
    body: bytes | None = None
    compression: str | None = None
    result: bool = False


@dataclass
class SpFeed:
    id: str
    feed_type: str
    marketplace_ids: list[str]
    created: datetime
    document: Document
    options: dict[str, Any]
    cancelled: bool = False
    fatal: bool = False
    result: Document | None = None
    report: Any = None  # the parsed report, for tests
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class SpFeeds:
    def __init__(self, sandbox: Any) -> None:
        self.sb = sandbox
        self.documents: dict[str, Document] = {}
        self.feeds: dict[str, SpFeed] = {}
        self.listings: dict[str, dict[str, Any]] = {}  # sku -> {"productType", "attributes"}
        self._lock = threading.RLock()
        self._ids = itertools.count(60_001_019_000, 1000)

    # -- documents --------------------------------------------------------------------------------------

    def _new_document(self, content_type: str, *, result: bool = False) -> Document:
        doc = Document("amzn1.tortuga.4.na." + secrets.token_hex(16), content_type, secrets.token_hex(20),
                       result=result)
        with self._lock:
            self.documents[doc.id] = doc
        return doc

    def _url(self, doc: Document) -> str:
        return f"{self.sb.endpoint}/sp-documents/{doc.id}?X-Amz-Signature={doc.signature}"

    def document(self, req: Request) -> Reply:
        """The pre-signed URL: PUT the input document, GET a result document (no SP-API token)."""
        doc_id = req.path[len("/sp-documents/"):]
        with self._lock:
            doc = self.documents.get(doc_id)
        if doc is None or req.params.get("X-Amz-Signature") != doc.signature:
            return _s3_error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match.")
        if req.method == "PUT" and not doc.result:
            if (req.headers.get("content-type") or "") != doc.content_type:
                return _s3_error(403, "SignatureDoesNotMatch",
                                 "The Content-Type does not match the one declared in createFeedDocument.")
            doc.body = req.body
            self.sb._record(Request("PUT", "/sp-documents/", req.host, {}, {}), "uploadFeedDocument", 200, None, None)
            return Reply(200, b"", content_type="application/xml")
        if req.method == "GET" and doc.body is not None:
            return Reply(200, doc.body, content_type=doc.content_type)
        return _s3_error(404 if req.method == "GET" else 405, "NoSuchKey", "The specified key does not exist.")

    # -- operations -------------------------------------------------------------------------------------

    def handle(self, operation: str, req: Request, body: Any, feed_id: str, now: datetime) -> tuple[int, Any]:
        if operation == "createFeedDocument":
            content_type = body.get("contentType") if isinstance(body, dict) else None
            if not isinstance(content_type, str) or not content_type.strip():
                raise SpRefusal(400, "InvalidInput", "contentType is required.")
            doc = self._new_document(content_type)
            return 201, {"feedDocumentId": doc.id, "url": self._url(doc)}
        if operation == "createFeed":
            return 202, {"feedId": self._create(body, now).id}
        if operation == "getFeeds":
            return 200, self._list(req.params, now)
        if operation == "getFeed":
            return 200, self._info(self._feed(feed_id), now)
        if operation == "cancelFeed":
            feed = self._feed(feed_id)
            if self.status(feed, now) != "IN_QUEUE":
                raise SpRefusal(400, "InvalidInput", f"Feed {feed_id} is in processing: it cannot be cancelled.")
            feed.cancelled = True
            return 200, None
        if operation == "getFeedDocument":
            with self._lock:
                result_doc = self.documents.get(feed_id)
            if result_doc is None or not result_doc.result:
                raise SpRefusal(404, "NotFound", f"Feed document {feed_id} was not found.")
            out: dict[str, str] = {"feedDocumentId": result_doc.id, "url": self._url(result_doc)}
            if result_doc.compression:
                out["compressionAlgorithm"] = result_doc.compression
            return 200, out
        raise SpRefusal(404, "NotFound", f"{operation} is not served.")

    def _feed(self, feed_id: str) -> SpFeed:
        with self._lock:
            feed = self.feeds.get(feed_id)
        if feed is None:
            raise SpRefusal(404, "NotFound", f"Feed {feed_id} was not found.")
        return feed

    def _create(self, body: Any, now: datetime) -> SpFeed:
        if not isinstance(body, dict):
            raise SpRefusal(400, "InvalidInput", "The request body must be a CreateFeedSpecification.")
        feed_type, markets, doc_id = body.get("feedType"), body.get("marketplaceIds"), body.get("inputFeedDocumentId")
        if not isinstance(feed_type, str) or not feed_type:
            raise SpRefusal(400, "InvalidInput", "feedType is required.")
        if feed_type not in (JSON_LISTINGS, *XML_ORDER_FEEDS, *RETIRED_LISTINGS_FEEDS):
            raise SpRefusal(400, "InvalidInput", f"Invalid feedType: {feed_type}.")
        if not isinstance(markets, list) or not markets:
            raise SpRefusal(400, "InvalidInput", "marketplaceIds is required.")
        bad = [m for m in markets if m != self.sb.marketplace_id]
        if bad:
            raise SpRefusal(400, "InvalidInput", f"Invalid marketplaceId {bad[0]}: the seller does not sell there.")
        with self._lock:
            doc = self.documents.get(doc_id) if isinstance(doc_id, str) else None
        if doc is None or doc.result:
            raise SpRefusal(400, "InvalidInput", f"inputFeedDocumentId {doc_id!r} is not a feed document.")
        if doc.body is None:
            raise SpRefusal(400, "InvalidInput", f"Feed document {doc_id} has no content: upload it first.")
        feed = SpFeed(str(next(self._ids)), feed_type, list(markets), now, doc, dict(body.get("feedOptions") or {}),
                      fatal=feed_type in RETIRED_LISTINGS_FEEDS)
        with self._lock:
            self.feeds[feed.id] = feed
        return feed

    # -- lifecycle --------------------------------------------------------------------------------------

    def status(self, feed: SpFeed, now: datetime) -> str:
        processing = self.sb.feeds_api.processing
        if feed.cancelled:
            return "CANCELLED"
        if now >= feed.created + processing:
            return "FATAL" if feed.fatal else "DONE"
        if now >= feed.created + processing / 4:
            return "IN_PROGRESS"
        return "IN_QUEUE"

    def _info(self, feed: SpFeed, now: datetime) -> dict[str, Any]:
        status = self.status(feed, now)
        processing = self.sb.feeds_api.processing
        info: dict[str, Any] = {"feedId": feed.id, "feedType": feed.feed_type, "marketplaceIds": feed.marketplace_ids,
                                "createdTime": iso_offset(feed.created), "processingStatus": status}
        if status in ("IN_PROGRESS", "DONE", "FATAL"):
            info["processingStartTime"] = iso_offset(feed.created + processing / 4)
        if status in ("DONE", "FATAL"):
            info["processingEndTime"] = iso_offset(feed.created + processing)
            info["resultFeedDocumentId"] = self._process(feed).id
        return info

    def _list(self, q: dict[str, str], now: datetime) -> dict[str, Any]:
        if q.get("nextToken"):
            from amazon_mws.sandbox.errors import SandboxError

            try:
                cursor, offset = self.sb.cursors.resume(q["nextToken"], "sp-feeds")
            except SandboxError:
                raise SpRefusal(400, "InvalidInput", "Invalid nextToken.") from None
        else:
            from amazon_mws.sandbox.cursors import Cursor

            if not q.get("feedTypes"):
                raise SpRefusal(400, "InvalidInput", "feedTypes is required unless nextToken is given.")
            types = set(q["feedTypes"].split(","))
            statuses = set(filter(None, (q.get("processingStatuses") or "").split(",")))
            try:
                size = int(q.get("pageSize") or 10)
            except ValueError:
                size = 0
            if not 1 <= size <= 100:
                raise SpRefusal(400, "InvalidInput", "pageSize must be from 1 to 100.")
            since, until = _moment(q, "createdSince"), _moment(q, "createdUntil")
            with self._lock:
                rows = [f for f in self.feeds.values() if f.feed_type in types
                        and (not statuses or self.status(f, now) in statuses)
                        and (since is None or f.created >= since) and (until is None or f.created <= until)]
            rows.sort(key=lambda f: (f.created, int(f.id)), reverse=True)
            cursor, offset = Cursor("sp-feeds", rows, size), 0
        rows, token = self.sb.cursors.page(cursor, offset)
        out: dict[str, Any] = {"feeds": [self._info(f, now) for f in rows]}
        if token:
            out["nextToken"] = token
        return out

    # -- processing -------------------------------------------------------------------------------------

    def _process(self, feed: SpFeed) -> Document:
        with feed.lock:
            if feed.result is None:
                seller = self.sb.seller_id
                body = feed.document.body or b""
                report: Any
                if feed.fatal:
                    report = listings_report(seller, feed.id, 0, [{
                        "messageId": 0, "code": "4000003", "severity": "ERROR",
                        "message": f"The {feed.feed_type} feed type is no longer supported; "
                                   "submit listings as JSON_LISTINGS_FEED."}])
                    raw, content_type = json.dumps(report).encode(), "application/json"
                elif feed.feed_type == JSON_LISTINGS:
                    report = self._listings(feed, body, seller)
                    raw, content_type = json.dumps(report).encode(), "application/json"
                else:
                    outcome = check_feed(f"_{feed.feed_type}_", body, self.sb.xsd_dir)
                    apply_feed(self.sb.store, outcome)
                    raw = render_report(outcome, feed.id, seller)
                    report, content_type = raw, "text/xml; charset=UTF-8"
                doc = self._new_document(content_type, result=True)
                doc.body, doc.compression = gzip.compress(raw), "GZIP"
                feed.result, feed.report = doc, report
            return feed.result

    def _listings(self, feed: SpFeed, body: bytes, seller: str) -> dict[str, Any]:
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            return listings_report(seller, feed.id, 0, [{"messageId": 0, "code": "4000001", "severity": "ERROR",
                                                         "message": f"The feed is not valid JSON: {e}"}])
        header = data.get("header") if isinstance(data, dict) else None
        messages = data.get("messages") if isinstance(data, dict) else None
        problems = []
        if not isinstance(header, dict) or header.get("version") != "2.0":
            problems.append("header.version must be \"2.0\"")
        elif header.get("sellerId") != seller:
            problems.append(f"header.sellerId {header.get('sellerId')!r} is not the submitting seller")
        if not isinstance(messages, list) or not messages:
            problems.append("messages must be a non-empty list")
        if problems or not isinstance(messages, list):
            return listings_report(seller, feed.id, 0, [{"messageId": 0, "code": "4000001", "severity": "ERROR",
                                                         "message": p} for p in problems])
        issues: list[dict[str, Any]] = []
        seen: set[int] = set()
        for n, msg in enumerate(messages):
            mid = msg.get("messageId") if isinstance(msg, dict) else None
            sku = msg.get("sku") if isinstance(msg, dict) else None
            problem = _message_problem(msg, seen)
            if problem:
                issues.append({"messageId": mid if isinstance(mid, int) else n + 1, "sku": sku, "code": "4000001",
                               "severity": "ERROR", "message": problem})
                continue
            seen.add(msg["messageId"])
            self._apply_listing(msg)
        return listings_report(seller, feed.id, len(messages), issues)

    def _apply_listing(self, msg: dict[str, Any]) -> None:
        sku, op = msg["sku"], msg["operationType"]
        with self._lock:
            if op == "DELETE":
                self.listings.pop(sku, None)
                return
            listing = self.listings.setdefault(sku, {"productType": msg["productType"], "attributes": {}})
            listing["productType"] = msg["productType"]
            attrs = listing["attributes"]
            if op == "UPDATE":
                listing["attributes"] = copy.deepcopy(msg["attributes"])
            elif op == "PARTIAL_UPDATE":
                attrs.update(copy.deepcopy(msg["attributes"]))
            else:
                for patch in msg["patches"]:
                    name = patch["path"].split("/")[2]
                    if patch["op"] == "delete":
                        attrs.pop(name, None)
                    else:
                        attrs[name] = copy.deepcopy(patch.get("value"))


def _message_problem(msg: Any, seen: set[int]) -> str | None:
    """The first rule of the listings message schema this message breaks, or None."""
    if not isinstance(msg, dict):
        return "a message must be an object"
    mid = msg.get("messageId")
    if not isinstance(mid, int) or isinstance(mid, bool) or mid < 1:
        return "messageId must be an integer >= 1"
    if mid in seen:
        return f"messageId {mid} is used by more than one message"
    if not isinstance(msg.get("sku"), str) or not msg["sku"]:
        return "sku is required"
    op = msg.get("operationType")
    if op not in OPERATIONS:
        return f"operationType must be one of {', '.join(OPERATIONS)}"
    if op != "DELETE" and not msg.get("productType"):
        return f"productType is required for {op}"
    if op in ("UPDATE", "PARTIAL_UPDATE") and not isinstance(msg.get("attributes"), dict):
        return f"attributes are required for {op}"
    if op == "PATCH":
        patches = msg.get("patches")
        if not isinstance(patches, list) or not patches:
            return "patches are required for PATCH"
        for p in patches:
            if not isinstance(p, dict) or p.get("op") not in PATCH_OPS:
                return f"patch op must be one of {', '.join(PATCH_OPS)}"
            if not isinstance(p.get("path"), str) or not p["path"].startswith("/attributes/"):
                return "patch path must start with /attributes/"
            if p["op"] != "delete" and "value" not in p:
                return f"patch {p['op']} needs a value"
    return None


def listings_report(seller: str, feed_id: str, processed: int, issues: list[dict[str, Any]]) -> dict[str, Any]:
    """Amazon's JSON_LISTINGS_FEED processing report (listings-feed-processing-report-schema-v2)."""
    issues = [{k: v for k, v in i.items() if v is not None} for i in issues]
    invalid = {i["messageId"] for i in issues if i["severity"] == "ERROR" and i.get("messageId")}
    return {
        "header": {"sellerId": seller, "version": "2.0", "feedId": feed_id},
        "issues": issues,
        "summary": {
            "errors": sum(1 for i in issues if i["severity"] == "ERROR"),
            "warnings": sum(1 for i in issues if i["severity"] == "WARNING"),
            "messagesProcessed": processed,
            "messagesAccepted": processed - len(invalid),
            "messagesInvalid": len(invalid),
        },
    }


def _moment(q: dict[str, str], name: str) -> datetime | None:
    """getFeeds' createdSince / createdUntil (ISO 8601), or None when absent."""
    from amazon_mws.sandbox.clock import parse_iso

    if not q.get(name):
        return None
    try:
        return parse_iso(q[name])
    except ValueError:
        raise SpRefusal(400, "InvalidInput", f"{name} {q[name]!r} is not an ISO 8601 date-time.") from None


def _s3_error(status: int, code: str, message: str) -> Reply:
    body = f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return Reply(status, body.encode(), content_type="application/xml")
