"""NextToken paging with loop detection.

MWS pages by handing back an opaque NextToken; a server bug (or a test double) that hands back a
token already followed would make a naive `while token:` loop forever, hammering the quota. The
walker remembers every token it followed and raises `PagingLoop` on a repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar

from amazon_mws.core.errors import PagingLoop


class HasNextToken(Protocol):
    next_token: str | None


P = TypeVar("P", bound=HasNextToken)


class NextTokenWalker(Generic[P]):
    """Iterate pages: `first()` (or `next_page(start_token)` when resuming), then `next_page(token)`
    while a token comes back. `tokens_followed` is the trail, for state and diagnostics."""

    def __init__(
        self,
        next_page: Callable[[str], P],
        first: Callable[[], P] | None = None,
        *,
        start_token: str | None = None,
        max_pages: int | None = None,
    ) -> None:
        if first is None and not start_token:
            raise ValueError("start_token: required when there is no first-page call")
        self._first = first
        self._next_page = next_page
        self._start_token = start_token
        self._max_pages = max_pages
        self.tokens_followed: list[str] = []
        self._seen: set[str] = set()

    def _follow(self, token: str) -> P:
        if token in self._seen:
            raise PagingLoop(
                f"NextToken repeated after {len(self.tokens_followed)} pages; refusing to loop",
                code="NextTokenLoop",
            )
        self._seen.add(token)
        self.tokens_followed.append(token)
        return self._next_page(token)

    def __iter__(self) -> Iterator[P]:
        page = self._follow(self._start_token) if self._start_token else self._first()  # type: ignore[misc]
        pages = 1
        yield page
        while page.next_token:
            if self._max_pages is not None and pages >= self._max_pages:
                return
            page = self._follow(page.next_token)
            pages += 1
            yield page


def walk_pages(first: Callable[[], P], next_page: Callable[[str], P]) -> Iterator[P]:
    """Shorthand: every page of a listing, first call then NextTokens."""
    return iter(NextTokenWalker(next_page, first))
