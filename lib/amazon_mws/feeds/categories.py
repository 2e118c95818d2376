"""Product categories (the members of Product.xsd's ProductData choice) and Submit Product's input
schema: the common Product elements plus the chosen category, derived from the XSDs at run time.

Without the XSDs (no AMAZON_XSD_DIR) the category list comes from the table below and the input schema
is a permissive one (SKU required, the rest passed through in the caller's order): the feed then relies
on Amazon's own processing report for errors, and the log says so.
"""

from __future__ import annotations

import copy
import logging
import os
from functools import lru_cache
from typing import Any

from amazon_mws.feeds.xsd import xsd_dir
from amazon_mws.feeds.xsd_json import child_elements, element_schema, product_schema

log = logging.getLogger(__name__)

# ProductData element -> the label sellers know (Seller Central's names, as the reference listed them).
CATEGORY_LABELS: dict[str, str] = {
    "AdditionalProductInformation": "Additional Product Information",
    "Arts": "Arts",
    "AutoAccessory": "Auto Accessories",
    "Baby": "Baby",
    "Beauty": "Beauty",
    "Books": "Books",
    "CameraPhoto": "Camera & Photo",
    "CE": "Consumer Electronics",
    "Clothing": "Clothing",
    "ClothingAccessories": "Clothing Accessories & Luggage",
    "Coins": "Coins",
    "Collectibles": "Collectibles",
    "Computers": "Computers",
    "EntertainmentCollectibles": "Entertainment Collectibles",
    "EUCompliance": "EU Compliance",
    "FBA": "FBA",
    "FoodAndBeverages": "Food & Beverages",
    "FoodServiceAndJanSan": "Food Service & Janitorial",
    "Furniture": "Furniture",
    "GiftCard": "Gift Cards",
    "Gourmet": "Grocery & Gourmet Food",
    "Health": "Health",
    "Home": "Home",
    "HomeImprovement": "Home Improvement",
    "Industrial": "Industrial & Scientific",
    "Jewelry": "Jewelry",
    "LabSupplies": "Industrial & Scientific: Lab & Scientific Supplies",
    "LargeAppliances": "Large Appliances",
    "Lighting": "Lighting",
    "Luggage": "Luggage",
    "LuxuryBeauty": "Luxury Beauty",
    "MaterialHandling": "Material Handling",
    "MechanicalFasteners": "Mechanical Fasteners",
    "Miscellaneous": "Miscellaneous",
    "Motorcycles": "Motorcycles",
    "Music": "Music",
    "MusicalInstruments": "Musical Instruments",
    "Office": "Office",
    "Outdoors": "Outdoors",
    "PetSupplies": "Pet Supplies",
    "PowerTransmission": "Industrial & Scientific: Power Transmission",
    "ProfessionalHealthCare": "Professional Health Care",
    "RawMaterials": "Industrial & Scientific: Raw Materials",
    "Shoes": "Shoes Handbags and Sunglasses",
    "SoftwareVideoGames": "Software and Video Games",
    "Sports": "Sports",
    "SportsMemorabilia": "Sports Collectibles",
    "ThreeDPrinting": "3D Printing",
    "TiresAndWheels": "Tires & Wheels",
    "Tools": "Tools",
    "Toys": "Toys & Games",
    "ToysBaby": "Toys & Baby",
    "Video": "Video",
    "WineAndAlcohol": "Wine & Alcohol",
    "Wireless": "Cell Phones & Accessories (Wireless)",
}
OPERATIONS = {"Upsert": "Upsert (Update)", "PartialUpdate": "Partial Update", "Delete": "Delete"}
_SCHEMA = "http://json-schema.org/draft-03/schema#"


def _folder(cfg: dict[str, Any] | None = None) -> str | None:
    found = xsd_dir((cfg or {}).get("xsdDir") or os.environ.get("AMAZON_XSD_DIR"))
    return str(found.resolve()) if found else None


@lru_cache(maxsize=4)
def _xsd_categories(folder: str) -> tuple[str, ...]:
    product = product_schema(folder).elements["Product"]
    data = next(e for e, _ in child_elements(product, False) if e.local_name == "ProductData")
    return tuple(e.local_name for e, _ in child_elements(data, True))


def category_names(folder: str | None = None) -> list[str]:
    """Every category element of ProductData: from the XSDs when present, else the known table."""
    return list(_xsd_categories(folder)) if folder else sorted(CATEGORY_LABELS)


def categories(cfg: dict[str, Any] | None = None) -> dict[str, str]:
    """Select model for the Category field: element name -> label, sorted by label."""
    names = category_names(_folder(cfg))
    return dict(sorted(((n, CATEGORY_LABELS.get(n, n)) for n in names), key=lambda kv: kv[1].lower()))


def operations(cfg: dict[str, Any] | None = None) -> dict[str, str]:
    """Select model for the Operation field (Upsert is Amazon's Update)."""
    return dict(OPERATIONS)


def check_category(category: Any, folder: str | None) -> str:
    names = category_names(folder)
    if category not in names:
        raise ValueError(
            f"category: {category!r} is not one of Product.xsd's ProductData categories "
            f"({', '.join(names[:8])}, ...)"
        )
    return category


def _envelope(item: dict[str, Any], title: str) -> dict[str, Any]:
    return {
        "$schema": _SCHEMA,
        "type": "object",
        "title": title,
        "properties": {
            "messages": {"type": "array", "title": "Messages", "required": True, "minItems": 1, "items": item}
        },
    }


@lru_cache(maxsize=128)
def _product_item(folder: str, category: str | None, operation: str) -> dict[str, Any]:
    product = product_schema(folder).elements["Product"]
    if operation == "Delete":  # Amazon needs only the SKU to delete a product
        sku = next(e for e, _ in child_elements(product, False) if e.local_name == "SKU")
        return {
            "type": "object",
            "title": "Product",
            "properties": {"SKU": element_schema(sku, optional=False)},
        }
    props: dict[str, Any] = {}
    for elem, optional in child_elements(product, False):
        if elem.local_name != "ProductData":
            props[elem.local_name] = element_schema(elem, optional=optional)
            continue
        members = {e.local_name: e for e, _ in child_elements(elem, True)}
        chosen = [category] if category else list(members)
        data = {
            "type": "object",
            "title": "Product Data",
            "description": "Exactly one category element" + (f": {category}" if category else ""),
            "properties": {name: element_schema(members[name], optional=category is None) for name in chosen},
            "additionalProperties": False,
        }
        if category and operation != "PartialUpdate":
            data["required"] = True
        props["ProductData"] = data
    return {"type": "object", "title": "Product", "properties": props, "additionalProperties": False}


def generic_input_schema() -> dict[str, Any]:
    """The permissive schema: SKU required, any category under ProductData (checked per message later)."""
    return _envelope(_generic_item(), "Submit Product")


def _generic_item() -> dict[str, Any]:
    return {
        "type": "object",
        "title": "Product",
        "description": "Amazon's Product element names; written in "
        "this order (install the XSDs, AMAZON_XSD_DIR, for the full schema and ordering)",
        "properties": {
            "SKU": {"type": "string", "title": "SKU", "required": True, "minLength": 1, "maxLength": 40},
            "ProductData": {"type": "object", "title": "Product Data"},
        },
    }


def product_input_schema(
    category: str | None, operation: str = "Upsert", folder: str | None = None
) -> dict[str, Any]:
    """The `{"messages": [Product...]}` schema of Submit Product (category None: any category, the
    one named by each message's ProductData, for Submit Product (Category from Payload))."""
    operation = "Update" if operation in (None, "", "Upsert") else operation
    if operation not in ("Update", "PartialUpdate", "Delete"):
        raise ValueError(f"operation: {operation!r} is not one of ['Upsert', 'PartialUpdate', 'Delete']")
    if folder is None:
        log.warning("AMAZON_XSD_DIR not set: Submit Product uses a permissive input schema")
        return generic_input_schema()
    if category is not None:
        check_category(category, folder)
    title = f"Submit Product: {CATEGORY_LABELS.get(category, category)}" if category else "Submit Product"
    return _envelope(copy.deepcopy(_product_item(folder, category, operation)), title)
