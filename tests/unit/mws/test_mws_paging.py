"""The NextToken walker: follows tokens, resumes from a stored token, refuses loops, stops at its page limit."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

from amazon_mws.core.errors import PagingLoop, TransportError
from amazon_mws.core.paging import AHEAD, MAX_PAGES_ENV, NextTokenWalker, TooManyPages, max_pages_from_env, walk_pages


@dataclass
class Page:
    n: int
    next_token: str | None


CHAIN = {"t1": Page(2, "t2"), "t2": Page(3, None)}


def test_walks_until_no_token() -> None:
    calls: list[str] = []

    def next_page(token: str) -> Page:
        calls.append(token)
        return CHAIN[token]

    assert [p.n for p in walk_pages(lambda: Page(1, "t1"), next_page)] == [1, 2, 3]
    assert calls == ["t1", "t2"]


def test_resume_from_a_stored_token_and_trail() -> None:
    walker = NextTokenWalker(CHAIN.__getitem__, start_token="t1")
    assert [p.n for p in walker] == [2, 3]
    assert walker.tokens_followed == ["t1", "t2"]


def test_repeated_token_raises_after_the_pages_it_could_serve() -> None:
    pages = {"a": Page(2, "b"), "b": Page(3, "a")}
    seen = []
    with pytest.raises(PagingLoop, match="repeated after 2 pages"):
        for page in NextTokenWalker(pages.__getitem__, lambda: Page(1, "a")):
            seen.append(page.n)
    assert seen == [1, 2, 3]


def test_the_page_limit_is_an_error_naming_it_and_counts_pages_read_before_a_resume() -> None:
    def endless(token: str) -> Page:
        return Page(int(token) + 1, str(int(token) + 1))

    seen = []
    with pytest.raises(TooManyPages, match=f"ListOrders: still paging after 4 pages.*{MAX_PAGES_ENV}, now 4"):
        for page in NextTokenWalker(endless, lambda: Page(0, "0"), max_pages=4, what="ListOrders"):
            seen.append(page.n)
    assert seen == [0, 1, 2, 3]
    resumed = iter(NextTokenWalker(endless, start_token="7", max_pages=4, pages_done=3))
    assert next(resumed).n == 8
    with pytest.raises(TooManyPages, match="after 4 pages"):
        next(resumed)


def test_the_limit_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv(MAX_PAGES_ENV, "2")
    with pytest.raises(TooManyPages, match="after 2 pages"):
        list(NextTokenWalker(lambda t: Page(int(t) + 1, str(int(t) + 1)), lambda: Page(0, "0")))
    for bad in ("0", "-1", "many"):
        monkeypatch.setenv(MAX_PAGES_ENV, bad)
        with pytest.raises(ValueError, match=f"{MAX_PAGES_ENV}: '{bad}' is not a whole number"):
            max_pages_from_env()
    monkeypatch.delenv(MAX_PAGES_ENV)
    assert max_pages_from_env() == 10_000


def test_start_token_is_required_without_a_first_call() -> None:
    with pytest.raises(ValueError, match="start_token"):
        NextTokenWalker(CHAIN.__getitem__)


def test_prefetch_asks_for_the_next_page_before_handing_over_this_one() -> None:
    """With prefetch the next request is under way (here: done, in the helper thread) while the caller holds
    a page; the pages still come in order, the last one starts no request."""
    requested: list[str] = []
    arrived = {"t1": threading.Event(), "t2": threading.Event()}

    def next_page(token: str) -> Page:
        requested.append(token)
        arrived[token].set()
        return CHAIN[token]

    walker = iter(NextTokenWalker(next_page, lambda: Page(1, "t1"), prefetch=True))
    assert next(walker).n == 1
    assert arrived["t1"].wait(5)  # requested while the caller still holds page 1
    assert next(walker).n == 2
    assert arrived["t2"].wait(5)
    assert [p.n for p in walker] == [3]
    assert requested == ["t1", "t2"]


@pytest.mark.parametrize("prefetch", [False, True])
def test_prefetch_raises_the_next_pages_error_where_the_walk_without_it_does(prefetch: bool) -> None:
    pages = {"a": Page(2, "b"), "b": Page(3, "a")}
    seen = []
    with pytest.raises(PagingLoop, match="repeated after 2 pages"):
        for page in NextTokenWalker(pages.__getitem__, lambda: Page(1, "a"), prefetch=prefetch):
            seen.append(page.n)
    assert seen == [1, 2, 3]

    def failing(token: str) -> Page:
        raise TransportError("ListOrders: connection refused")

    got = []
    with pytest.raises(TransportError):
        for page in NextTokenWalker(failing, lambda: Page(1, "x"), prefetch=prefetch):
            got.append(page.n)
    assert got == [1]  # the first page was handed over before the second's failure was raised


def test_a_walk_closed_early_does_not_wait_for_the_request_in_flight() -> None:
    """Ctrl-C unwinding a walk must not sit out the next request's quota wait (a minute for ListOrders)."""
    release = threading.Event()
    finished = threading.Event()

    def slow(token: str) -> Page:
        release.wait(5)
        finished.set()
        return CHAIN[token]

    walker = iter(NextTokenWalker(slow, lambda: Page(1, "t1"), prefetch=True))
    assert next(walker).n == 1
    started = time.monotonic()
    walker.close()  # type: ignore[attr-defined]  # a generator
    assert time.monotonic() - started < 1 and not finished.is_set()  # closed at once, the request runs on
    release.set()
    assert finished.wait(5)  # and ends on its own, in its daemon thread
    helpers = [t for t in threading.enumerate() if t.name.endswith("-prefetch")]
    assert all(t.daemon for t in helpers)  # never holds up the end of the process


def test_prefetch_keeps_walking_while_the_caller_stores_but_stays_two_pages_ahead() -> None:
    """The next request never waits for the caller's work on the page before, and memory stays bounded:
    while the caller holds page 1, pages 2 and 3 are fetched and page 4 is not asked for."""
    long_chain = {f"t{n}": Page(n + 1, f"t{n + 1}" if n < 9 else None) for n in range(1, 10)}
    requested: list[str] = []
    asked = threading.Condition()

    def next_page(token: str) -> Page:
        with asked:
            requested.append(token)
            asked.notify_all()
        return long_chain[token]

    walker = iter(NextTokenWalker(next_page, lambda: Page(1, "t1"), prefetch=True))
    assert next(walker).n == 1
    with asked:
        assert asked.wait_for(lambda: len(requested) == AHEAD, timeout=5)  # both asked for while we hold 1
    time.sleep(0.2)  # room for a third request, which must not come
    assert requested == ["t1", "t2"]
    assert next(walker).n == 2
    with asked:
        assert asked.wait_for(lambda: len(requested) == 3, timeout=5)  # one taken: one more asked for
    assert [p.n for p in walker] == list(range(3, 11))
    assert requested == [f"t{n}" for n in range(1, 10)]


def test_a_walk_closed_early_asks_for_nothing_more() -> None:
    requested: list[str] = []
    endless = threading.Event()

    def next_page(token: str) -> Page:
        requested.append(token)
        endless.set()
        return Page(int(token[1:]) + 1, f"t{int(token[1:]) + 1}")

    walker = iter(NextTokenWalker(next_page, lambda: Page(1, "t1"), prefetch=True))
    assert next(walker).n == 1
    assert endless.wait(5)
    walker.close()  # type: ignore[attr-defined]  # a generator
    time.sleep(0.2)
    count = len(requested)
    assert count <= AHEAD  # what was under way when it closed, nothing after
    time.sleep(0.2)
    assert len(requested) == count
