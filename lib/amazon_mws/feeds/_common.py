"""Small helpers shared by the builders (kept apart so each builder module reads as its feed)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from amazon_mws.feeds.envelope import Fields

Built = tuple[etree._Element, "str | None"]


def root(tag: str, f: Fields) -> etree._Element:
    """The message's top element (Inventory, Price...), recorded as the input message itself."""
    elem = etree.Element(tag)
    f.origins.append((elem, f.base))
    return elem


def operation(
    msg: dict[str, Any], opts: dict[str, Any], key: str = "operation", default: str = "Update"
) -> str:
    """OperationType for the envelope: the message's own, else the step's field, else Update.

    The component's Submit Product says Upsert where Amazon says Update; both are accepted."""
    value = msg.get(key) or opts.get("operation") or default
    return "Update" if value == "Upsert" else str(value)


def money(
    parent: etree._Element, tag: str, value: dict[str, Any] | None, f: Fields, *where: str | int
) -> etree._Element | None:
    """Money as the Orders API spells it, `{"Amount": "19.99", "CurrencyCode": "USD"}`, becomes
    `<Tag currency="USD">19.99</Tag>`."""
    if value is None:
        return None
    return f.leaf(
        parent, tag, value.get("Amount"), *where, "Amount", attrs={"currency": value.get("CurrencyCode")}
    )
