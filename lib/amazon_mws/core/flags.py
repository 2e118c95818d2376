"""Designer checkboxes as configs carry them: booleans, "true"/"false", "on", or nothing when unticked.

Here, below the backends, because a backend's factory reads them too (`withoutRestrictedData`).
"""

from __future__ import annotations

from typing import Any


def as_bool(value: Any) -> bool:
    """Missing means false; designers send true/false, "true"/"false", "on"."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "on", "yes", "1")
    return bool(value)
