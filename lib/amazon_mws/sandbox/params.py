"""Small readers for MWS request parameters (enumerated lists, bounded integers, dates)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from amazon_mws.sandbox.clock import parse_iso
from amazon_mws.sandbox.errors import invalid


def enumerated(params: Mapping[str, str], prefix: str) -> list[str]:
    """Values of `prefix.1`, `prefix.2`, ... in index order (MWS list parameters)."""
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)$")
    found = []
    for key, value in params.items():
        m = pattern.match(key)
        if m and value != "":
            found.append((int(m.group(1)), value))
    return [value for _, value in sorted(found)]


def bounded_int(params: Mapping[str, str], name: str, low: int, high: int, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(
            f"Value {raw} for parameter {name} is invalid. Must be an integer from {low} to {high}."
        ) from None
    if not low <= value <= high:
        raise invalid(
            f"Value {raw} for parameter {name} is invalid. Must be an integer from {low} to {high}."
        )
    return value


def date_param(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_iso(raw)
    except ValueError:
        raise invalid(
            f"Value {raw} for parameter {name} is invalid. Must be an ISO 8601 date-time."
        ) from None


def one_of(values: list[str], allowed: tuple[str, ...], name: str) -> None:
    for value in values:
        if value not in allowed:
            raise invalid(f"Value {value} for parameter {name} is invalid. Allowed: {', '.join(allowed)}.")
