"""Processing a feed: the checks Amazon ran and the ProcessingReport it wrote.

Checks, from the whole feed down to each message: the envelope must be well-formed XML (else one
fatal error for the feed), `MessageType` known and matching the FeedType, every `Message` with a
unique `MessageID`; with Amazon's XSDs (`xsd_dir` / `AMAZON_XSD_DIR`) the envelope is validated once
and each schema error is charged to the Message it sits in (lxml gives the error's XPath, so
`Message[3]` is the third message; errors outside any message count against the feed).
Results name the SKU or AmazonOrderID of their message when it has one, as Amazon's do.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from amazon_mws.core.xml import schema_errors

# FeedType -> the MessageType its envelope must carry (XML feeds this project submits)
FEED_MESSAGE_TYPE = {
    "_POST_ORDER_ACKNOWLEDGEMENT_DATA_": "OrderAcknowledgement",
    "_POST_ORDER_FULFILLMENT_DATA_": "OrderFulfillment",
    "_POST_PAYMENT_ADJUSTMENT_DATA_": "OrderAdjustment",
    "_POST_INVENTORY_AVAILABILITY_DATA_": "Inventory",
    "_POST_PRODUCT_PRICING_DATA_": "Price",
    "_POST_PRODUCT_DATA_": "Product",
    "_POST_PRODUCT_IMAGE_DATA_": "ProductImage",
    "_POST_PRODUCT_RELATIONSHIP_DATA_": "Relationship",
    "_POST_PRODUCT_OVERRIDES_DATA_": "Override",
}
MESSAGE_TYPES = (
    "FulfillmentCenter",
    "Inventory",
    "Listings",
    "OrderAcknowledgement",
    "OrderAdjustment",
    "OrderFulfillment",
    "OrderReport",
    "Override",
    "Price",
    "ProcessingReport",
    "Product",
    "ProductImage",
    "Relationship",
    "SettlementReport",
)
FATAL = 5001  # the feed as a whole could not be processed
SCHEMA_ERROR = 5000  # a message does not follow the XSD
MESSAGE_PATH = re.compile(r"^/AmazonEnvelope/Message(?:\[(\d+)\])?(?:/|$)")

_schemas: dict[str, etree.XMLSchema] = {}
_schemas_lock = threading.Lock()


def envelope_schema(xsd_dir: str | Path) -> etree.XMLSchema:
    """amzn-envelope.xsd compiled once per process (it pulls in ~70 files and takes a second or two)."""
    key = str(Path(xsd_dir).resolve())
    with _schemas_lock:
        if key not in _schemas:
            path = Path(key) / "amzn-envelope.xsd"
            if not path.is_file():
                raise ValueError(f"xsd_dir: {key} has no amzn-envelope.xsd")
            _schemas[key] = etree.XMLSchema(etree.parse(str(path), _safe_parser()))
        return _schemas[key]


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass
class Result:
    message_id: int
    code: int
    description: str
    sku: str | None = None
    order_id: str | None = None
    kind: str = "Error"  # or "Warning"


@dataclass
class Outcome:
    processed: int = 0
    results: list[Result] = field(default_factory=list)
    messages: list[etree._Element] = field(default_factory=list)  # the well-formed messages, for effects
    merchant: str | None = None

    @property
    def failed_ids(self) -> set[int]:
        return {r.message_id for r in self.results if r.kind == "Error"}


def _ids(message: etree._Element) -> tuple[str | None, str | None]:
    sku = message.findtext(".//SKU")
    order_id = message.findtext(".//AmazonOrderID")
    return (sku.strip() if sku else None, order_id.strip() if order_id else None)


def check_feed(feed_type: str, body: bytes, xsd_dir: str | Path | None) -> Outcome:
    out = Outcome()
    if "FLAT_FILE" in feed_type or not body.lstrip().startswith(b"<"):
        lines = [line for line in body.splitlines() if line.strip()]
        out.processed = max(0, len(lines) - 1)  # a header row, then one record per line
        return out
    try:
        root = etree.fromstring(body, _safe_parser())
    except etree.XMLSyntaxError as e:
        line, col = e.position if e.position else (e.lineno, 0)
        out.results.append(Result(0, FATAL, f"XML Parsing Fatal Error at Line {line}, Column {col}: {e.msg}"))
        return out
    if root.tag != "AmazonEnvelope":
        out.results.append(Result(0, FATAL, f"The root element must be AmazonEnvelope, not {root.tag}."))
        return out
    out.merchant = (root.findtext("Header/MerchantIdentifier") or "").strip() or None
    message_type = (root.findtext("MessageType") or "").strip()
    if message_type not in MESSAGE_TYPES:
        out.results.append(Result(0, FATAL, f"MessageType '{message_type}' is not a valid MessageType."))
        return out
    expected = FEED_MESSAGE_TYPE.get(feed_type)
    if expected and expected != message_type:
        out.results.append(
            Result(
                0,
                FATAL,
                f"MessageType {message_type} does not match FeedType {feed_type} (expects {expected}).",
            )
        )
        return out
    messages = root.findall("Message")
    if not messages:
        out.results.append(Result(0, FATAL, "The feed contains no Message."))
        return out
    out.processed = len(messages)
    ids: list[int] = []
    seen: set[int] = set()
    for n, message in enumerate(messages, start=1):
        sku, order_id = _ids(message)
        raw = (message.findtext("MessageID") or "").strip()
        mid = int(raw) if raw.isdigit() else 0
        ids.append(mid)
        if not raw.isdigit():
            out.results.append(
                Result(mid, SCHEMA_ERROR, f"Message {n} has no valid MessageID (got '{raw}').", sku, order_id)
            )
        elif mid in seen:
            out.results.append(
                Result(mid, SCHEMA_ERROR, f"MessageID {mid} is used by more than one Message.", sku, order_id)
            )
        seen.add(mid)
    if xsd_dir:
        schema = envelope_schema(xsd_dir)
        if not schema.validate(root):
            for entry in schema_errors(schema):
                m = MESSAGE_PATH.match(entry.path or "")
                text = f"XML Parsing Error at Line {entry.line}, Column {entry.column}: {entry.message}"
                if m is None:
                    out.results.append(Result(0, FATAL, text))
                    continue
                index = int(m.group(1) or 1)
                sku, order_id = _ids(messages[index - 1])
                out.results.append(Result(ids[index - 1], SCHEMA_ERROR, text, sku, order_id))
    out.messages = [m for m, mid in zip(messages, ids, strict=False) if mid not in out.failed_ids]
    return out


def render_report(outcome: Outcome, transaction_id: str, merchant: str) -> bytes:
    """Amazon's ProcessingReport envelope (see ProcessingReport.xsd)."""
    xsi = "http://www.w3.org/2001/XMLSchema-instance"
    root = etree.Element("AmazonEnvelope", nsmap={"xsi": xsi})
    root.set(f"{{{xsi}}}noNamespaceSchemaLocation", "amzn-envelope.xsd")
    header = etree.SubElement(root, "Header")
    etree.SubElement(header, "DocumentVersion").text = "1.02"
    etree.SubElement(header, "MerchantIdentifier").text = outcome.merchant or merchant
    etree.SubElement(root, "MessageType").text = "ProcessingReport"
    message = etree.SubElement(root, "Message")
    etree.SubElement(message, "MessageID").text = "1"
    report = etree.SubElement(message, "ProcessingReport")
    etree.SubElement(report, "DocumentTransactionID").text = transaction_id
    etree.SubElement(report, "StatusCode").text = "Complete"
    errors = {r.message_id for r in outcome.results if r.kind == "Error"}
    warnings = {r.message_id for r in outcome.results if r.kind == "Warning"} - errors
    if 0 in errors:  # the feed as a whole failed: no message counts as successful
        successful, with_error = 0, max(1, outcome.processed)
    else:
        successful, with_error = outcome.processed - len(errors), len(errors)
    summary = etree.SubElement(report, "ProcessingSummary")
    etree.SubElement(summary, "MessagesProcessed").text = str(outcome.processed)
    etree.SubElement(summary, "MessagesSuccessful").text = str(successful)
    etree.SubElement(summary, "MessagesWithError").text = str(with_error)
    etree.SubElement(summary, "MessagesWithWarning").text = str(len(warnings))
    for r in outcome.results:
        res = etree.SubElement(report, "Result")
        etree.SubElement(res, "MessageID").text = str(r.message_id)
        etree.SubElement(res, "ResultCode").text = r.kind
        etree.SubElement(res, "ResultMessageCode").text = str(r.code)
        etree.SubElement(res, "ResultDescription").text = r.description
        if r.sku or r.order_id:
            info = etree.SubElement(res, "AdditionalInfo")
            if r.sku:
                etree.SubElement(info, "SKU").text = r.sku
            if r.order_id:
                etree.SubElement(info, "AmazonOrderID").text = r.order_id
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
