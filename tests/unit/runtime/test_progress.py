"""A long quota wait is announced on stderr with the operation, Amazon's rate and the time it ends."""

from __future__ import annotations

import re

from amazon_mws.core.limiter import LocalLimiter


def test_a_long_quota_wait_says_what_and_until_when(capsys) -> None:
    slept: list[float] = []
    limiter = LocalLimiter(1.0, clock=lambda: 1000.0, sleep=slept.append)
    for _ in range(6):  # ListOrders' burst: no wait, nothing said
        limiter.acquire("SELLER", "ListOrders")
    assert capsys.readouterr().err == ""
    limiter.acquire("SELLER", "ListOrders")
    err = capsys.readouterr().err
    assert slept and slept[-1] > 60
    assert re.fullmatch(r"waiting for Amazon's quota \(ListOrders, 1 a minute\) until \d\d:\d\d:\d\d\n", err), err


def test_short_pacing_gaps_stay_silent(capsys) -> None:
    limiter = LocalLimiter(0.001, clock=lambda: 1000.0, sleep=lambda s: None)
    for _ in range(8):
        limiter.acquire("SELLER", "ListOrders")
    assert capsys.readouterr().err == ""
