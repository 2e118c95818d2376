"""Relationship feed (`_POST_PRODUCT_RELATIONSHIP_DATA_`, establishProductRelationships): a parent SKU
and its children (variations, accessories, ...)."""

from __future__ import annotations

from typing import Any

from amazon_mws.feeds._common import Built, operation, root
from amazon_mws.feeds.envelope import Fields


def relationship(msg: dict[str, Any], f: Fields, opts: dict[str, Any], problems: list[str]) -> Built:
    elem = root("Relationship", f)
    f.leaf(elem, "ParentSKU", msg.get("parentSKU"), "parentSKU")
    relations = msg.get("relation") or []
    if not relations:
        problems.append(f"{f.path('relation')}: at least one relation is required")
    for i, rel in enumerate(relations):
        node = f.node(elem, "Relation", "relation", i)
        f.leaf(node, "SKU", rel.get("sku"), "relation", i, "sku")
        f.leaf(node, "Type", rel.get("type"), "relation", i, "type")
    return elem, operation(msg, opts)
