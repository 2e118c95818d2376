"""Get New And Updated Orders: polls Amazon for orders changed since the last completed window.

The work is in amazon_mws.steps.order_sync; this module is the manifest's entry point. Its out metadata
depends on the Output Format field (Amazon's order shape or Spree's), hence get_meta_model.
"""

import json

from amazon_mws.backends import orders_api
from amazon_mws.runtime.paths import component_root
from amazon_mws.steps.order_sync import OUTPUT_SPREE, OrderSync, SyncOptions, output_format

OUT_SCHEMAS = {OUTPUT_SPREE: "getNewAndUpdatedOrders.spree.out.json"}


def process(ctx, msg, cfg, snapshot):
    options = SyncOptions.from_cfg(cfg)  # bad fields fail before any request
    OrderSync(ctx, orders_api(cfg, sample=ctx.sample), options).poll(snapshot)


def get_meta_model(cfg):
    name = OUT_SCHEMAS.get(output_format(cfg), "getNewAndUpdatedOrders.out.json")
    return {"out": json.loads((component_root() / "schemas" / name).read_text(encoding="utf-8"))}
