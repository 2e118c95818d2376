"""Fixtures for the MWS transport's HTTP-level tests (the replay server lives in mws_replay_server.py)."""

from __future__ import annotations

import pytest
from mws_replay_server import replay_server


@pytest.fixture
def replay():
    yield from replay_server()
