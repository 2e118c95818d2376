"""The one shared body of every feed action: build and validate, submit, wait, emit.

Action modules in `actions/` are a few lines that call these functions with their step name, so the
flow (and its fixes) lives in one place. Validation happens before any connection is opened: a bad
message means no request at all reaches Amazon.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from amazon_mws.backends import backend_for, feeds_api, shipments_api
from amazon_mws.feeds import intents, job
from amazon_mws.feeds.errors import FeedInputError
from amazon_mws.runtime import batching, waits
from amazon_mws.steps import feed_batches, feed_outbox, feed_wait
from amazon_mws.steps.feed_documents import CONFIRM_SHIPMENT, documents_for
from amazon_mws.steps.shipments import confirm_shipments


def _body(msg: Any) -> Any:
    return getattr(msg, "body", msg)


def _message_ids(msg: Any) -> list[str]:
    """The input's identity for its submission intents: a redelivered or rerun message keeps its id (a
    bare body, from a library call, has none: each call is a new input)."""
    return [str(getattr(msg, "id", None) or uuid.uuid4())]


def submit_and_wait(
    ctx, msg, cfg: dict[str, Any], step: str, *, api=None, sleep: Callable[[float], None] = time.sleep
) -> list[dict[str, Any]]:
    """Build, submit, wait for `_DONE_`, emit `{"feedSubmissionId", "feedType", "status",
    "processingReport"}` per feed document. A sample (designer) call builds and sends nothing."""
    if getattr(ctx, "sample", False):
        return _sample(ctx, msg, cfg, step)
    docs = documents_for(step, _body(msg), cfg)
    api = api or feeds_api(cfg)
    if len(docs) == 1 and feed_outbox.OUTBOX.gathers(docs[0]):
        gathering = batching.current()
        if gathering is not None:  # many messages in this process: one feed for all (steps/feed_outbox.py)
            batched = feed_outbox.OUTBOX.send(api, docs[0], _message_ids(msg)[0], gathering, sleep)
            _emit(ctx, batched)
            return [batched]
        window = batching.shared_window()
        if window > 0 and waits.deferring():  # on a worker: one feed with other tasks' messages
            waits.defer(feed_batches.join(api, docs[0], _message_ids(msg)[0], window))  # steps/feed_batches.py
            return []
    outputs = []
    for state in intents.submit_all(api, docs, _message_ids(msg)):
        finished = _finish_here_or_defer(api, state, sleep)
        if finished is None:
            continue
        _emit(ctx, finished)
        outputs.append(finished)
    return outputs


def _sample(ctx, msg, cfg: dict[str, Any], step: str) -> list[dict[str, Any]]:
    """The feed(s) built and validated as Run would, each with a stub report; nothing sent (feed_preview)."""
    from amazon_mws.steps.feed_preview import previews, sample_output

    outputs = [sample_output(p) for p in previews(step, _body(msg), cfg)]
    for out in outputs:
        ctx.emit("data", out)
    return outputs


def _emit(ctx, out: dict[str, Any]) -> None:
    logger = getattr(ctx, "logger", None)
    if logger is not None:
        report = out.get("processingReport") or {}
        logger.info(
            "feed %s %s: %s messages, %s with errors",
            out["feedSubmissionId"],
            out["status"],
            report.get("messagesProcessed"),
            report.get("messagesWithError"),
        )
    ctx.emit("data", out)


def ship_order(ctx, msg, cfg: dict[str, Any], *, api=None) -> list[dict[str, Any]]:
    """Ship Order: the OrderFulfillment feed, or, on SP-API with Ship Via = confirmShipment, one Orders v0
    confirmShipment call per package (answered at once; the same output shape)."""
    if cfg.get("shipVia", "feed") != CONFIRM_SHIPMENT or getattr(ctx, "sample", False):
        return submit_and_wait(ctx, msg, cfg, "shipOrder")
    shipper = api or shipments_api(cfg)
    if shipper is None:
        raise FeedInputError(
            [f"shipVia: confirmShipment is an SP-API call; {backend_for(cfg).label} ships by feed"],
            what="step configuration",
        )
    out = confirm_shipments(shipper, _body(msg))
    ctx.emit("data", out)
    return [out]


def _submission_id(msg: Any) -> str:
    body = _body(msg) or {}
    value = body.get("submissionId") if isinstance(body, dict) else None
    if not isinstance(value, str) or not value.strip().isdigit():
        raise FeedInputError([f"submissionId: {value!r} is not a feed submission id (digits, as a string)"])
    return value.strip()


def emit_status(ctx, msg, cfg: dict[str, Any], *, api=None) -> dict[str, Any]:
    """getFeedSubmissionStatus: the submission's status and dates, one request."""
    out = job.status_of(api or feeds_api(cfg, sample=bool(getattr(ctx, "sample", False))), _submission_id(msg))
    ctx.emit("data", out)
    return out


def emit_result(
    ctx, msg, cfg: dict[str, Any], *, api=None, sleep: Callable[[float], None] = time.sleep
) -> dict[str, Any] | None:
    """getFeedSubmissionResult: finish a job by id (waiting, with the usual cap, if not done yet)."""
    api = api or feeds_api(cfg, sample=bool(getattr(ctx, "sample", False)))
    out = _finish_here_or_defer(api, job.resume(api, _submission_id(msg)), sleep)
    if out is not None:
        ctx.emit("data", out)
    return out


def _finish_here_or_defer(api, state: dict[str, Any], sleep: Callable[[float], None]) -> dict[str, Any] | None:
    """The finished job's output, waiting here between checks; None when running on a Celery worker,
    where the checks become scheduled tasks (no sleeping worker: ``runtime.waits``, ``steps.feed_wait``)
    and emit the output when they end."""
    if not state.get("done") and waits.defer(feed_wait.wait_for(state)):
        return None
    return job.wait_and_finish(api, state, sleep=sleep)
