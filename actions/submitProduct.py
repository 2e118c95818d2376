"""submitProduct: the Product feed for one category; its input schema is derived from that category's XSD."""

from amazon_mws.feeds.categories import categories, operations  # noqa: F401  (select models named in component.json)
from amazon_mws.feeds.metadata import product_meta_model
from amazon_mws.steps.feed_actions import submit_and_wait


def process(ctx, msg, cfg, snapshot):
    submit_and_wait(ctx, msg, cfg, "submitProduct")


def get_meta_model(cfg):
    return product_meta_model(cfg)
