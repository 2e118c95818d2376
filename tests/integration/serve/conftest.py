"""Fixtures for `amazon-mws serve`: a real sandbox and the real service, both over loopback HTTP.

Time is compressed 100x on both sides (quota restores, feed processing), and feed checks run every 50 ms,
so a feed submitted with ?wait=true comes back with its processing report in well under a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from amazon_mws import backends
from amazon_mws.sandbox import Sandbox
from amazon_mws.serve import Service

from .serve_support import TIME_SCALE, TOKEN, Served, server_config


@pytest.fixture
def time_scale() -> float:
    """How much faster than real time quotas restore and feeds process (a module may override it)."""
    return TIME_SCALE


@pytest.fixture(autouse=True)
def compressed_time(monkeypatch: pytest.MonkeyPatch, time_scale: float) -> Iterator[None]:
    """The client's limiter and the sandbox agree on a 100x faster clock; feed checks every 50 ms."""
    monkeypatch.setenv("AMAZON_MWS_TIME_SCALE", str(time_scale))
    monkeypatch.setenv("RESPONSE_CHECK_DELAY", "50")
    monkeypatch.setenv("FEED_CHECK_MAX_SECONDS", "60")
    monkeypatch.delenv("REDIS_URL", raising=False)
    backends.shared_limiter.cache_clear()
    yield
    backends.shared_limiter.cache_clear()


@pytest.fixture
def make_served(time_scale: float) -> Iterator[Callable[..., Served]]:
    started: list[tuple[Sandbox, Service]] = []

    def make(orders: int = 0, seed: int = 5, **sandbox_kw: Any) -> Served:
        sandbox_kw.setdefault("feed_processing_seconds", 10)
        sb = Sandbox(orders=orders, seed=seed, time_scale=time_scale, **sandbox_kw)
        sb.start()
        service = Service(server_config(sb)).start()
        started.append((sb, service))
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        return Served(sb, service, session)

    yield make
    for sb, service in started:
        service.stop()
        sb.stop()


@pytest.fixture
def served(make_served) -> Served:
    return make_served()
