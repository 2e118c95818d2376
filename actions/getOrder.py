"""Get Order: orders by Amazon order id, 50 per request, in input order, with the ids Amazon did not know."""

from amazon_mws.backends import orders_api
from amazon_mws.steps.order_lookup import get_orders


def process(ctx, msg, cfg, snapshot):
    ctx.emit("data", get_orders(orders_api(cfg, sample=ctx.sample), msg.body["amazonOrderIds"]))
