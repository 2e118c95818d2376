"""The NextToken walker: follows tokens, resumes from a stored token, refuses loops."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from amazon_mws.core.errors import PagingLoop
from amazon_mws.core.paging import NextTokenWalker, walk_pages


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


def test_max_pages_and_arguments() -> None:
    endless = NextTokenWalker(lambda t: Page(int(t) + 1, str(int(t) + 1)), lambda: Page(0, "0"), max_pages=4)
    assert [p.n for p in endless] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="start_token"):
        NextTokenWalker(CHAIN.__getitem__)
