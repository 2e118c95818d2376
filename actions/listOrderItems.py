"""List Order Items: every item of one order, across every NextToken page."""

from amazon_mws.backends import orders_api
from amazon_mws.steps.order_lookup import order_items


def process(ctx, msg, cfg, snapshot):
    order_id = msg.body["amazonOrderId"]
    items = order_items(orders_api(cfg, sample=ctx.sample), order_id)
    ctx.emit("data", {"amazonOrderId": order_id, "orderItems": items})
