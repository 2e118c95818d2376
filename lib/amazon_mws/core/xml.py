"""Hardened XML parsing of what comes back from Amazon (or anything claiming to be Amazon).

Replies are untrusted input: entity expansion (billion laughs), external entities (a local file
read through `<!ENTITY x SYSTEM "file:///...">`), network fetches of DTDs and oversized documents are
refused before any element is built. libxml2 (via lxml) is told not to resolve entities, not to load
DTDs, not to touch the network and to keep its own size limits; on top of that a document whose
DOCTYPE declares entities is rejected outright, because no MWS response ever declares one.
"""

from __future__ import annotations

from lxml import etree

MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # processing reports can be large; anything beyond is not MWS


class XmlError(ValueError):
    """The bytes are not a safe, well-formed XML document."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


class _LoadNothing(etree.Resolver):
    """Every external reference resolves to an empty document. Without a resolver libxml2 opens an
    external DTD subset (`<!DOCTYPE r SYSTEM "file:///...">`) itself, even with load_dtd=False."""

    # lxml passes (system_url, public_id, context); lxml-stubs leave `context` out
    def resolve(self, system_url: str, public_id: str, context: object) -> object:  # type: ignore[override]
        return self.resolve_string("", context, base_url=None)


_PARSER = _parser()
_PARSER.resolvers.add(_LoadNothing())
_ENTITIES = "refused XML: the DOCTYPE declares entities (entity expansion is not allowed)"
_EXTERNAL = "refused XML: the DOCTYPE names an external DTD (a network or local file; it was not loaded)"


def parse_xml(data: bytes, *, max_bytes: int = MAX_RESPONSE_BYTES) -> etree._Element:
    """Parse `data` into an lxml element with every hardening switch on; XmlError on anything unsafe."""
    if not isinstance(data, bytes):
        if not isinstance(data, (bytearray, memoryview)):
            raise XmlError("refused XML: expected bytes")
        data = bytes(data)
    if len(data) > max_bytes:
        raise XmlError(f"refused XML: {len(data)} bytes is over the {max_bytes}-byte limit")
    if not data or data.isspace():
        raise XmlError("malformed XML: empty document")
    # Entity declarations are refused before libxml2 sees them (substring scans, no regex). A DOCTYPE
    # starts at or before the first "!", found by memchr: most replies have none, or only late.
    bang = data.find(b"!")
    has_doctype = bang > 0 and data.find(b"<!DOCTYPE", bang - 1) >= 0
    if has_doctype and b"<!ENTITY" in data:
        raise XmlError(_ENTITIES)
    try:
        root = etree.fromstring(_without_root_namespace(data), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlError(f"malformed XML: {exc}") from None
    if root is None:
        raise XmlError("malformed XML: no root element")
    # Defence in depth, on every document: the byte scan above misses a UTF-16 or UTF-32 document, and
    # an external DTD is named, never loaded (the resolver below hands libxml2 nothing), but refused.
    docinfo = root.getroottree().docinfo
    dtd = docinfo.internalDTD
    # iterentities and system_url are lxml's; lxml-stubs (a stub gap) do not list them
    if dtd is not None and any(True for _ in dtd.iterentities()):  # type: ignore[union-attr]
        raise XmlError(_ENTITIES)
    if docinfo.system_url or docinfo.public_id:  # type: ignore[union-attr]
        raise XmlError(_EXTERNAL)
    return root


_XMLNS = b' xmlns="'


def _without_root_namespace(data: bytes) -> bytes:
    """`<ListOrdersResponse xmlns="https://mws...">` -> `<ListOrdersResponse>`, when that is exactly how the
    document starts (after an XML declaration at most); anything else is returned as it is.

    Why: every consumer here works on local names (MWS answers in several namespaces), and a namespaced
    tag is a `{namespace}Name` string that lxml builds anew for each element it is asked about; without
    the root's default namespace the typed conversion of a ListOrders page is about 15 % cheaper. Only the
    root's one attribute is dropped: the elements, their text and any other namespace stay as they are.
    """
    at = data.find(_XMLNS, 0, 512)
    if at < 0:
        return data
    opened = data.rfind(b"<", 0, at)
    head = data[:opened].strip()
    if head and not (head.startswith(b"<?xml") and head.endswith(b"?>") and head.count(b"<") == 1):
        return data  # a comment, DOCTYPE or processing instruction first: not the plain shape
    name = data[opened + 1:at]
    if not name or any(c in name for c in b" \t\r\n<>/!?='\""):
        return data
    closed = data.find(b'"', at + len(_XMLNS))
    if closed < 0 or data[closed + 1:closed + 2] != b">":
        return data  # more attributes follow: leave the root alone
    return data[:at] + data[closed + 1:]


_LOCAL: dict[str, str] = {}


def local_name(tag: str) -> str:
    """`{namespace}Name` -> `Name`, memoised: MWS answers in several namespaces (or none) for the
    same element names, so everything downstream works on local names."""
    name = _LOCAL.get(tag)
    if name is None:
        name = tag.rpartition("}")[2]
        _LOCAL[tag] = name
    return name


def child(element: etree._Element | None, name: str) -> etree._Element | None:
    """The first child with local name `name` (namespace-agnostic), or None."""
    if element is None:
        return None
    for c in element:
        if local_name(c.tag) == name:
            return c
    return None


def find_path(element: etree._Element | None, *names: str) -> etree._Element | None:
    """Follow local names down from `element`; None when any step is missing."""
    for name in names:
        element = child(element, name)
        if element is None:
            return None
    return element


def text_of(element: etree._Element | None, *names: str) -> str | None:
    """Stripped text at a path of local names, or None."""
    found = find_path(element, *names) if names else element
    if found is None:
        return None
    return (found.text or "").strip()


def schema_errors(schema: etree.XMLSchema) -> list[etree._LogEntry]:
    """The entries of a schema's last validation. lxml's error log iterates over them, but lxml-stubs
    declare it without ``__iter__``; this is the one place that says so."""
    entries: list[etree._LogEntry] = list(schema.error_log)  # type: ignore[call-overload]
    return entries
