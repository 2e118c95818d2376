"""The feed actions in one table: step name -> feed type, envelope MessageType, input schema, builder.

Adding a feed is one row here, one builder function and one schema file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amazon_mws.feeds import images, inventory, orders, pricing, relationships

Builder = Callable[..., Any]  # (message, Fields, options, problems) -> (element, operation type or None)


@dataclass(frozen=True)
class FeedKind:
    step: str
    feed_type: str
    message_type: str
    schema: str  # schemas/feeds/<schema>.json (the step's metadata.in)
    build: Builder


KINDS: dict[str, FeedKind] = {
    k.step: k
    for k in (
        FeedKind(
            "updateOrder",
            "_POST_ORDER_ACKNOWLEDGEMENT_DATA_",
            "OrderAcknowledgement",
            "updateOrder.in",
            orders.acknowledgement,
        ),
        FeedKind(
            "shipOrder",
            "_POST_ORDER_FULFILLMENT_DATA_",
            "OrderFulfillment",
            "shipOrder.in",
            orders.fulfillment,
        ),
        FeedKind(
            "adjustOrder",
            "_POST_PAYMENT_ADJUSTMENT_DATA_",
            "OrderAdjustment",
            "adjustOrder.in",
            orders.adjustment,
        ),
        FeedKind(
            "updateItem",
            "_POST_INVENTORY_AVAILABILITY_DATA_",
            "Inventory",
            "updateItem.in",
            inventory.inventory,
        ),
        FeedKind(
            "submitInventory",
            "_POST_INVENTORY_AVAILABILITY_DATA_",
            "Inventory",
            "submitInventory.in",
            inventory.inventory,
        ),
        FeedKind(
            "changeProductPrice",
            "_POST_PRODUCT_PRICING_DATA_",
            "Price",
            "changeProductPrice.in",
            pricing.price,
        ),
        FeedKind(
            "changeProductImage",
            "_POST_PRODUCT_IMAGE_DATA_",
            "ProductImage",
            "changeProductImage.in",
            images.product_image,
        ),
        FeedKind(
            "establishProductRelationships",
            "_POST_PRODUCT_RELATIONSHIP_DATA_",
            "Relationship",
            "establishProductRelationships.in",
            relationships.relationship,
        ),
    )
}


def kind_for(step: str) -> FeedKind:
    try:
        return KINDS[step]
    except KeyError:
        raise KeyError(f"unknown feed step {step!r}; known: {', '.join(sorted(KINDS))}") from None
