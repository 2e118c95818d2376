"""Fixtures for the orders steps: a real sandbox over loopback; the CLI runs through the root `run_cli`."""

from __future__ import annotations

import os

import pytest

from amazon_mws.sandbox import Sandbox
from runsupport import trigger_fields

# Quotas compressed 100x on both sides: ListOrders restores one request every 0.6 s.
TIME_SCALE = 0.01


@pytest.fixture
def cli_env() -> dict[str, str]:
    return {"AMAZON_MWS_TIME_SCALE": str(TIME_SCALE), "LOG_LEVEL": "INFO"}


@pytest.fixture
def child_env(cli_env, tmp_path) -> dict[str, str]:
    """A whole environment, for tests that start the CLI themselves (to kill it mid-run)."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    return {**env, **cli_env, "AMAZON_MWS_STATE_PATH": str(tmp_path / "cli-state.sqlite3")}


@pytest.fixture
def sandbox():
    with Sandbox(orders=250, seed=11, time_scale=TIME_SCALE, items_page_size=2) as sb:
        yield sb


def trigger_cfg(sb: Sandbox, **fields) -> dict:
    return trigger_fields(sb.credentials, **fields)
