"""The shared Amazon reference data (a test oracle) for the MWS transport unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

AMAZON = Path(__file__).resolve().parents[3] / ".." / "shared" / "amazon"
SAMPLES = AMAZON / "mws" / "samples"
MOCKS = AMAZON / "mws" / "official-client-mocks"


@pytest.fixture(scope="session")
def amazon_dir() -> Path:
    assert AMAZON.is_dir(), f"the Amazon reference data is missing at {AMAZON}"
    return AMAZON


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def mock(section: str, name: str) -> bytes:
    return (MOCKS / section / name).read_bytes()
