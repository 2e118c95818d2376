"""The AmazonEnvelope around feed messages, and the bookkeeping that maps XML back to the input.

Every builder writes its message through `Fields`, which remembers which input field each element came
from. After validation against Amazon's XSD, an error at `/AmazonEnvelope/Message[4]/Price/SKU` is
reported as `messages[3].SKU: ...`: the person fixing the data never has to read the XML.

Large inputs are split where Amazon's feed guidance says (about 10 MB and 30,000 records per feed);
every split is a complete envelope with MessageIDs starting at 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

MAX_FEED_BYTES = 10 * 1024 * 1024
MAX_FEED_MESSAGES = 30_000
DOCUMENT_VERSION = "1.01"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def text_of(value: Any) -> str:
    """The XML text of a JSON leaf: booleans as XSD booleans, numbers without float noise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        try:
            return format(Decimal(repr(value)), "f")
        except InvalidOperation:  # nan/inf: let the XSD reject the text
            return repr(value)
    return str(value)


class Fields:
    """Writes child elements and records where each came from in the input (for error messages)."""

    def __init__(self, base: str):
        self.base = base  # e.g. "messages[3]"
        self.origins: list[tuple[etree._Element, str]] = []
        self.problems: list[str] = []  # values XML cannot carry (control characters)

    def path(self, *parts: str | int) -> str:
        out = self.base
        for part in parts:
            out += f"[{part}]" if isinstance(part, int) else f".{part}"
        return out

    def node(self, parent: etree._Element, tag: str, *where: str | int) -> etree._Element:
        """An element with children; `where` names the input object it stands for."""
        elem = etree.SubElement(parent, tag)
        self.origins.append((elem, self.path(*where)))
        return elem

    def leaf(
        self,
        parent: etree._Element,
        tag: str,
        value: Any,
        *where: str | int,
        attrs: dict[str, Any] | None = None,
    ) -> etree._Element:
        elem = etree.SubElement(parent, tag)
        where_path = self.path(*where)
        try:
            elem.text = text_of(value)
            for key, val in (attrs or {}).items():
                if val is not None:
                    elem.set(key, text_of(val))
        except ValueError:  # NUL and other control characters: XML 1.0 has no way to write them
            self.problems.append(
                f"{where_path}: contains characters that XML cannot carry (control characters)"
            )
        self.origins.append((elem, where_path))
        return elem

    def opt(
        self, parent: etree._Element, tag: str, data: dict[str, Any], key: str, *prefix: str | int
    ) -> etree._Element | None:
        """`leaf` when `data[key]` is present (None counts as absent: unticked means not sent)."""
        value = data.get(key)
        if value is None:
            return None
        return self.leaf(parent, tag, value, *prefix, key)


@dataclass
class BuiltMessage:
    """One feed message body before the envelope: its element, operation type and input origins."""

    index: int  # position in the input's messages list
    element: etree._Element
    operation_type: str | None
    origins: list[tuple[etree._Element, str]]


@dataclass
class FeedDocument:
    """One complete feed: what SubmitFeed sends, plus the map from XML paths back to input paths."""

    feed_type: str
    message_type: str
    root: etree._Element
    origins: dict[str, str] = field(default_factory=dict)  # XML path -> input path
    message_index: dict[int, int] = field(default_factory=dict)  # MessageID -> input index

    @property
    def xml(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8")

    @property
    def message_count(self) -> int:
        return len(self.message_index)

    def input_path(self, xml_path: str) -> str | None:
        """The input field an XML path came from: the nearest recorded ancestor of the path."""
        path = xml_path
        while path and path != "/AmazonEnvelope":
            if path in self.origins:
                return self.origins[path]
            path = path.rsplit("/", 1)[0]
        return None


def _envelope(merchant_id: str, message_type: str) -> etree._Element:
    root = etree.Element("AmazonEnvelope", nsmap={"xsi": _XSI})
    root.set(f"{{{_XSI}}}noNamespaceSchemaLocation", "amzn-envelope.xsd")
    header = etree.SubElement(root, "Header")
    etree.SubElement(header, "DocumentVersion").text = DOCUMENT_VERSION
    etree.SubElement(header, "MerchantIdentifier").text = str(merchant_id)
    etree.SubElement(root, "MessageType").text = message_type
    return root


def _wrap(root: etree._Element, message_id: int, built: BuiltMessage) -> etree._Element:
    message = etree.SubElement(root, "Message")
    etree.SubElement(message, "MessageID").text = str(message_id)
    if built.operation_type:
        etree.SubElement(message, "OperationType").text = built.operation_type
    message.append(built.element)
    return message


def assemble(
    feed_type: str,
    message_type: str,
    merchant_id: str,
    messages: Iterable[BuiltMessage],
    *,
    max_bytes: int = MAX_FEED_BYTES,
    max_messages: int = MAX_FEED_MESSAGES,
) -> list[FeedDocument]:
    """Put built messages into as few envelopes as Amazon's size guidance allows."""
    docs: list[FeedDocument] = []
    current: FeedDocument | None = None
    size = 0
    overhead = 400  # header, declaration and MessageType, roughly
    for built in messages:
        msg_size = len(etree.tostring(built.element)) + 80
        if (
            current is None
            or current.message_count >= max_messages
            or (current.message_count and size + msg_size > max_bytes - overhead)
        ):
            current = FeedDocument(feed_type, message_type, _envelope(merchant_id, message_type))
            docs.append(current)
            size = 0
        message_id = current.message_count + 1
        _wrap(current.root, message_id, built)
        current.message_index[message_id] = built.index
        size += msg_size
        tree = current.root.getroottree()
        for elem, where in built.origins:
            current.origins[tree.getpath(elem)] = where
    return docs
