"""Times as users type them and as Amazon wants them.

The reference component asked for `1970-01-01T00:00:00.000 +0000`; flow designers also paste plain ISO 8601.
Amazon wants ISO 8601 in UTC with a `Z`. Everything inside is an aware UTC datetime.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# `1970-01-01T00:00:00.000 +0000`: the reference's style (a space before a numeric offset).
_SPACED_OFFSET = re.compile(r"^(?P<stamp>\S+)\s+(?P<sign>[+-])(?P<hh>\d{2}):?(?P<mm>\d{2})$")


def parse_time(value: str, field: str) -> datetime:
    """Parse a user's or Amazon's timestamp; a naive one is taken as UTC. Errors name the field."""
    text = value.strip()
    match = _SPACED_OFFSET.match(text)
    if match:
        text = f"{match['stamp']}{match['sign']}{match['hh']}:{match['mm']}"
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{field}: {value!r} is not a time; use 1970-01-01T00:00:00.000 +0000 or ISO 8601"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def to_amazon(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds and `Z`, the form Amazon's own examples use."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
