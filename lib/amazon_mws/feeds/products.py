"""Product feed (`_POST_PRODUCT_DATA_`): Submit Product (one category, chosen in the step) and Submit
Product (Category from Payload) (each message names its category under ProductData).

Input is the Product element in Amazon's names (`SKU`, `StandardProductID`, `DescriptionData`,
`ProductData: {"Toys": {...}}`); the XML is written in the XSD's order whatever the JSON key order.
"""

from __future__ import annotations

import os
from typing import Any

from jsonschema import Draft3Validator
from lxml import etree

from amazon_mws.feeds import inputs
from amazon_mws.feeds._common import Built, operation
from amazon_mws.feeds.envelope import FeedDocument, Fields
from amazon_mws.feeds.errors import FeedInputError
from amazon_mws.feeds.kinds import FeedKind
from amazon_mws.feeds.xsd_json import product_schema, write_element, write_generic

FEED_TYPE = "_POST_PRODUCT_DATA_"


def product(msg: dict[str, Any], f: Fields, opts: dict[str, Any], problems: list[str]) -> Built:
    op = operation({}, opts)
    data = msg.get("ProductData")
    if op != "Delete" and isinstance(data, dict):
        if len(data) != 1:
            problems.append(f"{f.path('ProductData')}: exactly one category is required, got {len(data)}")
        elif opts.get("category") and next(iter(data)) != opts["category"]:
            problems.append(
                f"{f.path('ProductData')}: category {next(iter(data))!r} is not the step's "
                f"{opts['category']!r}"
            )
    holder = etree.Element("holder")
    folder = opts.get("xsdFolder")
    if folder:
        decl = product_schema(folder).elements["Product"]
        body = {"SKU": msg.get("SKU")} if op == "Delete" else msg
        write_element(holder, decl, body, f, ())
    else:
        write_generic(holder, "Product", {"SKU": msg.get("SKU")} if op == "Delete" else msg, f, ())
    return holder[0], op


KIND = FeedKind("submitProduct", FEED_TYPE, "Product", "", product)
KIND_FROM_PAYLOAD = FeedKind("submitProductCategoryFromPayload", FEED_TYPE, "Product", "", product)


def _payload_problems(body: Any, op: str, folder: str | None) -> list[str]:
    """Each message against its own category's derived schema (the message names the category)."""
    from amazon_mws.feeds.categories import category_names, generic_input_schema, product_input_schema

    problems = inputs.schema_problems(Draft3Validator(generic_input_schema()), body)
    if problems or folder is None or op == "Delete":
        return problems
    known = set(category_names(folder))
    for i, msg in enumerate(body["messages"]):
        data = msg.get("ProductData")
        names = list(data) if isinstance(data, dict) else []
        if len(names) != 1 or names[0] not in known:
            problems.append(
                f"messages[{i}].ProductData: must hold exactly one category element of "
                f"Product.xsd (got {names or 'none'})"
            )
            continue
        item = product_input_schema(names[0], op, folder)["properties"]["messages"]["items"]
        for line in inputs.schema_problems(Draft3Validator(item), msg):
            prefix, _, rule = line.partition(": ")
            path = f"messages[{i}]" + (
                "" if prefix == "(input)" else ("" if prefix.startswith("[") else ".") + prefix
            )
            problems.append(f"{path}: {rule}")
    return problems


def build_product_feed(
    body: dict[str, Any],
    merchant_id: str | None,
    *,
    category: str | None,
    operation_name: str | None = "Upsert",
    folder: str | os.PathLike | None = None,
    **limits: int,
) -> list[FeedDocument]:
    """Validate and build a Product feed. `category` None: each message's ProductData names it."""
    from amazon_mws.feeds.build import build_feed
    from amazon_mws.feeds.categories import check_category, product_input_schema
    from amazon_mws.feeds.xsd import xsd_dir

    found = xsd_dir(folder)
    folder_s = str(found.resolve()) if found else None
    op = "Update" if operation_name in (None, "", "Upsert") else operation_name
    options = {"operation": op, "category": category, "xsdFolder": folder_s}
    if category is not None:
        try:
            check_category(category, folder_s)
        except ValueError as exc:
            raise FeedInputError([str(exc)], what="step configuration") from None
        schema = product_input_schema(category, op, folder_s)
        return build_feed(
            KIND, body, merchant_id, options=options, schema=schema, xsd_folder=folder_s, **limits
        )
    problems = _payload_problems(body, op, folder_s)
    if problems:
        raise FeedInputError(problems)
    return build_feed(
        KIND_FROM_PAYLOAD,
        body,
        merchant_id,
        options=options,
        schema={"type": "object"},
        xsd_folder=folder_s,
        **limits,
    )
