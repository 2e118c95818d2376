"""NextToken paging that always ends: loop detection plus a bound on pages per walk.

Amazon pages by handing back an opaque NextToken; a server bug (or a test double) that hands back a
token already followed would make a naive `while token:` loop forever, hammering the quota and growing
whatever the caller keeps per page. The walker remembers every token it followed and raises `PagingLoop`
on a repeat (A -> A, or a cycle A -> B -> A). A cycle it cannot see (a walk resumed in another process,
whose trail is gone) still ends: a walk follows at most `max_pages` pages, counting the pages read before
the resume, and then raises `TooManyPages` naming the limit and the variable that sets it.

Every paging loop of the package goes through `NextTokenWalker` (steps.order_sync, steps.order_lookup).

`prefetch=True` requests the next page (in one helper thread) as soon as a page's NextToken is known,
before that page is handed over, so Amazon's time to answer runs while the caller stores the page. Pages
still come in order and an error of the next page is raised where it would be without prefetch (when the
caller asks for that page). A walk closed early (the caller stopped, or Ctrl-C / --timeout unwound it) does
not wait for the request in flight, which may be sitting out a minute of ListOrders' quota: it finishes in
its daemon thread and its page is dropped, so an interrupted process ends at once. The connection is shared
with that thread meanwhile (requests' connection pool and the limiter are thread-safe). It costs one
request nobody reads when the caller stops early on its own (a sample call must not prefetch).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Generic, Protocol, TypeVar

from amazon_mws.core.errors import PagingLoop

MAX_PAGES_ENV = "AMAZON_MWS_MAX_PAGES"
DEFAULT_MAX_PAGES = 10_000  # a million orders at 100 a page: far past any real window, short of forever


class TooManyPages(PagingLoop):
    """A walk reached its page limit: most likely a NextToken cycle longer than one process saw."""

    default_code = "TooManyPages"


class HasNextToken(Protocol):
    @property
    def next_token(self) -> str | None: ...


P = TypeVar("P", bound=HasNextToken)


def max_pages_from_env() -> int:
    """AMAZON_MWS_MAX_PAGES, a whole number of at least 1 (default 10,000)."""
    raw = os.environ.get(MAX_PAGES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_PAGES
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{MAX_PAGES_ENV}: {raw!r} is not a whole number of at least 1")
    return int(raw)


class NextTokenWalker(Generic[P]):
    """Iterate pages: `first()` (or `next_page(start_token)` when resuming), then `next_page(token)`
    while a token comes back. `what` names the listing in errors ("ListOrders"); `pages_done` is how
    many pages of this walk were read before a resume; `tokens_followed` is the trail, for diagnostics."""

    def __init__(
        self,
        next_page: Callable[[str], P],
        first: Callable[[], P] | None = None,
        *,
        start_token: str | None = None,
        max_pages: int | None = None,
        pages_done: int = 0,
        what: str = "listing",
        prefetch: bool = False,
    ) -> None:
        if first is None and not start_token:
            raise ValueError("start_token: required when there is no first-page call")
        self._first = first
        self._next_page = next_page
        self._start_token = start_token
        self._max_pages = max_pages_from_env() if max_pages is None else max_pages
        self._pages = pages_done
        self.what = what
        self.prefetch = prefetch
        self.tokens_followed: list[str] = []
        self._seen: set[str] = set()

    def _read(self, call: Callable[[], P]) -> P:
        if self._pages >= self._max_pages:
            raise TooManyPages(
                f"{self.what}: still paging after {self._pages} pages, the limit of one walk (set by "
                f"{MAX_PAGES_ENV}, now {self._max_pages}); Amazon's NextTokens seem to go round in a cycle"
            )
        self._pages += 1
        return call()

    def _follow(self, token: str) -> P:
        if token in self._seen:
            raise PagingLoop(
                f"{self.what}: NextToken repeated after {len(self.tokens_followed)} pages; refusing to loop",
                code="NextTokenLoop",
            )
        self._seen.add(token)
        self.tokens_followed.append(token)
        return self._read(lambda: self._next_page(token))

    def __iter__(self) -> Iterator[P]:
        if self._start_token:
            page = self._follow(self._start_token)
        else:
            assert self._first is not None  # checked in __init__
            page = self._read(self._first)
        if self.prefetch:
            yield from self._prefetched(page)
            return
        yield page
        while page.next_token:
            page = self._follow(page.next_token)
            yield page

    def _prefetched(self, page: P) -> Iterator[P]:
        while True:
            token = page.next_token
            ahead = _in_helper(self._follow, token, f"{self.what}-prefetch") if token else None
            yield page  # closed here (early, or by Ctrl-C / --timeout unwinding the caller): nothing waits
            if ahead is None:
                return
            page = ahead.result()


def _in_helper(call: Callable[[str], P], token: str, name: str) -> Future[P]:
    """``call(token)`` in a daemon thread: its answer as a Future. A daemon, unlike an executor's thread,
    never holds up the end of the process."""
    future: Future[P] = Future()

    def run() -> None:
        future.set_running_or_notify_cancel()
        try:
            future.set_result(call(token))
        except BaseException as exc:  # handed to the reader of the page, raised where it reads it
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


def walk_pages(first: Callable[[], P], next_page: Callable[[str], P], *, what: str = "listing") -> Iterator[P]:
    """Shorthand: every page of a listing, first call then NextTokens."""
    return iter(NextTokenWalker(next_page, first, what=what))
