"""shipOrder: the OrderFulfillment feed (flow: amazon_mws.feeds.action), or SP-API's confirmShipment."""

from amazon_mws.feeds.action import ship_order


def process(ctx, msg, cfg, snapshot):
    ship_order(ctx, msg, cfg)
