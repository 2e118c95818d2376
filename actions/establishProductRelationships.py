"""establishProductRelationships: a feed action (flow: feeds.action; feed type: feeds.kinds)."""

from amazon_mws.steps.feed_actions import submit_and_wait


def process(ctx, msg, cfg, snapshot):
    submit_and_wait(ctx, msg, cfg, "establishProductRelationships")
