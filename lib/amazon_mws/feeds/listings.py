"""The listings actions on SP-API: the same JSON input as on MWS, sent as one JSON_LISTINGS_FEED.

Since 2025-07-31 SP-API refuses the XML listings feeds (Inventory, Price, ProductImage, Relationship,
Product): listings change through JSON_LISTINGS_FEED messages that patch a listing's attributes. Each step's
input is first checked against the step's own schema (the same file, the same error lines as on MWS), then
mapped to messages here, then the whole feed is checked against Amazon's listings feed schema when it is
installed (`AMAZON_LISTINGS_SCHEMA_DIR`: the folder holding `listings-feed-schema-v2.json`, as
AMAZON_XSD_DIR is for the XML feeds). Nothing is sent while anything is wrong.

Mapping (MWS message -> listings attributes; offer-only data uses the generic product type `PRODUCT`
unless the step config names one in `productType`):
- updateItem, submitInventory -> PATCH `fulfillment_availability` (quantity, lead time, restock date;
  FulfillmentCenterID becomes the channel code; Delete removes it);
- changeProductPrice -> PATCH `purchasable_offer` (our_price, sale as discounted_price, minimum / maximum
  seller allowed price, MAP) in the marketplace's currency;
- changeProductImage -> PATCH `main_product_image_locator` / `other_product_image_locator_N` /
  `swatch_product_image_locator` (other image types have no listings attribute: refused by name);
- establishProductRelationships -> PATCH each child's `child_parent_sku_relationship` and `parentage_level`,
  and the parent's `parentage_level` (only Variation exists on listings; other types are refused);
- submitProduct -> UPDATE with the product type of the category and its common descriptive attributes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from amazon_mws.core.feeds import JSON_LISTINGS_FEED
from amazon_mws.feeds.errors import FeedInputError
from amazon_mws.feeds.inputs import check_body

GENERIC_PRODUCT_TYPE = "PRODUCT"
SCHEMA_ENV = "AMAZON_LISTINGS_SCHEMA_DIR"
LISTINGS_STEPS = ("updateItem", "submitInventory", "changeProductPrice", "changeProductImage",
                  "establishProductRelationships", "submitProduct", "submitProductCategoryFromPayload")
MAX_MESSAGES = 25_000  # per JSON_LISTINGS_FEED document: Amazon's limit since 2025-05-06 (was 10,000),
# the schema's maxItems


@dataclass
class ListingsDocument:
    """One JSON_LISTINGS_FEED document, with the attributes `feeds.job` reads from a FeedDocument."""

    feed: dict[str, Any]
    feed_type: str = JSON_LISTINGS_FEED

    @property
    def xml(self) -> bytes:  # the job submits `doc.xml`: the document's bytes, whatever its format
        return json.dumps(self.feed, ensure_ascii=False).encode("utf-8")

    @property
    def message_count(self) -> int:
        return len(self.feed["messages"])


def _money(value: Any) -> float:
    return float(Decimal(str(value)))


def _patch(sku: str, product_type: str, patches: list[dict[str, Any]]) -> dict[str, Any]:
    return {"sku": sku, "operationType": "PATCH", "productType": product_type, "patches": patches}


def _inventory(m: dict[str, Any], ctx: dict[str, Any]) -> list[dict[str, Any]]:
    path = "/attributes/fulfillment_availability"
    if m.get("OperationType") == "Delete":
        return [_patch(m["SKU"], ctx["productType"], [{"op": "delete", "path": path}])]
    channel = m.get("FulfillmentCenterID") or (
        "AMAZON_NA" if m.get("SwitchFulfillmentTo") == "AFN" or m.get("Lookup") == "FulfillmentNetwork" else "DEFAULT")
    value: dict[str, Any] = {"fulfillment_channel_code": channel}
    if "Quantity" in m:
        value["quantity"] = m["Quantity"]
    if "Available" in m and "Quantity" not in m:
        value["is_inventory_available"] = bool(m["Available"])
    if "FulfillmentLatency" in m:
        value["lead_time_to_ship_max_days"] = m["FulfillmentLatency"]
    if m.get("RestockDate"):
        value["restock_date"] = m["RestockDate"]
    return [_patch(m["SKU"], ctx["productType"], [{"op": "replace", "path": path, "value": [value]}])]


def _price(m: dict[str, Any], ctx: dict[str, Any]) -> list[dict[str, Any]]:
    currency = None
    offer: dict[str, Any] = {"marketplace_id": ctx["marketplaceId"]}
    for field, attribute in (("StandardPrice", "our_price"), ("MinimumSellerAllowedPrice",
                             "minimum_seller_allowed_price"), ("MaximumSellerAllowedPrice",
                             "maximum_seller_allowed_price"), ("MAP", "map_price")):
        if field in m:
            currency = currency or m[field]["CurrencyCode"]
            offer[attribute] = [{"schedule": [{"value_with_tax": _money(m[field]["Amount"])}]}]
    sale = m.get("Sale")
    if sale:
        currency = currency or sale["SalePrice"]["CurrencyCode"]
        offer["discounted_price"] = [{"schedule": [{"start_at": sale["StartDate"], "end_at": sale["EndDate"],
                                                    "value_with_tax": _money(sale["SalePrice"]["Amount"])}]}]
    if currency and currency != "DEFAULT":
        offer["currency"] = currency
    return [_patch(m["SKU"], ctx["productType"],
                   [{"op": "replace", "path": "/attributes/purchasable_offer", "value": [offer]}])]


def _image_attribute(image_type: str) -> str | None:
    if image_type == "Main":
        return "main_product_image_locator"
    if image_type == "Swatch":
        return "swatch_product_image_locator"
    if image_type.startswith("PT") and image_type[2:].isdigit() and 1 <= int(image_type[2:]) <= 8:
        return f"other_product_image_locator_{int(image_type[2:])}"
    return None


def _image(m: dict[str, Any], ctx: dict[str, Any]) -> list[dict[str, Any]]:
    attribute = _image_attribute(m["imageType"])
    if attribute is None:
        raise ValueError(f"imageType: {m['imageType']!r} has no listings attribute on SP-API "
                         "(Main, Swatch and PT1-PT8 do)")
    path = f"/attributes/{attribute}"
    if m.get("operation") == "Delete":
        return [_patch(m["sku"], ctx["productType"], [{"op": "delete", "path": path}])]
    if not m.get("imageLocation"):
        raise ValueError("imageLocation: is required to update an image")
    value = [{"media_location": m["imageLocation"], "marketplace_id": ctx["marketplaceId"]}]
    return [_patch(m["sku"], ctx["productType"], [{"op": "replace", "path": path, "value": value}])]


def _relationship(m: dict[str, Any], ctx: dict[str, Any]) -> list[dict[str, Any]]:
    market, parent = ctx["marketplaceId"], m["parentSKU"]
    out = []
    for n, rel in enumerate(m["relation"]):
        if rel["type"] != "Variation":
            raise ValueError(f"relation[{n}].type: {rel['type']!r} has no listings equivalent on SP-API "
                             "(only Variation)")
        if m.get("operation") == "Delete":
            patches: list[dict[str, Any]] = [{"op": "delete", "path": "/attributes/child_parent_sku_relationship"}]
        else:
            patches = [
                {"op": "replace", "path": "/attributes/child_parent_sku_relationship", "value": [
                    {"marketplace_id": market, "child_relationship_type": "variation", "parent_sku": parent}]},
                {"op": "replace", "path": "/attributes/parentage_level",
                 "value": [{"marketplace_id": market, "value": "child"}]},
            ]
        out.append(_patch(rel["sku"], ctx["productType"], patches))
    if m.get("operation") != "Delete":
        out.insert(0, _patch(parent, ctx["productType"], [{"op": "replace", "path": "/attributes/parentage_level",
                                                          "value": [{"marketplace_id": market, "value": "parent"}]}]))
    return out


def _product(m: dict[str, Any], ctx: dict[str, Any]) -> list[dict[str, Any]]:
    market, tag = ctx["marketplaceId"], ctx.get("languageTag", "en_US")
    desc = m.get("DescriptionData") or {}
    attrs: dict[str, Any] = {}

    def text(name: str, value: Any) -> None:
        values = value if isinstance(value, list) else [value]
        attrs[name] = [{"value": str(v), "language_tag": tag, "marketplace_id": market} for v in values if v]

    for field, attribute in (("Title", "item_name"), ("Brand", "brand"), ("Description", "product_description"),
                             ("BulletPoint", "bullet_point"), ("Manufacturer", "manufacturer")):
        if desc.get(field):
            text(attribute, desc[field])
    pid = m.get("StandardProductID")
    if isinstance(pid, dict) and pid.get("Value"):
        attrs["externally_assigned_product_identifier"] = [
            {"type": str(pid.get("Type", "")).lower(), "value": str(pid["Value"]), "marketplace_id": market}]
    condition = (m.get("Condition") or {}).get("ConditionType") if isinstance(m.get("Condition"), dict) else None
    attrs["condition_type"] = [{"value": _condition(condition), "marketplace_id": market}]
    data = m.get("ProductData")
    category = ctx.get("category") or (next(iter(data)) if isinstance(data, dict) and len(data) == 1 else None)
    product_type = ctx.get("productTypeOverride") or str(category or GENERIC_PRODUCT_TYPE).upper()
    return [{"sku": m["SKU"], "operationType": "UPDATE", "productType": product_type, "requirements": "LISTING",
             "attributes": attrs}]


def _condition(value: str | None) -> str:
    if not value or value == "New":
        return "new_new"
    return "".join("_" + c.lower() if c.isupper() else c for c in value).lstrip("_")


MAPPERS = {
    "updateItem": ("updateItem.in", _inventory),
    "submitInventory": ("submitInventory.in", _inventory),
    "changeProductPrice": ("changeProductPrice.in", _price),
    "changeProductImage": ("changeProductImage.in", _image),
    "establishProductRelationships": ("establishProductRelationships.in", _relationship),
}


@cache
def _amazon_validator(folder: str):
    from jsonschema import Draft7Validator

    path = Path(folder) / "listings-feed-schema-v2.json"
    if not path.is_file():
        raise ValueError(f"{SCHEMA_ENV}: {folder} has no listings-feed-schema-v2.json")
    return Draft7Validator(json.loads(path.read_text(encoding="utf-8")))


def amazon_schema_problems(feed: dict[str, Any], folder: str | os.PathLike | None = None) -> list[str]:
    """The listings feed checked against Amazon's schema (when installed): one line per problem."""
    folder = folder or os.environ.get(SCHEMA_ENV)
    if not folder:
        return []
    problems = []
    for error in sorted(_amazon_validator(str(folder)).iter_errors(feed), key=lambda e: list(e.absolute_path)):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        problems.append(f"{where or 'feed'}: {error.message} (Amazon's listings feed schema)")
    return problems


def build_listings_feed(step: str, body: dict[str, Any], cfg: dict[str, Any],
                        *, schema_dir: str | os.PathLike | None = None) -> list[ListingsDocument]:
    """Validate `body` and build the JSON_LISTINGS_FEED document(s) for a listings step."""
    seller = cfg.get("sellerId")
    if not seller:
        raise FeedInputError(["sellerId: is required (it is the listings feed's header.sellerId)"],
                             what="step configuration")
    ctx = {"marketplaceId": cfg.get("marketplaceId"), "productType": cfg.get("productType") or GENERIC_PRODUCT_TYPE,
           "category": cfg.get("category"), "productTypeOverride": cfg.get("productType")}
    if step in MAPPERS:
        schema, mapper = MAPPERS[step]
        check_body(schema, body)
    elif step in ("submitProduct", "submitProductCategoryFromPayload"):
        # the same checks as on MWS (the category's schema, derived from Amazon's XSD when installed)
        from amazon_mws.feeds.products import build_product_feed

        category = cfg.get("category") if step == "submitProduct" else None
        if step == "submitProduct" and not category:
            raise FeedInputError(["category: is required (pick the product category)"], what="step configuration")
        build_product_feed(body, seller, category=category, operation_name=cfg.get("operation"))
        mapper = _product
    else:
        raise ValueError(f"step: {step!r} is not a listings step ({', '.join(LISTINGS_STEPS)})")
    problems: list[str] = []
    messages: list[dict[str, Any]] = []
    for index, message in enumerate(body["messages"]):
        try:
            messages.extend(mapper(message, ctx))
        except (ValueError, KeyError) as exc:
            text = str(exc.args[0]) if exc.args else str(exc)
            problems.append(f"messages[{index}].{text}" if isinstance(exc, ValueError) else
                            f"messages[{index}].{text}: is required")
    if problems:
        raise FeedInputError(problems)
    docs = []
    for start in range(0, len(messages), MAX_MESSAGES):
        chunk = [{"messageId": n, **m} for n, m in enumerate(messages[start:start + MAX_MESSAGES], start=1)]
        feed = {"header": {"sellerId": seller, "version": "2.0", "issueLocale": "en_US"}, "messages": chunk}
        problems.extend(amazon_schema_problems(feed, schema_dir))
        docs.append(ListingsDocument(feed))
    if problems:
        raise FeedInputError(problems)
    return docs
