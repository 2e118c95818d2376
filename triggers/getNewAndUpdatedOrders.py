"""Get New And Updated Orders: polls Amazon for orders changed since the last completed window.

The work is in amazon_mws.steps.order_sync; this module is the manifest's entry point.
"""

from amazon_mws.steps.clients import orders_api
from amazon_mws.steps.order_sync import OrderSync, SyncOptions


def process(ctx, msg, cfg, snapshot):
    options = SyncOptions.from_cfg(cfg)  # bad fields fail before any request
    OrderSync(ctx, orders_api(cfg, sample=ctx.sample), options).poll(snapshot)
