"""What the feed outbox needs to know of each document kind: how big a batch may grow, and how to merge.

Why a kind: the outbox (steps/feed_outbox.py) gathers XML feeds (`FeedDocument`: an AmazonEnvelope of
Message elements) and SP-API's JSON listings feeds (`ListingsDocument`: a header and a `messages` list)
the same way; only two things differ, and they live here:

- the size guidance a batch must stay within: 30,000 records / 10 MB for the XML feeds (feeds/envelope.py),
  25,000 messages (Amazon's JSON_LISTINGS_FEED limit since 2025-05-06) / 10 MiB (the Feeds API's best
  practices) for the listings feed;
- the merge: one document from many, its records renumbered 1..n in order, remembering for each new number
  the [input message id, its number in that message's own document].

A batch kept in a shared state store (steps/feed_batches.py: messages of different Celery tasks) keeps
each message's document as its bytes; `load` makes the document again for the merge, and `name` says which
kind a stored batch is.

Splitting the report back needs no kind: both reports reach the outbox in the one MWS `processingReport`
shape (spapi/feeds.py `report_from_listings` reads the JSON listings report into it), results by number.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Protocol

from lxml import etree

from amazon_mws.core.xml import parse_xml
from amazon_mws.feeds import listings
from amazon_mws.feeds.envelope import MAX_FEED_BYTES, MAX_FEED_MESSAGES, FeedDocument
from amazon_mws.feeds.listings import ListingsDocument

Records = list[list[Any]]  # for merged record n (1-based, index n-1): [input message id, its own number]


@dataclass
class StoredFeed:
    """A sealed batch's feed as it was first built: the exact bytes, so a rerun sends (or finds) the same."""

    feed_type: str
    xml: bytes  # the document's bytes, whatever its format (the name `feeds.intents` reads)
    message_count: int


class Kind(Protocol):
    """A document kind the outbox can gather."""

    name: str
    max_records: int
    max_bytes: int

    def merge(self, feed_type: str, docs: list[tuple[str, Any]]) -> tuple[StoredFeed, Records]: ...

    def load(self, feed_type: str, body: bytes) -> Any: ...


class XmlKind:
    """AmazonEnvelope feeds: the first envelope's header, every Message with its MessageID renumbered."""

    name = "xml"
    max_records = MAX_FEED_MESSAGES
    max_bytes = MAX_FEED_BYTES

    def load(self, feed_type: str, body: bytes) -> FeedDocument:
        """A built envelope from its bytes: enough of a FeedDocument to merge (its root, its messages)."""
        root = parse_xml(body, max_bytes=len(body) + 1)
        numbers = [int(m.findtext("MessageID") or 0) for m in root.findall("Message")]
        return FeedDocument(feed_type, root.findtext("MessageType") or "", root, {}, {n: n for n in numbers})

    def merge(self, feed_type: str, docs: list[tuple[str, FeedDocument]]) -> tuple[StoredFeed, Records]:
        root = copy.deepcopy(docs[0][1].root)
        for message in root.findall("Message"):
            root.remove(message)
        records: Records = []
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


class ListingsKind:
    """JSON_LISTINGS_FEED documents: the first document's header, every message with its messageId
    renumbered (the same seller: one run's messages share their step configuration)."""

    name = "listings"
    max_records = listings.MAX_MESSAGES
    max_bytes = MAX_FEED_BYTES

    def load(self, feed_type: str, body: bytes) -> ListingsDocument:
        return ListingsDocument(json.loads(body), feed_type)

    def merge(self, feed_type: str, docs: list[tuple[str, ListingsDocument]]) -> tuple[StoredFeed, Records]:
        messages: list[dict[str, Any]] = []
        records: Records = []
        for message_id, doc in docs:
            for message in doc.feed["messages"]:
                records.append([message_id, int(message["messageId"])])
                messages.append({**message, "messageId": len(records)})
        feed = {**docs[0][1].feed, "messages": messages}
        body = json.dumps(feed, ensure_ascii=False).encode("utf-8")
        return StoredFeed(feed_type, body, len(records)), records


KINDS: dict[str, Kind] = {"xml": XmlKind(), "listings": ListingsKind()}


def kind_of(doc: Any) -> Kind | None:
    """The kind of a built document, or None when the outbox cannot gather it."""
    if isinstance(doc, FeedDocument):
        return KINDS["xml"]
    if isinstance(doc, ListingsDocument):
        return KINDS["listings"]
    return None
