"""What a feed action's input becomes: the validated feed document(s) for its step and cfg.

Its own module because two callers build feeds without sending them the same way: the action itself
(steps/feed_actions.py) and its sample (steps/feed_preview.py), and serve's feed routes check a form by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from amazon_mws.backends import backend_for
from amazon_mws.feeds import intents
from amazon_mws.feeds.build import build_feed
from amazon_mws.feeds.errors import FeedInputError
from amazon_mws.feeds.listings import LISTINGS_STEPS, build_listings_feed
from amazon_mws.feeds.products import build_product_feed

CONFIRM_SHIPMENT = "confirmShipment"  # Ship Order's shipVia for SP-API's confirmShipment call instead of a feed


def documents_for(step: str, body: Any, cfg: dict[str, Any]) -> Sequence[intents.Document]:
    """The validated feed document(s) for a step's input; FeedInputError when anything is wrong."""
    seller = cfg.get("sellerId")
    if backend_for(cfg).listings_as_json and step in LISTINGS_STEPS:  # SP-API takes listings only as JSON
        return build_listings_feed(step, body, cfg)
    if step == "submitProduct":
        if not cfg.get("category"):
            raise FeedInputError(["category: is required (pick the product category)"], what="step configuration")
        return build_product_feed(body, seller, category=cfg["category"], operation_name=cfg.get("operation"))
    if step == "submitProductCategoryFromPayload":
        return build_product_feed(body, seller, category=None, operation_name=cfg.get("operation"))
    return build_feed(step, body, seller, options={"operation": cfg.get("operation")})
