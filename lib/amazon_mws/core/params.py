"""Request parameters in MWS's wire shape: enumerated lists, ISO 8601 timestamps with `Z`, booleans.

Sections describe a request as a dict whose list values are enumerated here (`{"MarketplaceId.Id":
["A", "B"]}` -> `MarketplaceId.Id.1=A&MarketplaceId.Id.2=B`), and `None` means "not sent". Values are
turned into strings once, here; signing.py encodes them once; nothing else touches them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone

ParamValue = str | int | bool | datetime | list | tuple | None


def iso8601(value: datetime | str, *, field: str = "timestamp") -> str:
    """A UTC ISO 8601 timestamp ending in `Z`. Naive datetimes are taken as UTC; strings are checked
    and normalised (Amazon's own returned cursors, e.g. `2020-06-24T14:38:21.306Z`, pass unchanged)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{field}: {value!r} is not an ISO 8601 date-time") from None
        if text.endswith("Z") and parsed.tzinfo is not None:
            return text
        value = parsed
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        if value.microsecond:
            return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    raise ValueError(f"{field}: expected a datetime or an ISO 8601 string, got {type(value).__name__}")


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


def str_list(
    values: Iterable[str] | str | None, *, field: str, max_items: int | None = None
) -> list[str] | None:
    """A list parameter given by a caller: a single string is a list of one; items must be non-blank."""
    if values is None:
        return None
    items = [values] if isinstance(values, str) else list(values)
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"{field}: every item must be a non-empty string, got {item!r}")
    if max_items is not None and len(items) > max_items:
        raise ValueError(f"{field}: at most {max_items} values per request, got {len(items)}")
    return [i.strip() for i in items]
