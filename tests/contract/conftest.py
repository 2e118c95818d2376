"""Every backend through the same cases: a real sandbox over loopback, one parameter per backend.

A backend joins the contract by one entry in `contract_support.SETUPS` (its config for a sandbox and the
names its sandbox gives the listing operations, for fault injection);
`test_every_backend_and_orders_api_is_in_the_contract` fails until it has one.
"""

from __future__ import annotations

import pytest
from contract_support import SETUPS, TIME_SCALE, Harness

from amazon_mws.sandbox import Sandbox


@pytest.fixture(autouse=True)
def _fast(monkeypatch):
    monkeypatch.setenv("AMAZON_MWS_TIME_SCALE", str(TIME_SCALE))
    monkeypatch.setenv("RESPONSE_CHECK_DELAY", "40")
    monkeypatch.delenv("REDIS_URL", raising=False)  # the quota limiter stays in this process
    monkeypatch.delenv("AMAZON_MWS_MAX_PAGES", raising=False)


@pytest.fixture
def sandbox():
    with Sandbox(orders=120, seed=23, time_scale=TIME_SCALE, items_page_size=2, feed_processing_seconds=5) as sb:
        yield sb


@pytest.fixture(params=sorted(SETUPS))
def backend(request, sandbox) -> Harness:
    return Harness(SETUPS[request.param], sandbox)
