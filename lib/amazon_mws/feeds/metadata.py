"""Dynamic metadata of the product actions (`dynamicMetadata: true` in component.json).

Submit Product's `in` schema depends on the step's Category and Operation fields, derived from the
XSDs at design time; the `out` schema is every feed action's output.
"""

from __future__ import annotations

from typing import Any

from amazon_mws.feeds import inputs
from amazon_mws.feeds.categories import _folder, generic_input_schema, product_input_schema


def _out() -> dict[str, Any]:
    return inputs.load_schema("feedResult.out")


def product_meta_model(cfg: dict[str, Any]) -> dict[str, Any]:
    """`{"in", "out"}` for Submit Product: common Product elements plus the chosen category's."""
    category = cfg.get("category")
    if not category:
        raise ValueError("category: is required to derive Submit Product's input schema")
    return {
        "in": product_input_schema(category, cfg.get("operation") or "Upsert", _folder(cfg)),
        "out": _out(),
    }


def payload_meta_model(cfg: dict[str, Any]) -> dict[str, Any]:
    """Category from payload: each message's ProductData names its category, checked per message at run
    time against that category's derived schema (one schema for all 55 would be megabytes)."""
    return {"in": generic_input_schema(), "out": _out()}
