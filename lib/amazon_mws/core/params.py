"""Request parameters both backends take from callers: ISO 8601 timestamps with `Z`, lists of ids.

Both APIs want UTC timestamps ending in `Z` and accept their own returned cursors back unchanged; both
take lists of marketplace, order or feed ids that a caller may give as one string. How a list then goes
on the wire is each backend's business (MWS enumerates it, mws/params.py; SP-API joins it with commas).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from typing import Any


def iso8601(value: datetime | date | str, *, field: str = "timestamp") -> str:
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


def given_iso8601(query: Mapping[str, Any], name: str) -> str | None:
    """``query[name]`` as ``iso8601`` when given (a time filter of a list call), else None."""
    value = query.get(name)
    return iso8601(value, field=name) if value else None


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
