"""shipOrder: the OrderFulfillment feed (flow: amazon_mws.steps.feed_actions), or SP-API's confirmShipment."""

from amazon_mws.steps.feed_actions import ship_order


def process(ctx, msg, cfg, snapshot):
    ship_order(ctx, msg, cfg)
