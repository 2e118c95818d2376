"""Request parameters in MWS's wire shape: enumerated lists, booleans as `true`/`false`.

Sections describe a request as a dict whose list values are enumerated here (`{"MarketplaceId.Id":
["A", "B"]}` -> `MarketplaceId.Id.1=A&MarketplaceId.Id.2=B`), and `None` means "not sent". Values are
turned into strings once, here; signing.py encodes them once; nothing else touches them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from amazon_mws.core.params import iso8601

ParamValue = str | int | bool | datetime | Sequence[object] | None


def to_wire(value: object, *, field: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso8601(value, field=field)
    if isinstance(value, (int, str)):
        return str(value)
    raise ValueError(f"{field}: unsupported parameter value of type {type(value).__name__}")


def flatten(params: Mapping[str, ParamValue]) -> dict[str, str]:
    """Enumerate list values (1-based), drop None and empty lists, stringify the rest."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            for i, item in enumerate(value, start=1):
                if item is None:
                    continue
                out[f"{key}.{i}"] = to_wire(item, field=key)
        else:
            out[key] = to_wire(value, field=key)
    return out
