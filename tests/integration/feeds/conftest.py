"""A real sandbox Amazon over loopback HTTP for the feed actions, with time compressed 100x."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# the valid sample bodies live with the unit tests; share them rather than copy them
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "feeds"))

from feed_ctx import TIME_SCALE, Ctx  # noqa: E402,F401
from feed_samples import XSD_DIR  # noqa: E402

from amazon_mws.sandbox.app import Sandbox  # noqa: E402


@pytest.fixture(autouse=True)
def _fast(monkeypatch):
    monkeypatch.setenv("AMAZON_MWS_TIME_SCALE", str(TIME_SCALE))
    monkeypatch.setenv("RESPONSE_CHECK_DELAY", "40")
    monkeypatch.setenv("AMAZON_XSD_DIR", str(XSD_DIR))
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("FEED_CHECK_MAX_ATTEMPTS", raising=False)
    monkeypatch.delenv("FEED_CHECK_MAX_SECONDS", raising=False)


@pytest.fixture
def sandbox():
    # processing takes 30 s of Amazon time = 0.3 s here, so a job needs several checks
    with Sandbox(orders=0, time_scale=TIME_SCALE, feed_processing_seconds=30, xsd_dir=XSD_DIR) as box:
        yield box


@pytest.fixture
def ctx():
    return Ctx()
