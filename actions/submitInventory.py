"""submitInventory: a feed action (flow: amazon_mws.steps.feed_actions; feed type: amazon_mws.feeds.kinds)."""

from amazon_mws.steps.feed_actions import submit_and_wait


def process(ctx, msg, cfg, snapshot):
    submit_and_wait(ctx, msg, cfg, "submitInventory")
