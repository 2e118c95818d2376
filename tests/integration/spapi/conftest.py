"""Fixtures for the SP-API backend tests: sandboxes, the installed CLI (on the root `cli` fixture), and
Amazon's SP-API models as the oracle. Helpers live in spapi_support."""

from __future__ import annotations

import pytest

from amazon_mws.sandbox import Sandbox

from .spapi_support import TIME_SCALE, load_model


@pytest.fixture
def sandbox():
    with Sandbox(orders=250, seed=11, time_scale=TIME_SCALE, items_page_size=2) as sb:
        yield sb


@pytest.fixture
def small_sandbox():
    """For runs that fetch every order's items (a request or more per order)."""
    with Sandbox(orders=40, seed=5, time_scale=TIME_SCALE, items_page_size=2) as sb:
        yield sb


@pytest.fixture
def cli_env() -> dict[str, str | None]:
    """What every CLI run of these tests gets on top of the root `cli` fixture's environment."""
    return {"AMAZON_MWS_TIME_SCALE": str(TIME_SCALE), "LOG_LEVEL": "INFO"}


@pytest.fixture(scope="session")
def orders_model() -> dict:
    return load_model("orders-api-model/ordersV0.json")


@pytest.fixture(scope="session")
def feeds_model() -> dict:
    return load_model("feeds-api-model/feeds_2021-06-30.json")
