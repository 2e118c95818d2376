"""Validation against Amazon's own feed XSDs, when the seller has them (`AMAZON_XSD_DIR`).

Amazon's XSDs are not shipped with the project (see DESIGN.md): without them the project's JSON Schemas
still check every message, and this module says once, in the log, that the XSD check was skipped.
Compiling the 73-file set takes seconds, so each folder's schema is compiled once per process.
Errors are mapped from XML paths back to the input (`messages[3].StatusCode`), never shown as XML.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from functools import lru_cache
from pathlib import Path

from lxml import etree

from amazon_mws.core.xml import schema_errors
from amazon_mws.feeds.envelope import FeedDocument

log = logging.getLogger(__name__)

ENVELOPE_XSD = "amzn-envelope.xsd"
_warned_missing = False
_lock = threading.Lock()
_validate_lock = threading.Lock()  # an XMLSchema keeps its error_log on the object


def xsd_dir(explicit: str | os.PathLike | None = None) -> Path | None:
    """The XSD folder to use: the explicit one, else `AMAZON_XSD_DIR`; None when absent or incomplete."""
    raw = explicit if explicit is not None else os.environ.get("AMAZON_XSD_DIR")
    if not raw:
        return None
    path = Path(raw).expanduser()
    return path if (path / ENVELOPE_XSD).is_file() else None


def safe_parser() -> etree.XMLParser:
    """No network, no entity expansion: XSDs are data from disk and must not reach out."""
    return etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=True)


def envelope_schema(folder: str) -> etree.XMLSchema:
    """amzn-envelope.xsd of `folder`, compiled (cached per process: it includes the whole set). The lock
    is taken before the cache is read, so threads arriving together compile it once, not once each."""
    with _lock:
        return _compiled(folder)


@lru_cache(maxsize=4)
def _compiled(folder: str) -> etree.XMLSchema:
    doc = etree.parse(str(Path(folder) / ENVELOPE_XSD), safe_parser())
    return etree.XMLSchema(doc)


_ELEMENT_PREFIX = re.compile(r"^Element '([^']+)'(?:, attribute '([^']+)')?: ")


def _describe(message: str) -> str:
    """lxml's "Element 'StatusCode': [facet 'enumeration'] The value ..." as a rule a person reads."""
    match = _ELEMENT_PREFIX.match(message)
    text = message[match.end() :] if match else message
    text = text.rstrip(".").replace("[facet ", "[").strip()
    if match:
        where = match.group(1) + (f"/@{match.group(2)}" if match.group(2) else "")
        text += f" (Amazon XSD, element {where})"
    return text


def document_problems(doc: FeedDocument, schema: etree.XMLSchema) -> list[str]:
    """Every XSD error of one feed document, as '<input path>: <rule>'."""
    with _validate_lock:
        if schema.validate(doc.root):
            return []
        errors = schema_errors(schema)
    problems = []
    for err in errors:
        where = doc.input_path(err.path or "") if err.path else None
        if where is None:
            found = re.search(r"/Message\[(\d+)\]", err.path or "")
            idx = doc.message_index.get(int(found.group(1))) if found else None
            where = f"messages[{idx}]" if idx is not None else "(feed)"
        problems.append(f"{where}: {_describe(err.message)}")
    return problems


def validate_documents(docs: list[FeedDocument], folder: str | os.PathLike | None = None) -> list[str]:
    """Validate every document against the XSDs if they are installed; return the problems (if any)."""
    global _warned_missing
    found = xsd_dir(folder)
    if found is None:
        if not _warned_missing:
            _warned_missing = True
            log.warning(
                "AMAZON_XSD_DIR not set or has no %s: feeds are checked by the JSON Schemas only",
                ENVELOPE_XSD,
            )
        return []
    schema = envelope_schema(str(found.resolve()))
    problems: list[str] = []
    for doc in docs:
        problems.extend(document_problems(doc, schema))
    return problems
