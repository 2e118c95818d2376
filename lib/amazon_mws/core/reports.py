"""Feed processing reports (the body of GetFeedSubmissionResult) as the feed actions' output shape.

A pure function over bytes, so feeds code, the sandbox's tests and fixtures can use it without a
connection. `_DONE_` is not success: the summary counts and the per-message results say what Amazon
accepted, and this is where they are read.

Output (the contract of the feed actions' `processingReport`):
`{"documentTransactionId": str, "statusCode": str, "messagesProcessed": int, "messagesSuccessful": int,
"messagesWithError": int, "messagesWithWarning": int, "results": [{"messageId": int, "resultCode": str,
"resultMessageCode": int, "resultDescription": str, "additionalInfo": {...}}]}`.
`documentTransactionId` stays a string: it is an id (up to 20 digits), like FeedSubmissionId.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from amazon_mws.core.model import to_json
from amazon_mws.core.xml import XmlError, local_name, parse_xml


def _find_report(root: etree._Element) -> etree._Element | None:
    if local_name(root.tag) == "ProcessingReport":
        return root
    for el in root.iter():
        if isinstance(el.tag, str) and local_name(el.tag) == "ProcessingReport":
            return el
    return None


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def report_from_element(report_el: etree._Element) -> dict[str, Any]:
    typed = to_json(report_el, "ProcessingReport")
    summary = typed.get("ProcessingSummary") or {}
    results = []
    for r in typed.get("Result", []):
        results.append(
            {
                "messageId": r.get("MessageID"),
                "resultCode": r.get("ResultCode", ""),
                "resultMessageCode": r.get("ResultMessageCode"),
                "resultDescription": r.get("ResultDescription", ""),
                "additionalInfo": r.get("AdditionalInfo") or {},
            }
        )
    return {
        "documentTransactionId": typed.get("DocumentTransactionID", ""),
        "statusCode": typed.get("StatusCode", ""),
        "messagesProcessed": _int(summary.get("MessagesProcessed")),
        "messagesSuccessful": _int(summary.get("MessagesSuccessful")),
        "messagesWithError": _int(summary.get("MessagesWithError")),
        "messagesWithWarning": _int(summary.get("MessagesWithWarning")),
        "results": results,
    }


def parse_processing_report(xml: bytes) -> dict[str, Any]:
    """Parse a ProcessingReport (inside an AmazonEnvelope or bare); XmlError if there is none."""
    root = parse_xml(xml)
    report = _find_report(root)
    if report is None:
        raise XmlError(f"no ProcessingReport in the document (root element {local_name(root.tag)!r})")
    return report_from_element(report)
