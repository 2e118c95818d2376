"""ProductImage feed (`_POST_PRODUCT_IMAGE_DATA_`, changeProductImage): set or delete one image slot."""

from __future__ import annotations

from typing import Any

from amazon_mws.feeds._common import Built, operation, root
from amazon_mws.feeds.envelope import Fields


def product_image(msg: dict[str, Any], f: Fields, opts: dict[str, Any], problems: list[str]) -> Built:
    op = operation(msg, opts)
    elem = root("ProductImage", f)
    f.leaf(elem, "SKU", msg.get("sku"), "sku")
    f.leaf(elem, "ImageType", msg.get("imageType"), "imageType")
    if msg.get("imageLocation") is not None:
        f.leaf(elem, "ImageLocation", msg["imageLocation"], "imageLocation")
    elif op != "Delete":
        problems.append(f"{f.path('imageLocation')}: is required unless the operation is Delete")
    return elem, op
