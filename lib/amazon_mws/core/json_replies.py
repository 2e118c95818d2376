"""Decoding Amazon's JSON replies: orjson where it gives exactly what ``json.loads`` gives, else ``json``.

Why: the orders trigger decodes every getOrders reply (100 orders, about 100 KB) in the thread that then
sends the next request, so the decoding is on the walk's critical path; orjson decodes such a page in
two thirds of ``json.loads``' time. Why not orjson alone: it reads an integer past 64 bits as a float,
where ``json.loads`` keeps it exact, and it refuses what ``json.loads`` accepts beyond strict JSON (NaN,
a lone surrogate escape). So a reply holding a run of 19 digits or more anywhere (a large integer can
only be such a run; in a string it costs nothing but the slower decoder) goes to ``json.loads``, and so
does any reply orjson refuses: ``json.loads`` then answers, or raises its ``ValueError``.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_DIGITS_AS_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19  # 2**63 has 19 digits: every integer orjson might turn into a float is this long


def loads(raw: bytes) -> Any:
    """``json.loads(raw.decode("utf-8"))``, faster for the replies Amazon sends (see the module's docstring)."""
    if _LONG_NUMBER not in raw.translate(_DIGITS_AS_ZEROS):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw.decode("utf-8"))
