"""NextTokens: opaque names for stored cursors over a result set frozen at the first call.

A token names (cursor, offset); the same token can be sent again (a client retrying after a 503 must
get the same page), and a token from one operation family is refused by another. Tokens look like
Amazon's (long base64 with `+`, `/` and `=`), which exercises a client's URL encoding.
"""

from __future__ import annotations

import base64
import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from amazon_mws.sandbox.errors import SandboxError

MAX_TOKENS = 20_000


@dataclass
class Cursor:
    family: str  # "orders", "items", "feeds": the operations that may continue it
    rows: list[Any]
    page_size: int
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the LastUpdatedBefore to repeat
    first_token: str | None = None  # the NextToken of the first page
    cycle: bool = False  # the "cycle" fault: the last page hands back `first_token`


def corrupted() -> SandboxError:
    return SandboxError(
        "NextTokenCorrupted",
        "We could not decode your NextToken. Possible reasons include: a transmission error, "
        "improper quoting or a truncation problem.",
    )


class Cursors:
    def __init__(self) -> None:
        self._tokens: OrderedDict[str, tuple[Cursor, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._local = threading.local()

    @contextlib.contextmanager
    def cycling(self, on: bool) -> Iterator[None]:
        """While on, a listing paged in this thread (this request's) cycles from now on: the "cycle" fault."""
        self._local.cycle = on
        try:
            yield
        finally:
            self._local.cycle = False

    def page(self, cursor: Cursor, offset: int) -> tuple[list[Any], str | None]:
        """Rows of the page at `offset`, and the token of the next page (None on the last)."""
        rows = cursor.rows[offset : offset + cursor.page_size]
        nxt = offset + cursor.page_size
        cursor.cycle = cursor.cycle or getattr(self._local, "cycle", False)
        if nxt >= len(cursor.rows):
            return rows, cursor.first_token if cursor.cycle else None
        token = base64.b64encode(os.urandom(71)).decode("ascii")  # 71 bytes: ends in "="
        if offset == 0:
            cursor.first_token = token
        with self._lock:
            self._tokens[token] = (cursor, nxt)
            while len(self._tokens) > MAX_TOKENS:
                self._tokens.popitem(last=False)
        return rows, token

    def resume(self, token: str | None, family: str) -> tuple[Cursor, int]:
        if not token:
            raise SandboxError("MissingParameter", "The request must contain the parameter NextToken.")
        with self._lock:
            found = self._tokens.get(token)
        if found is None or found[0].family != family:
            raise corrupted()
        return found
