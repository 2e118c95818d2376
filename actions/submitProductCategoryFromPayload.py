"""submitProductCategoryFromPayload: the Product feed, each message naming its category."""

from amazon_mws.feeds.categories import operations  # noqa: F401  (select model named in component.json)
from amazon_mws.feeds.metadata import payload_meta_model
from amazon_mws.steps.feed_actions import submit_and_wait


def process(ctx, msg, cfg, snapshot):
    submit_and_wait(ctx, msg, cfg, "submitProductCategoryFromPayload")


def get_meta_model(cfg):
    return payload_meta_model(cfg)
