"""Reading a step's fields as flow designers send them: strings for numbers, one value or a list,
nothing at all for an unticked checkbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from amazon_mws.core.orders import ORDER_STATUSES


def as_list(value: Any) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str) and "," in value:
        return [part.strip() for part in value.split(",") if part.strip()]
    return [value]


def as_int(cfg: Mapping[str, Any], field: str, *, default: int, low: int, high: int) -> int:
    raw = cfg.get(field)
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"cfg.{field}: {raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise ValueError(f"cfg.{field}: {value} is not between {low} and {high}")
    return value


def order_statuses(cfg: Mapping[str, Any], field: str = "orderStatus") -> list[str]:
    """The statuses the user chose, validated; one string or a list."""
    chosen = [str(s).strip() for s in as_list(cfg.get(field))]
    if not chosen:
        raise ValueError(f"cfg.{field}: is required (one of {', '.join(ORDER_STATUSES)})")
    for status in chosen:
        if status not in ORDER_STATUSES:
            raise ValueError(f"cfg.{field}: {status!r} is not one of {', '.join(ORDER_STATUSES)}")
    return list(dict.fromkeys(chosen))


def wire_statuses(chosen: list[str]) -> list[str]:
    """Amazon refuses Unshipped without PartiallyShipped and the reverse: ask for both, filter later."""
    wire = list(chosen)
    pair = ("Unshipped", "PartiallyShipped")
    if any(s in wire for s in pair):
        wire.extend(s for s in pair if s not in wire)
    return wire
