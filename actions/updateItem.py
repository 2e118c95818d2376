"""updateItem: a feed action (flow: amazon_mws.feeds.action; feed type: amazon_mws.feeds.kinds)."""

from amazon_mws.feeds.action import submit_and_wait


def process(ctx, msg, cfg, snapshot):
    submit_and_wait(ctx, msg, cfg, "updateItem")
