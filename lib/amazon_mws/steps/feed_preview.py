"""A feed action's sample: what Run would send, built and validated exactly as Run builds it, sent nowhere.

One body for both faces of the designer's sample: the console's "Build feed (sends nothing)" shows the
previews, and ``amazon-mws run ACTION --sample`` emits each as the action's usual output with a stub
processing report (``sample_output``), so a flow designer sees the output's shape and a real feed is never
made for a try (SubmitFeed is not idempotent, and its quota is 15, then one per 2 minutes). Ship Order
through confirmShipment previews the calls it would make, checked whole as Run checks them.
"""

from __future__ import annotations

import json
from typing import Any

from amazon_mws.core.errors import MwsError
from amazon_mws.steps.feed_documents import CONFIRM_SHIPMENT, documents_for

SAMPLE_ID = "sample"  # the stub's submission id: no feed was made
NOT_SENT = "_NOT_SENT_"


def previews(step: str, body: Any, cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """``[{"feedType", "messages", "document"}]``: each feed (or the confirmShipment calls) Run would send
    for this input; FeedInputError naming the input when anything is wrong. Nothing is sent."""
    if step == "shipOrder" and cfg.get("shipVia") == CONFIRM_SHIPMENT:
        return [_planned_shipments(body)]
    return [{"feedType": d.feed_type, "messages": d.message_count, "document": d.xml.decode("utf-8")}
            for d in documents_for(step, body, cfg)]


def sample_output(preview: dict[str, Any]) -> dict[str, Any]:
    """The action's output for a preview: the usual fields, status ``_NOT_SENT_``, a processing report of
    the right shape counting the built messages, and the document itself."""
    count = preview["messages"]
    return {
        "feedSubmissionId": SAMPLE_ID,
        "feedType": preview["feedType"],
        "status": NOT_SENT,
        "processingReport": {"statusCode": "NotSent", "messagesProcessed": count, "messagesSuccessful": count,
                             "messagesWithError": 0, "messagesWithWarning": 0, "results": []},
        "sample": True,
        "document": preview["document"],
    }


class _Planner:
    """A shipments backend that sends nothing: it keeps the confirmShipment calls Run would make."""

    shipment_refusals: tuple[type[MwsError], ...] = ()  # nothing is refused: nothing is asked

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def confirm_shipment(self, order_id: str, package: dict[str, Any], /, *,
                         cod_collection_method: str | None = None) -> None:
        self.calls.append({"orderId": order_id, "package": package, "codCollectionMethod": cod_collection_method})


def _planned_shipments(body: Any) -> dict[str, Any]:
    from amazon_mws.steps.shipments import confirm_shipments

    planner = _Planner()
    confirm_shipments(planner, body)
    return {"feedType": CONFIRM_SHIPMENT, "messages": len(planner.calls),
            "document": json.dumps(planner.calls, indent=2)}
