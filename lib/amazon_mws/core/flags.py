"""Designer checkboxes as configs carry them: booleans, "true"/"false", "on", or nothing when unticked.

Here, below the backends, because a backend's factory reads them too (`withoutRestrictedData`).
"""

from __future__ import annotations

from typing import Any

from amazon_mws.runtime.validation import CHECKBOX_WORDS


def as_bool(value: Any) -> bool:
    """Missing means false; designers send true/false, "true"/"false", or "on" (a ticked CheckBoxView on
    elastic.io). The same words as cfg validation accepts, so a value that passed it reads the same here."""
    if isinstance(value, str):
        return CHECKBOX_WORDS.get(value.strip().lower(), False)
    return bool(value)
