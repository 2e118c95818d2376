"""JSON in, validated feed documents out: the whole pre-send pipeline in one call.

Order of checks: the JSON Schema of the step (every message), then the builder's cross-field rules
(choices draft-03 cannot say), then Amazon's XSD on the finished XML. Every problem of every message is
collected before failing, so one error message lists everything to fix, and nothing reaches Amazon while
any message is bad.
"""

from __future__ import annotations

import os
from typing import Any

from amazon_mws.feeds import inputs
from amazon_mws.feeds.envelope import BuiltMessage, FeedDocument, Fields, assemble
from amazon_mws.feeds.errors import FeedInputError
from amazon_mws.feeds.kinds import FeedKind, kind_for
from amazon_mws.feeds.xsd import validate_documents


def build_messages(
    kind: FeedKind, messages: list[dict[str, Any]], options: dict[str, Any]
) -> list[BuiltMessage]:
    problems: list[str] = []
    built = []
    for index, message in enumerate(messages):
        f = Fields(f"messages[{index}]")
        element, op_type = kind.build(message, f, options, problems)
        problems.extend(f.problems)
        built.append(BuiltMessage(index, element, op_type, f.origins))
    if problems:
        raise FeedInputError(problems)
    return built


def build_feed(
    step: str | FeedKind,
    body: dict[str, Any],
    merchant_id: str | None,
    *,
    options: dict[str, Any] | None = None,
    schema: dict[str, Any] | None = None,
    xsd_folder: str | os.PathLike | None = None,
    **limits: int,
) -> list[FeedDocument]:
    """Validate `body` (`{"messages": [...]}`) and build the feed document(s) for `step`.

    `options` are the step's fields (e.g. `operation`); `schema` overrides the step's static input schema
    (Submit Product's derived one); `limits` (`max_bytes`, `max_messages`) override the split guidance.
    Raises FeedInputError (naming input paths and rules) before anything could be sent.
    """
    kind = kind_for(step) if isinstance(step, str) else step
    if not merchant_id:
        raise FeedInputError(["sellerId: is required (it is the feed's MerchantIdentifier)"])
    if schema is None:
        inputs.check_body(kind.schema, body)
    else:
        inputs.check_with_schema(schema, body)
    built = build_messages(kind, body["messages"], options or {})
    docs = assemble(kind.feed_type, kind.message_type, merchant_id, built, **limits)
    problems = validate_documents(docs, xsd_folder)
    if problems:
        raise FeedInputError(problems)
    return docs
