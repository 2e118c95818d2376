"""Fixtures for the feed tests: Amazon's reference files (read in place, never copied) and a compiled
XSD that the tests use independently of the code under test."""

from __future__ import annotations

from pathlib import Path

import pytest
from feed_samples import AMAZON, XSD_DIR
from lxml import etree


@pytest.fixture(scope="session")
def amazon_dir() -> Path:
    assert (AMAZON / "README.md").is_file(), f"Amazon reference data missing at {AMAZON}"
    return AMAZON.resolve()


@pytest.fixture(scope="session")
def envelope_xsd() -> etree.XMLSchema:
    """amzn-envelope.xsd compiled by the test itself (an oracle independent of feeds.xsd)."""
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(XSD_DIR / "amzn-envelope.xsd"), parser))


@pytest.fixture
def with_xsd(monkeypatch) -> Path:
    monkeypatch.setenv("AMAZON_XSD_DIR", str(XSD_DIR))
    return XSD_DIR


@pytest.fixture
def without_xsd(monkeypatch) -> None:
    monkeypatch.delenv("AMAZON_XSD_DIR", raising=False)
