"""Price feed (`_POST_PRODUCT_PRICING_DATA_`, changeProductPrice): standard, business, quantity-tier and
sale prices and the seller's allowed range, in Amazon's element names and XSD order."""

from __future__ import annotations

from typing import Any

from amazon_mws.feeds._common import Built, money, root
from amazon_mws.feeds.envelope import Fields


def price(msg: dict[str, Any], f: Fields, opts: dict[str, Any], problems: list[str]) -> Built:
    elem = root("Price", f)
    f.leaf(elem, "SKU", msg.get("SKU"), "SKU")
    money(elem, "StandardPrice", msg.get("StandardPrice"), f, "StandardPrice")
    f.opt(elem, "BusinessPrice", msg, "BusinessPrice")
    tiers = msg.get("QuantityPrice") or []
    if tiers:
        f.leaf(elem, "QuantityPriceType", msg.get("QuantityPriceType") or "fixed", "QuantityPriceType")
        node = f.node(elem, "QuantityPrice", "QuantityPrice")
        for n, tier in enumerate(tiers[:5], start=1):
            f.leaf(node, f"QuantityPrice{n}", tier.get("Price"), "QuantityPrice", n - 1, "Price")
            f.leaf(
                node, f"QuantityLowerBound{n}", tier.get("LowerBound"), "QuantityPrice", n - 1, "LowerBound"
            )
    elif msg.get("QuantityPriceType") is not None:
        f.leaf(elem, "QuantityPriceType", msg["QuantityPriceType"], "QuantityPriceType")
    money(
        elem,
        "MinimumSellerAllowedPrice",
        msg.get("MinimumSellerAllowedPrice"),
        f,
        "MinimumSellerAllowedPrice",
    )
    money(
        elem,
        "MaximumSellerAllowedPrice",
        msg.get("MaximumSellerAllowedPrice"),
        f,
        "MaximumSellerAllowedPrice",
    )
    money(elem, "MAP", msg.get("MAP"), f, "MAP")
    sale = msg.get("Sale")
    if sale is not None:
        node = f.node(elem, "Sale", "Sale")
        f.leaf(node, "StartDate", sale.get("StartDate"), "Sale", "StartDate")
        f.leaf(node, "EndDate", sale.get("EndDate"), "Sale", "EndDate")
        money(node, "SalePrice", sale.get("SalePrice"), f, "Sale", "SalePrice")
    if all(
        msg.get(k) is None
        for k in (
            "StandardPrice",
            "BusinessPrice",
            "QuantityPrice",
            "MinimumSellerAllowedPrice",
            "MaximumSellerAllowedPrice",
            "MAP",
            "Sale",
        )
    ):
        problems.append(f"{f.base}: no price given (StandardPrice, BusinessPrice, QuantityPrice, Sale, ...)")
    return elem, None
