"""Get New And Updated Orders: polls Amazon for orders changed since the last completed window.

The work is in amazon_mws.steps.order_sync; this module is the manifest's entry point. Its out metadata
depends on the Output Format field (Amazon's MWS order shape, Spree's, or Orders v2026-01-01's own), hence
get_meta_model.
"""

import json

from amazon_mws.backends import orders_api
from amazon_mws.core.marketplaces import marketplace_choices, region_of
from amazon_mws.runtime.paths import component_root
from amazon_mws.steps.order_sync import (
    OUTPUT_SPREE,
    OUTPUT_V2026,
    OrderSync,
    SyncOptions,
    cfg_problems,
    output_format,
)

OUT_SCHEMAS = {OUTPUT_SPREE: "getNewAndUpdatedOrders.spree.out.json",
               OUTPUT_V2026: "getNewAndUpdatedOrders.v2026.out.json"}


def process(ctx, msg, cfg, snapshot):
    options = SyncOptions.from_cfg(cfg)  # bad fields fail before any request
    OrderSync(ctx, orders_api(cfg, sample=ctx.sample), options).poll(snapshot)


def check_cfg(cfg):
    """Every bad field of this trigger, asked by the runtime before the run (so none is found mid-run)."""
    return cfg_problems(cfg)


def marketplaces(cfg):
    """The Marketplaces field's choices: those of the credentials' marketplace's region (one host, one region)."""
    home = region_of(str(cfg.get("marketplaceId") or ""))
    return {mid: name for mid, name in marketplace_choices().items() if home is None or region_of(mid) == home}


def get_meta_model(cfg):
    name = OUT_SCHEMAS.get(output_format(cfg), "getNewAndUpdatedOrders.out.json")
    return {"out": json.loads((component_root() / "schemas" / name).read_text(encoding="utf-8"))}
